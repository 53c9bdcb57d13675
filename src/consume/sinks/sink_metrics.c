/* sink_metrics.c - the counters of metrics.h, added atomically with the acknowledgement. */
#include "config.h"

#include <stdlib.h>

#include "metrics.h"
#include "consume_sink.h"

struct msink {
	const struct conf *conf;
	char **keys;			/* owned */
	const char *overflow[M_COUNT];
	struct buf labels, scratch;
	struct ack_incr *v;		/* owned */
	size_t n, cap;
};

static bool
enabled(const struct conf *c)
{
	return c->metrics_listen != NULL;
}

static void
msink_close(void *state)
{
	struct msink *m = state;

	if (!m)
		return;
	metric_keys_free(m->keys);
	buf_free(&m->labels);
	buf_free(&m->scratch);
	free(m->v);
	free(m);
}

static void *
msink_open(const struct conf *c, const struct sources *sources, struct dp_error *err)
{
	struct msink *m = calloc(1, sizeof *m);
	size_t i;

	(void)sources;
	if (!m || !(m->keys = metric_keys(c))) {
		msink_close(m);
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return NULL;
	}
	m->conf = c;
	for (i = 0; i < M_COUNT; i++)
		m->overflow[i] = metric_defs[i].overflow;
	return m;
}

static enum dp_status
msink_take(void *state, struct reader *rd, const struct entries *es, struct dp_error *err)
{
	struct msink *m = state;
	struct ack_counters cn;
	size_t acked;

	buf_reset(&m->labels);
	m->n = 0;
	if (metrics_increments(es, &m->labels, &m->scratch, &m->v, &m->n, &m->cap) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	/* The counters before M_SOURCE_MESSAGES are this sink's; the sources sink has the others. */
	cn = (struct ack_counters){ (const char *const *)m->keys, m->overflow, M_SOURCE_MESSAGES, m->conf->metrics_max_series,
				    m->labels.data, m->v, m->n, NULL };
	return reader_ack(rd, es, &cn, &acked, err);
}

static enum dp_status
msink_flush(void *state, struct reader *rd, bool force, struct dp_error *err)
{
	(void)state, (void)rd, (void)force, (void)err;
	return DP_OK;	/* nothing is ever held */
}

static void
msink_nothing(void *state)
{
	(void)state;
}

const struct consume_sink sink_metrics = {
	.name = "metrics",
	.enabled = enabled,
	.open = msink_open,
	.take = msink_take,
	.flush = msink_flush,
	.abandon = msink_nothing,
	.reopen = msink_nothing,
	.close = msink_close,
};

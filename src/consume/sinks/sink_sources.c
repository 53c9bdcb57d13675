/*
 * sink_sources.c - the daily rollups of who sends as our domains and
 * of TLS sessions (rollup.h), and the sources' metrics: written with the acknowledgement
 * of the records they come from, so each record counts once.  Old days
 * are deleted every PRUNE_EVERY_SECONDS.
 */
#include "config.h"

#include <stdlib.h>
#include <time.h>

#include "consume_sink.h"
#include "enrich.h"
#include "log.h"
#include "rollup.h"

#define PRUNE_EVERY_SECONDS 600

struct ssink {
	const struct conf *conf;
	struct enricher *enricher;	/* owned */
	struct rollup *rollup;		/* owned */
	time_t next_prune;
};

static bool
enabled(const struct conf *c)
{
	return c->rollup_days > 0;
}

static void
ssink_close(void *state)
{
	struct ssink *s = state;

	if (!s)
		return;
	enricher_free(s->enricher);
	rollup_free(s->rollup);
	free(s);
}

static void *
ssink_open(const struct conf *c, const struct sources *sources, struct dp_error *err)
{
	struct ssink *s = calloc(1, sizeof *s);
	char why[DP_REASON_MAX];

	if (!s || !(s->rollup = rollup_new(c))) {
		ssink_close(s);
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return NULL;
	}
	if (!(s->enricher = enricher_new(sources, why, sizeof why))) {
		ssink_close(s);
		dp_fail(err, DP_TEMPFAIL, "%s", why);
		return NULL;
	}
	s->conf = c;
	return s;
}

/* Old days deleted (rollup_prune); the first time also marks where the weekly rollups begin. */
static enum dp_status
prune(struct ssink *s, struct reader *rd, struct dp_error *err)
{
	size_t removed;

	if (rollup_prune(s->rollup, reader_redis(rd), &removed, err) != DP_OK)
		return DP_TEMPFAIL;
	s->next_prune = time(NULL) + PRUNE_EVERY_SECONDS;
	if (removed)
		log_info("event=prune days=%zu reason=\"older than rollup_days (%u) before the newest day\"", removed,
			 s->conf->rollup_days);
	return DP_OK;
}

static enum dp_status
ssink_take(void *state, struct reader *rd, const struct entries *es, struct dp_error *err)
{
	struct ssink *s = state;
	struct source_info *si;
	struct ack_counters cn;
	size_t acked;

	if (es->kind == &failure_schema)
		return reader_ack(rd, es, NULL, &acked, err);	/* nothing of theirs is rolled up */
	/* Before this process adds to any week: so that a fresh start's weeks are whole (rollup.h, weekly-from). */
	if (!s->next_prune && prune(s, rd, err) != DP_OK)
		return DP_TEMPFAIL;
	if (es->kind == &aggregate_schema) {
		if (enrich_entries(s->enricher, reader_redis(rd), es, &si, err) != DP_OK)
			return DP_TEMPFAIL;
	} else
		si = NULL;	/* TLS records: their sessions by day and policy domain */
	if (rollup_build(s->rollup, es, si, &cn) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	return reader_ack(rd, es, &cn, &acked, err);
}

static enum dp_status
ssink_flush(void *state, struct reader *rd, bool force, struct dp_error *err)
{
	struct ssink *s = state;

	if (!force && time(NULL) < s->next_prune)
		return DP_OK;
	return prune(s, rd, err);
}

static void
ssink_nothing(void *state)
{
	(void)state;
}

const struct consume_sink sink_sources = {
	.name = "sources",
	.enabled = enabled,
	.open = ssink_open,
	.take = ssink_take,
	.flush = ssink_flush,
	.abandon = ssink_nothing,
	.reopen = ssink_nothing,
	.close = ssink_close,
};

/*
 * sink_syslog.c - one "event=<kind's event> rid=... ord=... key=value ..."
 * line per record, the fields in the kind's flat form (fields.h).
 *
 * String values are double-quoted and escaped (escape.h) and capped at
 * SYSLOG_VALUE_MAX bytes, so a report cannot forge lines or fields.
 */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "escape.h"
#include "fields.h"
#include "log.h"
#include "sink.h"

#define SYSLOG_VALUE_MAX 256

struct syslog_sink {
	struct buf line;
	struct buf scratch;
	struct buf report;	/* the report's pairs, built once per batch of records */
	bool have_report;
};

static int
add_pair(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct buf *line = arg;

	if (buf_putc(line, ' ') < 0 || buf_puts(line, key) < 0 || buf_putc(line, '=') < 0)
		return -1;
	if (number)
		return buf_append(line, value, len);
	if (buf_putc(line, '"') < 0 || esc_syslog(line, value, len, SYSLOG_VALUE_MAX) < 0)
		return -1;
	return buf_putc(line, '"');
}

static enum dp_status
syslog_record(struct sink *s, const struct kind_report *rep, size_t ord, const void *rec,
	      struct dp_error *err)
{
	struct syslog_sink *ss = s->state;
	struct fields f;

	if (!ss->have_report) {
		buf_reset(&ss->report);
		fields_flat(&f, &ss->scratch, add_pair, &ss->report);
		FIELD_STR(&f, "kind", rep->kind->name);
		rep->kind->report_fields(rep->state, &f);
		if (fields_done(&f))
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		ss->have_report = true;
	}
	buf_reset(&ss->line);
	if (buf_puts(&ss->line, "event=") < 0 || buf_puts(&ss->line, rep->kind->event) < 0 ||
	    buf_puts(&ss->line, " rid=\"") < 0 || buf_append(&ss->line, rep->rid, RID_HEX_LEN) < 0 ||
	    buf_puts(&ss->line, "\" ord=") < 0 || buf_putu(&ss->line, ord) < 0 ||
	    buf_append(&ss->line, ss->report.data, ss->report.len) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	fields_flat(&f, &ss->scratch, add_pair, &ss->line);
	rep->kind->record_fields(rep->state, rec, &f);
	kind_record_tail(rep, &f);
	if (fields_done(&f))
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	log_line(LOG_INFO, ss->line.data);
	return DP_OK;
}

static enum dp_status
syslog_report_end(struct sink *s, const struct kind_report *rep, struct dp_error *err)
{
	(void)rep; (void)err;
	((struct syslog_sink *)s->state)->have_report = false;
	return DP_OK;
}

static void
syslog_close(struct sink *s)
{
	struct syslog_sink *ss = s->state;

	buf_free(&ss->line);
	buf_free(&ss->scratch);
	buf_free(&ss->report);
	free(ss);
}

static const struct sink_ops syslog_ops = {
	.name = "syslog",
	.record = syslog_record,
	.report_end = syslog_report_end,
	.close = syslog_close,
};

struct sink *
sink_syslog_new(void)
{
	struct sink *s = calloc(1, sizeof *s);
	struct syslog_sink *ss = calloc(1, sizeof *ss);

	if (!s || !ss) {
		free(s);
		free(ss);
		return NULL;
	}
	ss->line = (struct buf)BUF_INIT(0);
	ss->scratch = (struct buf)BUF_INIT(0);
	ss->report = (struct buf)BUF_INIT(0);
	s->ops = &syslog_ops;
	s->state = ss;
	return s;
}

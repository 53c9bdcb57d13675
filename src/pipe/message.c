/*
 * message.c - the per-message pipeline; see message.h.
 *
 * Outcomes are ranked so that the summary names the most telling reason:
 * a refused report says more than a corrupt archive, which says more than
 * a part that was no report at all.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "budget.h"
#include "deadline.h"
#include "escape.h"
#include "log.h"
#include "message.h"
#include "sniff.h"
#include "unpack.h"
#include "xmlreport.h"

enum { RANK_NONE, RANK_NOT_REPORT, RANK_BROKEN, RANK_REFUSED_REPORT };

/* The reason of a message in which nothing was a report. */
#define NO_REPORT "no DMARC report found"

struct msgctx {
	struct pipeline *pl;
	struct message_result *res;
	struct budget budget;
	struct dp_error err;	/* the message's tempfail, if any */
	/* The store's marker of the current document's report, once looked up. */
	struct store_marker marker;
	char marker_rid[RID_HEX_LEN + 1];	/* whose marker it is; "" for none */
};

static void
note_reason(struct message_result *res, int rank, const char *reason)
{
	if (rank > res->reason_rank) {
		res->reason_rank = rank;
		snprintf(res->reason, sizeof res->reason, "%s", reason);
	}
}

/* Room for one escaped value in a log line. */
#define LOGVAL 256

static void
on_problem(void *arg, const char *label, enum unpack_problem kind, const char *reason)
{
	struct msgctx *m = arg;
	char where[LOGVAL], why[LOGVAL];

	esc_log(where, sizeof where, label);
	esc_log(why, sizeof why, reason);
	if (kind == UP_NOT_REPORT) {
		log_debug("%s: no report: %s", where, why);
		note_reason(m->res, RANK_NOT_REPORT, NO_REPORT);
		return;
	}
	m->res->refused++;
	log_warn("event=refused where=\"%s\" reason=\"%s\"", where, why);
	note_reason(m->res, RANK_BROKEN, reason);
}

/* Records of one report on their way to the sinks. */
struct announce {
	struct msgctx *m;
	const struct dmarc_report *view;
	struct report_cursor cursor;
};

/* Records from..from+count-1 are stored (or there is no store): give them to every sink. */
static enum dp_status
announce_records(void *arg, size_t from, size_t count)
{
	struct announce *a = arg;
	struct pipeline *pl = a->m->pl;
	struct dmarc_record rec;
	size_t i;
	int more = 1;

	if (report_seek(pl->rep, &a->cursor, from) < 0)
		more = -1;
	while (more > 0 && count-- > 0 && (more = report_next(pl->rep, &a->cursor, &rec)) > 0)
		for (i = 0; i < pl->nsinks; i++)
			if (pl->sinks[i]->ops->record(pl->sinks[i], a->view, &rec, &a->m->err) != DP_OK)
				return DP_TEMPFAIL;
	if (more < 0)
		return dp_fail_errno(&a->m->err, DP_TEMPFAIL, "cannot read back the report's records");
	for (i = 0; i < pl->nsinks; i++)
		if (pl->sinks[i]->ops->report_end &&
		    pl->sinks[i]->ops->report_end(pl->sinks[i], a->view, &a->m->err) != DP_OK)
			return DP_TEMPFAIL;
	return DP_OK;
}

static enum dp_status
emit_report(struct msgctx *m, const char *label)
{
	struct pipeline *pl = m->pl;
	struct dmarc_report view;
	struct announce a = { m, &view, { 0, 0 } };
	struct store_result sr = { 0 };
	char org[LOGVAL], id[LOGVAL], where[LOGVAL];

	report_view(pl->rep, &view);
	if (pl->store) {
		if (strcmp(m->marker_rid, view.rid) &&
		    store_lookup(pl->store, view.rid, &m->marker, &m->err) != DP_OK)
			return DP_TEMPFAIL;
		if (store_report(pl->store, pl->rep, &view, &m->marker, announce_records, &a, &sr, &m->err) != DP_OK)
			return DP_TEMPFAIL;
	} else {
		if (announce_records(&a, 0, view.nrecords) != DP_OK)
			return DP_TEMPFAIL;
		sr.written = view.nrecords;
	}
	m->res->reports++;
	m->res->records += sr.written;
	if (sr.duplicate)
		m->res->duplicates++;
	log_info("event=report rid=%s org_name=\"%s\" report_id=\"%s\" records=%zu new=%zu%s where=\"%s\"",
		 view.rid, esc_log(org, sizeof org, view.org_name), esc_log(id, sizeof id, view.report_id),
		 view.nrecords, sr.written, sr.duplicate ? " duplicate=yes" : "", esc_log(where, sizeof where, label));
	return DP_OK;
}

/*
 * The identity hook: as soon as the report's identity is known, one round
 * trip asks whether it is stored whole already; a redelivery then costs
 * no parsing of its records.
 */
static enum dp_status
check_identity(void *arg, struct report *rep, bool *skip, struct dp_error *err)
{
	struct msgctx *m = arg;
	struct dmarc_report view;

	report_view(rep, &view);
	if (store_lookup(m->pl->store, view.rid, &m->marker, err) != DP_OK)
		return DP_TEMPFAIL;
	memcpy(m->marker_rid, view.rid, sizeof m->marker_rid);
	*skip = m->marker.done;
	return DP_OK;
}

/* A report found stored whole before its records were parsed. */
static void
note_skipped(struct msgctx *m, const char *label)
{
	struct dmarc_report view;
	char org[LOGVAL], id[LOGVAL], where[LOGVAL];

	report_view(m->pl->rep, &view);
	m->res->reports++;
	m->res->duplicates++;
	log_info("event=report rid=%s org_name=\"%s\" report_id=\"%s\" records=%zu new=0 duplicate=yes where=\"%s\"",
		 m->marker_rid, esc_log(org, sizeof org, view.org_name), esc_log(id, sizeof id, view.report_id),
		 m->marker.total, esc_log(where, sizeof where, label));
}

static enum dp_status
on_document(void *arg, struct stream *s, const char *label, unsigned depth)
{
	struct msgctx *m = arg;
	struct xml_identity_hook hook = { check_identity, m };
	struct xml_result xr;
	enum dp_status rc;

	m->marker_rid[0] = '\0';
	rc = xml_report_parse(s, m->pl->conf, m->pl->rep, m->pl->store ? &hook : NULL, &xr, s->err);

	if (rc == DP_TEMPFAIL) {
		dp_fail(&m->err, DP_TEMPFAIL, "%s", s->err->reason);
		return DP_TEMPFAIL;
	}
	if (rc == DP_REFUSE) {
		if (xr.saw_feedback) {
			struct dmarc_report partial;
			char org[LOGVAL], id[LOGVAL], where[LOGVAL], why[LOGVAL];

			report_view(m->pl->rep, &partial);
			m->res->refused++;
			log_warn("event=refused where=\"%s\" org_name=\"%s\" report_id=\"%s\" reason=\"%s\"",
				 esc_log(where, sizeof where, label), esc_log(org, sizeof org, partial.org_name),
				 esc_log(id, sizeof id, partial.report_id), esc_log(why, sizeof why, s->err->reason));
			note_reason(m->res, RANK_REFUSED_REPORT, s->err->reason);
		} else if (depth > 0 || xr.forbidden) {
			/* Markup inside an archive was meant as a report; a DTD is an attack. */
			on_problem(m, label, UP_BROKEN, s->err->reason);
		} else {
			char where[LOGVAL], why[LOGVAL];

			log_debug("%s: no report: %s", esc_log(where, sizeof where, label),
				  esc_log(why, sizeof why, s->err->reason));
			note_reason(m->res, RANK_NOT_REPORT, NO_REPORT);
		}
		dp_error_clear(s->err);
		return DP_OK;
	}
	if (xr.skipped) {
		note_skipped(m, label);
		return DP_OK;
	}
	if (!xr.complete) {
		on_problem(m, label, UP_NOT_REPORT, "XML without a <feedback> report");
		return DP_OK;
	}
	if (emit_report(m, label) != DP_OK)
		return DP_TEMPFAIL;
	return DP_OK;
}

struct part_ctx {
	struct msgctx *m;
	const struct unpack_visitor *uv;
};

static enum dp_status
on_part(void *arg, const uint8_t *data, size_t len, const char *label)
{
	struct part_ctx *pc = arg;

	return unpack_blob(pc->uv, data, len, label, &pc->m->err);
}

/* Bytes up to the blank line that ends the message header (all, if none). */
static size_t
header_size(const uint8_t *msg, size_t len)
{
	const uint8_t *p = msg, *end = msg + len;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p)))) {
		p++;
		if (p < end && *p == '\n')
			return (size_t)(p - msg);
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
			return (size_t)(p - msg);
	}
	return len;
}

int
pipeline_init(struct pipeline *pl, const struct conf *conf, struct store *store,
	      struct sink **sinks, size_t nsinks)
{
	pl->conf = conf;
	pl->store = store;
	pl->sinks = sinks;
	pl->nsinks = nsinks;
	pl->rep = report_new(conf->max_auth_results);
	return pl->rep ? 0 : -1;
}

void
pipeline_free(struct pipeline *pl)
{
	report_free(pl->rep);
	pl->rep = NULL;
}

void
message_process(struct pipeline *pl, const uint8_t *msg, size_t len, struct message_result *res)
{
	const struct conf *c = pl->conf;
	struct msgctx m = { .pl = pl, .res = res, .budget = { 0, c->max_total_size, c->max_compression_ratio },
			    .err = { DP_OK, "" } };
	struct unpack_visitor uv = { on_document, on_problem, &m, c, &m.budget };
	enum dp_status rc;

	memset(res, 0, sizeof *res);
	deadline_start(c->max_message_seconds);
	if (len == 0) {
		rc = DP_OK;
		note_reason(res, RANK_NOT_REPORT, "empty message");
	} else if (sniff(msg, len) != BLOB_UNKNOWN) {
		rc = unpack_blob(&uv, msg, len, "input", &m.err);
	} else {
		struct part_ctx pc = { &m, &uv };
		struct mime_visitor mv = { on_part, &pc, c->max_mime_depth, c->max_mime_parts, c->max_decoded_size,
					   c->max_header_fields };

		if (header_size(msg, len) > c->max_header_size) {
			/* Before GMime copies a giant header around. */
			rc = dp_fail(&m.err, DP_REFUSE, "message header exceeds max_header_size (%" PRIu64 " bytes)",
				     c->max_header_size);
		} else {
			mime_init();
			rc = mime_walk(msg, len, &mv, &res->mime, &m.err);
		}
		if (rc == DP_REFUSE) {
			/* The message as a whole is unusable (limits, not MIME). */
			res->refused++;
			note_reason(res, RANK_REFUSED_REPORT + 1, m.err.reason);
		}
	}
	if (rc == DP_TEMPFAIL || m.err.status == DP_TEMPFAIL) {
		res->status = MSG_TEMPFAIL;
		snprintf(res->reason, sizeof res->reason, "%s", m.err.reason);
	} else if (res->reports > 0) {
		res->status = res->duplicates == res->reports ? MSG_DUPLICATE : MSG_OK;
		if (!res->refused)
			res->reason[0] = '\0';
	} else {
		res->status = MSG_REJECTED;
		if (!res->reason[0])
			snprintf(res->reason, sizeof res->reason, "%s", NO_REPORT);
	}
}

const char *
message_status_name(enum message_status s)
{
	switch (s) {
	case MSG_OK: return "ok";
	case MSG_DUPLICATE: return "duplicate";
	case MSG_REJECTED: return "rejected";
	default: return "tempfail";
	}
}

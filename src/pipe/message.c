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

#include "authres.h"
#include "budget.h"
#include "deadline.h"
#include "escape.h"
#include "log.h"
#include "message.h"
#include "sniff.h"
#include "unpack.h"

enum { RANK_NONE, RANK_NOT_REPORT, RANK_BROKEN, RANK_REFUSED_REPORT };

/* The reason of a message in which nothing was a report. */
#define NO_REPORT "no report found"

struct msgctx {
	struct pipeline *pl;
	struct message_result *res;
	struct budget budget;
	struct dp_error err;	/* the message's tempfail, if any */
	/* The store's marker of the current document's report, once looked up. */
	struct store_marker marker;
	char marker_rid[RID_HEX_LEN + 1];	/* whose marker it is; "" for none */
	struct origin origin;	/* every record's mail_auth and mail_from_domain */
	enum refusal refusal;	/* the message refused as a whole: why */
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
	m->res->refused_per_kind[KIND_COUNT][REFUSED_BROKEN]++;
	log_warn("event=refused where=\"%s\" reason=\"%s\"", where, why);
	note_reason(m->res, RANK_BROKEN, reason);
}

/* Records of one report on their way to the sinks. */
struct announce {
	struct msgctx *m;
	const struct kind_report *r;
	struct kind_cursor cursor;
};

/* Records from..from+count-1 are stored (or there is no store): give them to every sink. */
static enum dp_status
announce_records(void *arg, size_t from, size_t count)
{
	struct announce *a = arg;
	struct pipeline *pl = a->m->pl;
	const struct kind *k = a->r->kind;
	const void *rec;
	size_t i;
	int more = 1;

	if (k->seek(a->r->state, &a->cursor, from) < 0)
		more = -1;
	while (more > 0 && count-- > 0 && (more = k->next(a->r->state, &a->cursor, &rec)) > 0)
		for (i = 0; i < pl->nsinks; i++)
			if (pl->sinks[i]->ops->record(pl->sinks[i], a->r, a->cursor.ord - 1, rec, &a->m->err) != DP_OK)
				return DP_TEMPFAIL;
	if (more < 0)
		return dp_fail_errno(&a->m->err, DP_TEMPFAIL, "cannot read back the report's records");
	for (i = 0; i < pl->nsinks; i++)
		if (pl->sinks[i]->ops->report_end &&
		    pl->sinks[i]->ops->report_end(pl->sinks[i], a->r, &a->m->err) != DP_OK)
			return DP_TEMPFAIL;
	return DP_OK;
}

/* One report of kind k counted, and its event=report line. */
static void
count_report(struct msgctx *m, const struct kind_report *r, size_t records, size_t written, bool duplicate,
	     const char *label)
{
	char org[LOGVAL], id[LOGVAL], where[LOGVAL];

	m->res->reports++;
	m->res->per_kind[kind_index(r->kind)]++;
	m->res->records += written;
	if (duplicate)
		m->res->duplicates++;
	log_info("event=report kind=%s rid=%s org_name=\"%s\" report_id=\"%s\" records=%zu new=%zu%s where=\"%s\"",
		 r->kind->name, r->rid, esc_log(org, sizeof org, r->org_name),
		 esc_log(id, sizeof id, r->report_id), records, written, duplicate ? " duplicate=yes" : "",
		 esc_log(where, sizeof where, label));
}

static enum dp_status
emit_report(struct msgctx *m, const struct kind *k, const char *label)
{
	struct pipeline *pl = m->pl;
	struct kind_report r;
	struct announce a = { m, &r, { 0, 0 } };
	struct store_result sr = { 0 };

	k->view(pl->state[kind_index(k)], &r);
	r.origin = &m->origin;
	if (pl->store) {
		if (strcmp(m->marker_rid, r.rid) && store_lookup(pl->store, r.rid, &m->marker, &m->err) != DP_OK)
			return DP_TEMPFAIL;
		if (store_report(pl->store, &r, &m->marker, announce_records, &a, &sr, &m->err) != DP_OK)
			return DP_TEMPFAIL;
	} else {
		if (announce_records(&a, 0, r.nrecords) != DP_OK)
			return DP_TEMPFAIL;
		sr.written = r.nrecords;
	}
	count_report(m, &r, r.nrecords, sr.written, sr.duplicate, label);
	return DP_OK;
}

/*
 * The identity hook: as soon as the report's identity is known, one round
 * trip asks whether it is stored whole already; a redelivery then costs
 * no parsing of its records.
 */
static enum dp_status
check_identity(void *arg, const char *rid, bool *skip, struct dp_error *err)
{
	struct msgctx *m = arg;

	if (store_lookup(m->pl->store, rid, &m->marker, err) != DP_OK)
		return DP_TEMPFAIL;
	memcpy(m->marker_rid, rid, sizeof m->marker_rid);
	*skip = m->marker.done;
	return DP_OK;
}

/* A report that failed to parse: a refused report, a broken document, or no report at all. */
static void
note_refusal(struct msgctx *m, const struct kind *k, const struct kind_parse *kp, const char *label,
	     unsigned depth, const char *reason)
{
	char where[LOGVAL], why[LOGVAL];

	if (kp->meant) {
		struct kind_report partial;
		char org[LOGVAL], id[LOGVAL], domain[LOGVAL], about[LOGVAL + 16] = "";

		k->view(m->pl->state[kind_index(k)], &partial);
		m->res->refused++;
		m->res->refused_per_kind[kind_index(k)][kp->refusal]++;
		if (kp->refusal == REFUSED_DOMAIN) {
			char name[LOGVAL];

			snprintf(name, sizeof name, "%.*s", (int)(kp->domain_len < LOGVAL ? kp->domain_len : LOGVAL - 1),
				 kp->domain ? kp->domain : "");
			snprintf(about, sizeof about, " domain=\"%s\"", esc_log(domain, sizeof domain, name));
		}
		log_warn("event=refused kind=%s where=\"%s\" org_name=\"%s\" report_id=\"%s\" reason=\"%s\"%s",
			 k->name, esc_log(where, sizeof where, label), esc_log(org, sizeof org, partial.org_name),
			 esc_log(id, sizeof id, partial.report_id), esc_log(why, sizeof why, reason), about);
		note_reason(m->res, RANK_REFUSED_REPORT, reason);
	} else if (depth > 0 || kp->hostile) {
		/* A document inside an archive was meant as a report; a DTD is an attack. */
		on_problem(m, label, UP_BROKEN, reason);
	} else {
		log_debug("%s: no report: %s", esc_log(where, sizeof where, label), esc_log(why, sizeof why, reason));
		note_reason(m->res, RANK_NOT_REPORT, NO_REPORT);
	}
}

/* Parse one input with kind k and pass what it gives on. */
static enum dp_status
take_report(struct msgctx *m, const struct kind *k, const struct kind_input *in, const char *label,
	    struct dp_error *err)
{
	void *state = m->pl->state[kind_index(k)];
	struct kind_hook hook = { check_identity, m };
	struct kind_parse kp;
	enum dp_status rc;

	m->marker_rid[0] = '\0';
	rc = k->parse(state, in, m->pl->conf, m->pl->store ? &hook : NULL, &kp, err);
	if (rc == DP_TEMPFAIL) {
		dp_fail(&m->err, DP_TEMPFAIL, "%s", err->reason);
		return DP_TEMPFAIL;
	}
	if (rc == DP_REFUSE) {
		note_refusal(m, k, &kp, label, in->depth, err->reason);
		dp_error_clear(err);
		return DP_OK;
	}
	if (kp.skipped) {
		struct kind_report r;

		k->view(state, &r);
		r.origin = &m->origin;
		memcpy(r.rid, m->marker_rid, sizeof r.rid);
		count_report(m, &r, m->marker.total, 0, true, label);
		return DP_OK;
	}
	if (!kp.complete) {
		on_problem(m, label, UP_NOT_REPORT, kp.not_report ? kp.not_report : NO_REPORT);
		return DP_OK;
	}
	if (kp.dropped) {
		char where[LOGVAL];

		log_notice("event=dropped kind=%s where=\"%s\" records=%zu reason=\"not one of report_domains\"", k->name,
			   esc_log(where, sizeof where, label), kp.dropped);
	}
	if (kp.repaired[0]) {
		char where[LOGVAL], what[LOGVAL];

		log_warn("event=repaired kind=%s where=\"%s\" what=\"%s\"", k->name,
			 esc_log(where, sizeof where, label), esc_log(what, sizeof what, kp.repaired));
	}
	return emit_report(m, k, label);
}

static enum dp_status
on_document(void *arg, struct stream *s, enum blob_kind format, const char *label, unsigned depth)
{
	struct msgctx *m = arg;
	const struct kind *k = kind_for(format == BLOB_JSON ? SOURCE_JSON : SOURCE_XML);
	struct kind_input in = { .doc = s, .depth = depth };

	if (!k) {
		on_problem(m, label, UP_NOT_REPORT, "no report kind is read from such a document");
		return DP_OK;
	}
	return take_report(m, k, &in, label, s->err);
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

/* A feedback report the MIME walk found. */
static enum dp_status
on_feedback(void *arg, const struct mime_feedback *fb, const char *label)
{
	struct part_ctx *pc = arg;
	struct dp_error err = { DP_OK, "" };
	struct kind_input in = { .feedback = fb };

	return take_report(pc->m, kind_for(SOURCE_FEEDBACK), &in, label, &err);
}

/*
 * The mail's own header, before any of its parts: how it was
 * authenticated, for every record; with report_auth = require, a mail
 * that was not is refused whole.
 */
static enum dp_status
on_header(void *arg, const struct mime_fields *fields, const struct mime_info *info)
{
	struct part_ctx *pc = arg;
	struct msgctx *m = pc->m;
	const struct conf *c = m->pl->conf;
	enum mail_auth auth = authres_judge(fields, c->authserv_id, info->from_domain);

	m->origin.mail_auth = mail_auth_name(auth);
	m->origin.mail_from_domain = info->from_domain[0] ? info->from_domain : NULL;
	if (auth == MAIL_AUTH_NONE && conf_report_auth_required(c)) {
		m->refusal = REFUSED_AUTH;
		return dp_fail(&m->err, DP_REFUSE, "not authenticated");
	}
	return DP_OK;
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
	size_t i;

	memset(pl, 0, sizeof *pl);
	pl->conf = conf;
	pl->store = store;
	pl->sinks = sinks;
	pl->nsinks = nsinks;
	for (i = 0; kinds[i]; i++)
		if (!(pl->state[i] = kinds[i]->state_new(conf))) {
			pipeline_free(pl);
			return -1;
		}
	return 0;
}

void
pipeline_free(struct pipeline *pl)
{
	size_t i;

	for (i = 0; kinds[i]; i++) {
		if (pl->state[i])
			kinds[i]->state_free(pl->state[i]);
		pl->state[i] = NULL;
	}
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
	/* A bare report file has no header to judge: authenticated by nothing. */
	m.origin.mail_auth = mail_auth_name(c->authserv_id ? MAIL_AUTH_NONE : MAIL_AUTH_UNCHECKED);
	deadline_start(c->max_message_seconds);
	if (len == 0) {
		rc = DP_OK;
		note_reason(res, RANK_NOT_REPORT, "empty message");
	} else if (sniff(msg, len) != BLOB_UNKNOWN) {
		if (conf_report_auth_required(c)) {
			m.refusal = REFUSED_AUTH;
			rc = dp_fail(&m.err, DP_REFUSE, "not authenticated");
		} else {
			rc = unpack_blob(&uv, msg, len, "input", &m.err);
		}
	} else {
		struct part_ctx pc = { &m, &uv };
		struct mime_visitor mv = { on_part, on_feedback, &pc, c->max_mime_depth, c->max_mime_parts, c->max_decoded_size,
					   c->max_header_fields, c->max_header_size, on_header };

		if (header_size(msg, len) > c->max_header_size) {
			/* Before GMime copies a giant header around. */
			rc = dp_fail(&m.err, DP_REFUSE, "message header exceeds max_header_size (%" PRIu64 " bytes)",
				     c->max_header_size);
		} else {
			mime_init();
			rc = mime_walk(msg, len, &mv, &res->mime, &m.err);
		}
	}
	if (rc == DP_REFUSE) {
		/* The message as a whole is unusable (limits, not MIME) or not to be taken (report_auth). */
		char why[LOGVAL], from[LOGVAL];

		res->refused++;
		res->refused_per_kind[KIND_COUNT][m.refusal]++;
		note_reason(res, RANK_REFUSED_REPORT + 1, m.err.reason);
		if (m.refusal == REFUSED_AUTH)
			log_warn("event=refused reason=\"%s\" mail_from_domain=\"%s\"", esc_log(why, sizeof why, m.err.reason),
				 esc_log(from, sizeof from, res->mime.from_domain));
	}
	res->mail_auth = m.origin.mail_auth;
	/* Complete in the stream is not enough with redis_min_replicas: on enough replicas too. */
	if (rc != DP_TEMPFAIL && m.err.status != DP_TEMPFAIL && res->reports > 0 && pl->store) {
		struct dp_error werr = { DP_OK, "" };

		if (store_replicated(pl->store, &werr) != DP_OK)
			m.err = werr;
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

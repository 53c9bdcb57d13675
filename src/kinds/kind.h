/*
 * kind.h - what a kind of report is to the rest of the program.
 *
 * Three kinds of report arrive by mail: DMARC aggregate reports (XML
 * documents), SMTP TLS reports (JSON documents) and DMARC failure reports
 * (ARF feedback parts).  Each kind is one folder under src/kinds/ that
 * fills in a struct kind; the registry (kind.c) lists them.  The pipeline
 * picks a kind by what it found (kind_for), parses with it, and hands the
 * complete report to the store and the sinks, which know reports only
 * through this interface: the fields a kind's records have are written
 * once, in the kind's schema functions (fields.h), for every output.
 *
 * Every record of every kind has the fields rid (its report's identity),
 * ord (its index in the report) and kind (the kind's name), then the
 * report's fields, then its own.
 */
#ifndef DP_KIND_H
#define DP_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "fields.h"
#include "kindlist.h"
#include "status.h"
#include "stream.h"

/* A report's identity in hex: the key that deduplication uses (rid.h). */
#define RID_HEX_LEN 32

/* What a kind's reports arrive as. */
enum kind_source {
	SOURCE_XML,		/* a document that starts with '<' */
	SOURCE_JSON,		/* a document that starts with '{' */
	SOURCE_FEEDBACK,	/* a message/feedback-report part and its neighbours */
};

struct mime_feedback;

/* One input to a parse: a decoded document, or a feedback part as the MIME walk found it. */
struct kind_input {
	struct stream *doc;			/* SOURCE_XML, SOURCE_JSON */
	const struct mime_feedback *feedback;	/* SOURCE_FEEDBACK */
	unsigned depth;				/* archive layers the document came through */
};

/* Why a report was refused: broken, or turned away by the intake's rules (report_domains, report_auth). */
enum refusal {
	REFUSED_BROKEN,		/* broken or past a limit */
	REFUSED_DOMAIN,		/* about a domain not in report_domains */
	REFUSED_AUTH,		/* report_auth = require, and the mail was not authenticated */
	REFUSAL_COUNT
};
/* Its name in {P}:refused and the refused metric's reason label. */
const char *refusal_name(enum refusal r);

/* How a parse went, beyond its status. */
struct kind_parse {
	bool meant;		/* the input was meant as a report of this kind: a refusal refuses a report */
	bool complete;		/* the report is whole and valid */
	bool skipped;		/* the identity hook stopped the parse: the report is stored whole already */
	bool hostile;		/* refused as an attack (a DOCTYPE), not merely broken */
	const char *not_report;	/* DP_OK, not complete: why the input is no report of this kind */
	enum refusal refusal;	/* DP_REFUSE: why */
	const char *domain;	/* REFUSED_DOMAIN: the domain that is not ours, or NULL (valid until the next parse) */
	size_t domain_len;
	size_t dropped;		/* complete: records left out as not about report_domains (TLS policies) */
	char repaired[DP_REASON_MAX];	/* "" or what was mended to keep the report (logged) */
};

/*
 * Called at most once per parse, as soon as the report's identity is
 * known and before its records are read: setting *skip stops the parse
 * there (kind_parse.skipped); a status other than DP_OK stops it with
 * err's reason.  Kinds whose reports are small may never call it.
 */
struct kind_hook {
	enum dp_status (*fn)(void *arg, const char *rid, bool *skip, struct dp_error *err);
	void *arg;
};

/*
 * The mail a report came in, as every record of it says: how it was
 * authenticated (mail_auth: "dmarc", "dkim", "none", or "unchecked"
 * without authserv_id) and the domain of its From address.  NULL fields
 * are absent (a bare report file has no From).
 */
struct origin {
	const char *mail_auth;
	const char *mail_from_domain;
};

/* A parsed report as the store, the sinks and the log see it; valid until the kind's state changes. */
struct kind_report {
	const struct kind *kind;
	void *state;			/* the kind's state the report lives in */
	char rid[RID_HEX_LEN + 1];
	size_t nrecords;
	const char *org_name;		/* who sent it, for the log; may be NULL */
	const char *report_id;		/* the reporter's id of it, for the log; may be NULL */
	const struct origin *origin;	/* set by the pipeline, not the kind; NULL: none */
};

/* A position among a report's records. */
struct kind_cursor {
	size_t ord;	/* index of the next record */
	size_t pos;	/* the kind's own bookkeeping */
};

struct kind {
	const char *name;	/* every record's "kind" */
	const char *stream;	/* its records' stream: {key_prefix}:<stream> */
	const char *event;	/* the syslog event= of its records */
	enum kind_source source;

	/* Once per process, before any parse; may be NULL. */
	void (*init)(void);
	/* State for one report at a time, reused from report to report; NULL on ENOMEM. */
	void *(*state_new)(const struct conf *c);
	void (*state_free)(void *state);

	/*
	 * Parse in into state.  DP_OK with out->complete when a report is
	 * ready (or skipped); DP_OK with out->not_report when the input is
	 * no report of this kind;
	 * DP_REFUSE with a reason when it is broken or passes a limit;
	 * DP_TEMPFAIL when it cannot be judged now (memory, the hook).
	 */
	enum dp_status (*parse)(void *state, const struct kind_input *in, const struct conf *c,
				const struct kind_hook *hook, struct kind_parse *out, struct dp_error *err);

	/* The report in state (after a refusal or a skip: as far as it was read); all of out, origin NULL. */
	void (*view)(void *state, struct kind_report *out);

	/*
	 * Records back, in order: seek puts c at record ord (0 or -1 with
	 * errno); next decodes the record at c into *rec and moves c past
	 * it: 1, 0 at the end, -1 with errno.  *rec stays valid until the
	 * next call on the same state.
	 */
	int (*seek)(void *state, struct kind_cursor *c, size_t ord);
	int (*next)(void *state, struct kind_cursor *c, const void **rec);

	/* The schema: the report's fields (the same in each record), then a record's own. */
	void (*report_fields)(void *state, struct fields *f);
	void (*record_fields)(void *state, const void *rec, struct fields *f);
};

/* Every kind's parser, kind_k for each k of KIND_LIST. */
#define KIND_DECLARE_(k) extern const struct kind kind_##k;
KIND_LIST(KIND_DECLARE_)

/* Every kind, NULL-terminated, in KIND_LIST order. */
extern const struct kind *const kinds[];

/* seek() for a kind whose records are an array: next() reads index c->ord. */
int kind_seek_index(void *state, struct kind_cursor *c, size_t ord);

/* What every record of r ends with, whichever its kind: the origin's fields (schema.h). */
void kind_record_tail(const struct kind_report *r, struct fields *f);

/* Whether a report about name[0..len) is ours (conf_report_domain_ok); if not, out says so for a refusal. */
bool kind_domain_ours(const struct conf *c, const char *name, size_t len, struct kind_parse *out);

/* Every kind's init(). */
void kinds_init(void);
/* The kind whose reports arrive as src; NULL when none does. */
const struct kind *kind_for(enum kind_source src);
/* Its index in kinds[]. */
size_t kind_index(const struct kind *k);

#endif

/*
 * xmlreport.c - DMARC aggregate report parsing with libxml2 SAX2; see
 * xmlreport.h.
 *
 * The parser tracks where it is with a stack of known element kinds.  An
 * element that is not expected where it stands (vendor extensions, other
 * namespaces, typos) opens a skipped subtree: nothing inside it is kept,
 * so its size costs no memory.  Text is collected only for the leaf
 * fields we keep, into a buffer capped at max_field_length.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <glib.h>

#include "deadline.h"
#include "escape.h"
#include "log.h"
#include "normalize.h"
#include "readahead.h"
#include "sniff.h"
#include "xmlreport.h"

#define DMARCBIS_NS "urn:ietf:params:xml:ns:dmarc-2.0"

enum node {
	N_NONE = 0,
	N_FEEDBACK,
	N_METADATA, N_ORG_NAME, N_ORG_EMAIL, N_REPORT_ID, N_DATE_RANGE, N_BEGIN, N_END, N_GENERATOR,
	N_POLICY, N_DOMAIN, N_ADKIM, N_ASPF, N_P, N_SP, N_NP, N_PCT, N_FO, N_TESTING, N_DISCOVERY,
	N_RECORD, N_ROW, N_SOURCE_IP, N_COUNT, N_POLICY_EVAL, N_DISPOSITION, N_EVAL_DKIM, N_EVAL_SPF,
	N_REASON, N_REASON_TYPE, N_REASON_COMMENT,
	N_IDENTIFIERS, N_HEADER_FROM, N_ENVELOPE_FROM, N_ENVELOPE_TO,
	N_AUTH, N_DKIM, N_DKIM_DOMAIN, N_DKIM_SELECTOR, N_DKIM_RESULT, N_DKIM_HUMAN,
	N_SPF, N_SPF_DOMAIN, N_SPF_SCOPE, N_SPF_RESULT, N_SPF_HUMAN,
	N_COUNT_
};

/* Which child elements each element may have; grouped by parent. */
static const struct transition {
	enum node parent;
	const char *name;
	enum node child;
} transitions[] = {
	{ N_FEEDBACK, "report_metadata", N_METADATA },
	{ N_FEEDBACK, "policy_published", N_POLICY },
	{ N_FEEDBACK, "record", N_RECORD },
	{ N_METADATA, "org_name", N_ORG_NAME },
	{ N_METADATA, "email", N_ORG_EMAIL },
	{ N_METADATA, "report_id", N_REPORT_ID },
	{ N_METADATA, "date_range", N_DATE_RANGE },
	{ N_METADATA, "data_range", N_DATE_RANGE },	/* KDDI's typo */
	{ N_METADATA, "generator", N_GENERATOR },
	{ N_DATE_RANGE, "begin", N_BEGIN },
	{ N_DATE_RANGE, "end", N_END },
	{ N_POLICY, "domain", N_DOMAIN },
	{ N_POLICY, "adkim", N_ADKIM },
	{ N_POLICY, "aspf", N_ASPF },
	{ N_POLICY, "p", N_P },
	{ N_POLICY, "sp", N_SP },
	{ N_POLICY, "np", N_NP },
	{ N_POLICY, "pct", N_PCT },
	{ N_POLICY, "fo", N_FO },
	{ N_POLICY, "testing", N_TESTING },
	{ N_POLICY, "discovery_method", N_DISCOVERY },
	{ N_RECORD, "row", N_ROW },
	{ N_RECORD, "identifiers", N_IDENTIFIERS },
	{ N_RECORD, "auth_results", N_AUTH },
	{ N_ROW, "source_ip", N_SOURCE_IP },
	{ N_ROW, "count", N_COUNT },
	{ N_ROW, "policy_evaluated", N_POLICY_EVAL },
	{ N_POLICY_EVAL, "disposition", N_DISPOSITION },
	{ N_POLICY_EVAL, "dkim", N_EVAL_DKIM },
	{ N_POLICY_EVAL, "spf", N_EVAL_SPF },
	{ N_POLICY_EVAL, "reason", N_REASON },
	{ N_REASON, "type", N_REASON_TYPE },
	{ N_REASON, "comment", N_REASON_COMMENT },
	{ N_IDENTIFIERS, "header_from", N_HEADER_FROM },
	{ N_IDENTIFIERS, "envelope_from", N_ENVELOPE_FROM },
	{ N_IDENTIFIERS, "envelope_to", N_ENVELOPE_TO },
	{ N_AUTH, "dkim", N_DKIM },
	{ N_AUTH, "spf", N_SPF },
	{ N_DKIM, "domain", N_DKIM_DOMAIN },
	{ N_DKIM, "selector", N_DKIM_SELECTOR },
	{ N_DKIM, "result", N_DKIM_RESULT },
	{ N_DKIM, "human_result", N_DKIM_HUMAN },
	{ N_SPF, "domain", N_SPF_DOMAIN },
	{ N_SPF, "scope", N_SPF_SCOPE },
	{ N_SPF, "result", N_SPF_RESULT },
	{ N_SPF, "human_result", N_SPF_HUMAN },
};
#define NTRANSITIONS (sizeof transitions / sizeof transitions[0])

/* How a leaf's text becomes a value. */
enum value_kind { V_TEXT, V_LOWER, V_IP, V_COUNT, V_TIME, V_PCT };

/* Where it goes: a report field, a record field, or a field of a list's last entry. */
enum target { T_REPORT, T_RECORD, T_LIST, T_BEGIN, T_END, T_PCT, T_COUNT };

static const struct leaf {
	enum node node;
	const char *name;	/* for messages */
	enum value_kind kind;
	enum target target;
	int field;
	enum record_list list;
} leaves[] = {
	{ N_ORG_NAME, "org_name", V_TEXT, T_REPORT, RF_ORG_NAME, 0 },
	{ N_ORG_EMAIL, "email", V_TEXT, T_REPORT, RF_ORG_EMAIL, 0 },
	{ N_REPORT_ID, "report_id", V_TEXT, T_REPORT, RF_REPORT_ID, 0 },
	{ N_GENERATOR, "generator", V_TEXT, T_REPORT, RF_GENERATOR, 0 },
	{ N_BEGIN, "begin", V_TIME, T_BEGIN, 0, 0 },
	{ N_END, "end", V_TIME, T_END, 0, 0 },
	{ N_DOMAIN, "domain", V_LOWER, T_REPORT, RF_DOMAIN, 0 },
	{ N_ADKIM, "adkim", V_LOWER, T_REPORT, RF_ADKIM, 0 },
	{ N_ASPF, "aspf", V_LOWER, T_REPORT, RF_ASPF, 0 },
	{ N_P, "p", V_LOWER, T_REPORT, RF_P, 0 },
	{ N_SP, "sp", V_LOWER, T_REPORT, RF_SP, 0 },
	{ N_NP, "np", V_LOWER, T_REPORT, RF_NP, 0 },
	{ N_PCT, "pct", V_PCT, T_PCT, 0, 0 },
	{ N_FO, "fo", V_LOWER, T_REPORT, RF_FO, 0 },
	{ N_TESTING, "testing", V_LOWER, T_REPORT, RF_TESTING, 0 },
	{ N_DISCOVERY, "discovery_method", V_LOWER, T_REPORT, RF_DISCOVERY_METHOD, 0 },
	{ N_SOURCE_IP, "source_ip", V_IP, T_RECORD, RC_SOURCE_IP, 0 },
	{ N_COUNT, "count", V_COUNT, T_COUNT, 0, 0 },
	{ N_DISPOSITION, "disposition", V_LOWER, T_RECORD, RC_DISPOSITION, 0 },
	{ N_EVAL_DKIM, "policy_evaluated/dkim", V_LOWER, T_RECORD, RC_POLICY_DKIM, 0 },
	{ N_EVAL_SPF, "policy_evaluated/spf", V_LOWER, T_RECORD, RC_POLICY_SPF, 0 },
	{ N_REASON_TYPE, "reason/type", V_LOWER, T_LIST, REASON_TYPE, RL_REASON },
	{ N_REASON_COMMENT, "reason/comment", V_TEXT, T_LIST, REASON_COMMENT, RL_REASON },
	{ N_HEADER_FROM, "header_from", V_LOWER, T_RECORD, RC_HEADER_FROM, 0 },
	{ N_ENVELOPE_FROM, "envelope_from", V_LOWER, T_RECORD, RC_ENVELOPE_FROM, 0 },
	{ N_ENVELOPE_TO, "envelope_to", V_LOWER, T_RECORD, RC_ENVELOPE_TO, 0 },
	{ N_DKIM_DOMAIN, "dkim/domain", V_LOWER, T_LIST, AUTH_DOMAIN, RL_DKIM },
	{ N_DKIM_SELECTOR, "dkim/selector", V_TEXT, T_LIST, AUTH_SELECTOR, RL_DKIM },
	{ N_DKIM_RESULT, "dkim/result", V_LOWER, T_LIST, AUTH_RESULT, RL_DKIM },
	{ N_DKIM_HUMAN, "dkim/human_result", V_TEXT, T_LIST, AUTH_HUMAN_RESULT, RL_DKIM },
	{ N_SPF_DOMAIN, "spf/domain", V_LOWER, T_LIST, AUTH_DOMAIN, RL_SPF },
	{ N_SPF_SCOPE, "spf/scope", V_LOWER, T_LIST, AUTH_SELECTOR, RL_SPF },
	{ N_SPF_RESULT, "spf/result", V_LOWER, T_LIST, AUTH_RESULT, RL_SPF },
	{ N_SPF_HUMAN, "spf/human_result", V_TEXT, T_LIST, AUTH_HUMAN_RESULT, RL_SPF },
};

/* Indexes built once: transitions by parent, leaf description by node. */
static unsigned first_transition[N_COUNT_ + 1];
static const struct leaf *leaf_of[N_COUNT_];

#define STACK_MAX 16	/* deeper than any path we keep */

struct xr {
	xmlParserCtxtPtr ctxt;
	const struct conf *conf;
	struct report *rep;
	struct xml_result *res;
	struct dp_error *err;

	enum node stack[STACK_MAX];
	unsigned top;		/* known elements open inside <feedback>; 0 = outside */
	unsigned long skip;	/* open elements of a skipped subtree */
	unsigned depth;		/* open elements of any kind */
	unsigned long elements;	/* seen so far, to look at the clock now and then */
	bool done;		/* the first </feedback> has been seen */
	const struct xml_identity_hook *hook;	/* or NULL */
	bool seen_metadata;	/* </report_metadata> */
	bool seen_policy;	/* </policy_published> */
	bool identity_told;	/* the hook has been called */
	bool stopped;		/* we stopped the parser */
	char *ns;		/* <feedback>'s namespace, or NULL */

	char *text;		/* leaf text, max_field_length + 1 bytes */
	size_t textlen;
	char xml_error[160];	/* libxml2's first error message */
	bool at_end;		/* the input has ended */
	bool input_failed;	/* reading the input failed */
	bool error_at_end;	/* the first error came only when the input ended */

	struct stream *src;	/* where libxml2 reads from (xr_read) */
	uint64_t fed;		/* bytes handed to libxml2 */
	bool mend_utf8;		/* the document is UTF-8: invalid bytes become U+FFFD */

	/*
	 * libxml2 interns element names in its dictionary: within one document
	 * the same name is the same pointer, so (parent, pointer) finds the
	 * child kind without string compares after the first time.
	 */
	struct { const xmlChar *name; enum node parent, child; } seen[64];	/* by hash */
};

static void xr_stop(struct xr *x, enum dp_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
xr_stop(struct xr *x, enum dp_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dp_vfail(x->err, status, fmt, ap);
	va_end(ap);
	x->stopped = true;
	xmlStopParser(x->ctxt);
}

static enum node
child_of(enum node parent, const char *name)
{
	unsigned i;

	for (i = first_transition[parent]; i < first_transition[parent + 1]; i++)
		if (!strcmp(transitions[i].name, name))
			return transitions[i].child;
	return N_NONE;
}

static enum node
lookup_child(struct xr *x, enum node parent, const xmlChar *name)
{
	/* Names sit a few bytes apart in libxml2's dictionary: mix every bit. */
	uint64_t key = (uint64_t)(uintptr_t)name ^ (uint64_t)parent << 56;
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 58);

	if (x->seen[i].name != name || x->seen[i].parent != parent) {
		x->seen[i].name = name;
		x->seen[i].parent = parent;
		x->seen[i].child = child_of(parent, (const char *)name);
	}
	return x->seen[i].child;
}

static bool
same_ns(const char *a, const xmlChar *b)
{
	if (!a || !b)
		return !a && !b;
	return !strcmp(a, (const char *)b);
}

static void
enter(struct xr *x, enum node n)
{
	int fail = 0;

	x->textlen = 0;
	switch (n) {
	case N_RECORD:
		if (!x->identity_told && x->hook && x->seen_metadata && x->seen_policy) {
			bool skip = false;

			x->identity_told = true;
			if (x->hook->fn(x->hook->arg, x->rep, &skip, x->err) != DP_OK) {
				x->stopped = true;
				xmlStopParser(x->ctxt);
				return;
			}
			if (skip) {
				x->res->skipped = true;
				x->stopped = true;
				xmlStopParser(x->ctxt);
				return;
			}
		}
		if (report_nrecords(x->rep) >= x->conf->max_records) {
			xr_stop(x, DP_REFUSE, "report has more than max_records (%u) records",
				x->conf->max_records);
			return;
		}
		report_record_begin(x->rep);
		break;
	case N_REASON: fail = report_record_add(x->rep, RL_REASON); break;
	case N_DKIM: fail = report_record_add(x->rep, RL_DKIM); break;
	case N_SPF: fail = report_record_add(x->rep, RL_SPF); break;
	default: break;
	}
	if (fail)
		xr_stop(x, DP_REFUSE, "a record has more than max_auth_results %s entries",
			n == N_REASON ? "reason" : n == N_DKIM ? "dkim" : "spf");
}

/* A leaf ended: turn its text into a value and store it. */
static void
leave_leaf(struct xr *x, const struct leaf *lf)
{
	size_t len = x->textlen;
	char *s = norm_trim(x->text, &len);
	uint8_t addr[16];
	int family;
	uint64_t v;
	uint32_t id = 0;

	if (len == 0)
		return;	/* empty element: the value stays null */
	switch (lf->kind) {
	case V_LOWER:
		norm_lower(s, len);
		break;
	case V_IP:
		if (norm_ip_parse(s, &family, addr) < 0) {
			xr_stop(x, DP_REFUSE, "invalid %s", lf->name);
			return;
		}
		report_record_ip(x->rep, family, addr);
		return;
	case V_COUNT:
	case V_TIME:
	case V_PCT:
		if (norm_number(s, len, lf->kind == V_COUNT ? NORM_COUNT_MAX :
			      lf->kind == V_TIME ? (uint64_t)NORM_TIME_MAX : 100, &v) < 0) {
			xr_stop(x, DP_REFUSE, "invalid %s", lf->name);
			return;
		}
		if (lf->target == T_COUNT)
			report_record_count(x->rep, v);
		else if (lf->target == T_BEGIN)
			report_set_begin(x->rep, (int64_t)v);
		else if (lf->target == T_END)
			report_set_end(x->rep, (int64_t)v);
		else
			report_set_pct(x->rep, (unsigned)v);
		return;
	case V_TEXT:
		break;
	}
	if (report_intern(x->rep, s, len, &id) < 0) {
		if (errno == EFBIG)
			xr_stop(x, DP_REFUSE, "%s", "report text exceeds the string table's size");
		else
			xr_stop(x, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return;
	}
	switch (lf->target) {
	case T_REPORT: report_set(x->rep, (enum report_field)lf->field, id); break;
	case T_RECORD: report_record_set(x->rep, (enum record_field)lf->field, id); break;
	case T_LIST: report_record_entry_set(x->rep, lf->list, (unsigned)lf->field, id); break;
	default: break;
	}
}

static void
leave(struct xr *x, enum node n)
{
	if (leaf_of[n]) {
		leave_leaf(x, leaf_of[n]);
		return;
	}
	switch (n) {
	case N_RECORD:
		if (report_record_end(x->rep) < 0) {
			if (errno == ENOMEM)
				xr_stop(x, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			else
				xr_stop(x, errno == EFBIG ? DP_REFUSE : DP_TEMPFAIL,
					"cannot keep the report's records: %s", strerror(errno));
		}
		break;
	case N_FEEDBACK:
		x->done = true;
		break;
	case N_METADATA:
		x->seen_metadata = true;
		break;
	case N_POLICY:
		x->seen_policy = true;
		break;
	default:
		break;
	}
}

static void
xr_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
	 int nns, const xmlChar **nss, int nattr, int ndefaulted, const xmlChar **attrs)
{
	struct xr *x = ctx;
	const char *name = (const char *)localname;
	enum node n;

	(void)prefix; (void)nns; (void)nss; (void)nattr; (void)ndefaulted; (void)attrs;
	if (++x->depth > x->conf->max_xml_depth) {
		xr_stop(x, DP_REFUSE, "XML nested deeper than max_xml_depth (%u)", x->conf->max_xml_depth);
		return;
	}
	if ((++x->elements & 1023) == 0 && deadline_passed()) {
		xr_stop(x, DP_REFUSE, "message takes longer than max_message_seconds (%u s)", deadline_seconds());
		return;
	}
	if (x->skip) {
		x->skip++;
		return;
	}
	if (x->top == 0) {
		/* Outside the report: wrappers are walked through, looking for <feedback>. */
		if (strcmp(name, "feedback"))
			return;
		if (x->done) {
			log_notice("ignoring a second <feedback> in one XML document");
			x->skip = 1;
			return;
		}
		x->res->saw_feedback = true;
		if (uri && !(x->ns = strdup((const char *)uri))) {
			xr_stop(x, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			return;
		}
		report_set_schema(x->rep, uri && !strcmp((const char *)uri, DMARCBIS_NS) ? "dmarcbis" : "rfc7489");
		x->stack[x->top++] = N_FEEDBACK;
		return;
	}
	if (!same_ns(x->ns, uri) || (n = lookup_child(x, x->stack[x->top - 1], localname)) == N_NONE ||
	    x->top >= STACK_MAX) {
		x->skip = 1;
		return;
	}
	x->stack[x->top++] = n;
	enter(x, n);
}

static void
xr_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
	struct xr *x = ctx;

	(void)localname; (void)prefix; (void)uri;
	x->depth--;
	if (x->skip) {
		x->skip--;
		return;
	}
	if (x->top == 0)
		return;
	leave(x, x->stack[--x->top]);
}

static void
xr_text(void *ctx, const xmlChar *ch, int len)
{
	struct xr *x = ctx;
	const struct leaf *lf;

	if (x->skip || x->top == 0 || !(lf = leaf_of[x->stack[x->top - 1]]))
		return;
	if ((size_t)len > x->conf->max_field_length - x->textlen) {
		xr_stop(x, DP_REFUSE, "%s is longer than max_field_length", lf->name);
		return;
	}
	memcpy(x->text + x->textlen, ch, (size_t)len);
	x->textlen += (size_t)len;
}

/* A DOCTYPE, an entity declaration or a reference to a declared entity: refuse. */
static void
xr_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	struct xr *x = ctx;

	(void)name; (void)ext; (void)sys;
	x->res->forbidden = true;
	xr_stop(x, DP_REFUSE, "%s", "XML has a DOCTYPE (DTDs and entities are not allowed)");
}

static void
xr_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *pub, const xmlChar *sys,
	       xmlChar *content)
{
	struct xr *x = ctx;

	(void)name; (void)type; (void)pub; (void)sys; (void)content;
	x->res->forbidden = true;
	xr_stop(x, DP_REFUSE, "%s", "XML declares an entity (not allowed)");
}

static xmlEntityPtr
xr_get_entity(void *ctx, const xmlChar *name)
{
	struct xr *x = ctx;

	(void)name;
	/* Predefined entities (&amp; ...) never get here. */
	x->res->forbidden = true;
	xr_stop(x, DP_REFUSE, "%s", "XML refers to an entity (not allowed)");
	return NULL;
}

static void
xr_error(void *ctx, xmlErrorPtr e)
{
	struct xr *x = ctx;
	size_t n;

	if (e && e->code == XML_ERR_NO_MEMORY) {
		/* Not the report's fault: retry later, never refuse it. */
		xr_stop(x, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return;
	}
	if (!e || e->level < XML_ERR_ERROR || x->xml_error[0])
		return;
	x->error_at_end = x->at_end;
	snprintf(x->xml_error, sizeof x->xml_error, "%s", e->message ? e->message : "parse error");
	for (n = 0; x->xml_error[n]; n++)	/* libxml2 messages may span lines */
		if (x->xml_error[n] == '\n')
			x->xml_error[n] = ' ';
	while (n && x->xml_error[n - 1] == ' ')
		x->xml_error[--n] = '\0';
	if (e->line > 0)
		snprintf(x->xml_error + n, sizeof x->xml_error - n, " (line %d)", e->line);
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx; (void)msg;
}

static void
quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx; (void)e;
}

static xmlParserInputPtr
no_external_entities(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url; (void)id; (void)ctxt;
	return NULL;
}

void
xml_report_init(void)
{
	unsigned i, p;

	xmlInitParser();
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	xmlSetExternalEntityLoader(no_external_entities);

	/* transitions[] is grouped by parent: find where each group starts. */
	for (p = 0; p <= N_COUNT_; p++)
		first_transition[p] = NTRANSITIONS;
	for (i = NTRANSITIONS; i-- > 0;)
		first_transition[transitions[i].parent] = i;
	for (p = N_COUNT_; p-- > 0;)
		if (first_transition[p] > first_transition[p + 1])
			first_transition[p] = first_transition[p + 1];
	for (i = 0; i < sizeof leaves / sizeof leaves[0]; i++)
		leaf_of[leaves[i].node] = &leaves[i];
}

static void
sax_setup(xmlSAXHandler *sax)
{
	memset(sax, 0, sizeof *sax);
	sax->initialized = XML_SAX2_MAGIC;
	sax->startElementNs = xr_start;
	sax->endElementNs = xr_end;
	sax->characters = xr_text;
	sax->cdataBlock = xr_text;
	sax->internalSubset = xr_dtd;
	sax->externalSubset = xr_dtd;
	sax->entityDecl = xr_entity_decl;
	sax->getEntity = xr_get_entity;
	sax->getParameterEntity = xr_get_entity;
	sax->serror = xr_error;
}

/* libxml2's input: the decoded stream, counted against max_report_size. */
/* Copy the ASCII bytes that start p[0..n) to out, a word at a time; returns how many. */
static size_t
ascii_copy(char *out, const uint8_t *p, size_t n)
{
	size_t i = 0;
	uint64_t w[4];

	/* 32 bytes a step: one test for four words keeps the loop short. */
	for (; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		if ((w[0] | w[1] | w[2] | w[3]) & 0x8080808080808080ULL)
			break;
		memcpy(out + i, w, 32);
	}
	for (; i + 8 <= n; i += 8) {
		memcpy(w, p + i, 8);
		if (w[0] & 0x8080808080808080ULL)
			break;
		memcpy(out + i, w, 8);
	}
	for (; i < n && p[i] < 0x80; i++)
		out[i] = (char)p[i];
	return i;
}

/*
 * Copy UTF-8 from p[0..n) to out (room bytes), each byte that starts no
 * valid sequence as U+FFFD; *used says how much of p went.  A sequence
 * cut by the end of p is left for the next call unless more is false.
 */
static size_t
mend_copy(char *out, size_t room, const uint8_t *p, size_t n, bool more, size_t *used, uint64_t *mended)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t k = ascii_copy(out + o, p + i, n - i < room - o ? n - i : room - o);

		if (k > 0) {
			o += k;
			i += k;
			continue;
		}
		if (o == room || p[i] < 0x80)
			break;
		k = utf8_seq_len(p + i, n - i);
		if (k == 0 && more && n - i < 4)
			break;	/* maybe valid, with its end in the next chunk */
		if (k == 0) {
			if (room - o < 3)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
			(*mended)++;
		} else {
			if (room - o < k)
				break;
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	*used = i;
	return o;
}

static int
xr_read(void *ctx, char *buf, int len)
{
	struct xr *x = ctx;
	const uint8_t *p;
	ssize_t n;
	size_t used, out;

	if (x->stopped)
		return -1;	/* our reason is recorded; the input is not at fault */
	/* Four bytes at least, when there are: a whole UTF-8 sequence. */
	if ((n = stream_peek(x->src, 4, &p)) < 0) {
		x->input_failed = true;	/* the stream's reason is in its dp_error */
		return -1;
	}
	if (n == 0) {
		x->at_end = true;
		return 0;
	}
	if (n > len)
		n = len;
	if ((uint64_t)n > x->conf->max_report_size - x->fed) {
		dp_fail(x->err, DP_REFUSE, "report exceeds max_report_size (%" PRIu64 " bytes)",
			x->conf->max_report_size);
		return -1;
	}
	if (x->mend_utf8) {
		out = mend_copy(buf, (size_t)len, p, (size_t)n, n >= 4, &used, &x->res->mended);
	} else {
		memcpy(buf, p, (size_t)n);
		used = out = (size_t)n;
	}
	stream_skip(x->src, used);
	x->fed += used;
	return (int)out;
}

/*
 * Whether the document at p[0..n) (its declaration, after any BOM) is
 * UTF-8: no UTF-16 BOM, and no encoding declared but UTF-8.
 */
static bool
is_utf8_document(const uint8_t *p, size_t n)
{
	const char *enc, *end;
	char decl[256];

	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
		return false;
	if (n < 5 || memcmp(p, "<?xml", 5))
		return true;
	n = n < sizeof decl - 1 ? n : sizeof decl - 1;
	memcpy(decl, p, n);
	decl[n] = '\0';
	if ((end = strstr(decl, "?>")))
		decl[end - decl] = '\0';
	if (!(enc = strstr(decl, "encoding")))
		return true;
	enc += strspn(enc + 8, " \t\r\n=") + 8;
	enc += *enc == '"' || *enc == '\'';
	return !g_ascii_strncasecmp(enc, "utf-8", 5) || !g_ascii_strncasecmp(enc, "utf8", 4);
}

/* Read the rest of s, so decoding errors (a bad CRC) still show. */
static void
drain(struct stream *s)
{
	const uint8_t *p;

	while (stream_next(s, &p) > 0)
		;
}

enum dp_status
xml_report_parse(struct stream *s, const struct conf *c, struct report *rep,
		 const struct xml_identity_hook *hook, struct xml_result *res, struct dp_error *err)
{
	/*
	 * The parser's own failures go to own_err: while a readahead worker
	 * decodes the input, err belongs to it (readahead.h).
	 */
	struct dp_error own_err = { DP_OK, "" };
	struct xr x = { .conf = c, .rep = rep, .res = res, .err = &own_err, .hook = hook };
	struct stream *ahead = NULL;
	xmlSAXHandler sax;
	const uint8_t *p;
	ssize_t n;

	memset(res, 0, sizeof *res);
	report_reset(rep);
	if (!(x.text = malloc((size_t)c->max_field_length + 1)))
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);

	/* A BOM or white space before the declaration is not XML; skip them. */
	if ((n = stream_peek(s, SNIFF_BYTES, &p)) < 0)
		goto out;
	stream_skip(s, doc_leading_junk(p, (size_t)n));
	if ((n = stream_peek(s, SNIFF_BYTES, &p)) < 0)
		goto out;
	x.mend_utf8 = is_utf8_document(p, (size_t)n);

	/* Decoded input is worth decoding ahead; bytes already in memory are not. */
	if (s->ops && !(ahead = readahead_open(s))) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	x.src = ahead ? ahead : s;

	/*
	 * libxml2 pulls the input through xr_read: its pull parser does less
	 * work per byte than the push parser, which looks ahead for the end
	 * of every tag before parsing it.
	 */
	sax_setup(&sax);
	if (!(x.ctxt = xmlCreateIOParserCtxt(&sax, &x, xr_read, NULL, &x, XML_CHAR_ENCODING_NONE))) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	xmlCtxtUseOptions(x.ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlParseDocument(x.ctxt);
	/* After a complete report, keep reading: its input must still decode cleanly. */
	if (!x.stopped && !x.input_failed && !x.ctxt->wellFormed && x.done && own_err.status == DP_OK) {
		log_debug("ignoring XML after the report: %s", x.xml_error);
		drain(x.src);
	}
	readahead_close(ahead);
	ahead = NULL;

	if (res->skipped) {
		/* Whatever the worker met beyond the stop is not ours to judge. */
		dp_error_clear(err);
		goto out;
	}
	/*
	 * Whichever failure came first in the input is the reason, as if it
	 * had all been read in one thread: once the input failed the parser
	 * stopped, and what the worker met beyond where the parser stopped on
	 * its own does not count.
	 */
	if (own_err.status != DP_OK && !x.input_failed) {
		dp_error_clear(err);
		dp_fail(err, own_err.status, "%s", own_err.reason);
	}
	if (err->status != DP_OK) {
		/* Our own refusal, a decoding error, or a limit. */
	} else if (!x.ctxt->wellFormed && !x.done) {
		/* Input that ends inside the report is the common case: say so. */
		dp_fail(err, DP_REFUSE, "%s: %s", x.top > 0 && x.error_at_end ?
			"report is truncated" : "invalid XML", x.xml_error[0] ? x.xml_error : "not well-formed");
	} else if (x.done) {
		if (report_validate(rep, err) == DP_OK)
			res->complete = true;
	}
out:
	readahead_close(ahead);
	if (x.ctxt) {
		xmlFreeDoc(x.ctxt->myDoc);	/* none is built without SAX2 tree callbacks */
		xmlFreeParserCtxt(x.ctxt);
	}
	free(x.ns);
	free(x.text);
	return err->status;
}

/*
 * tlsreport.c - SMTP TLS reports from JSON; see tlsreport.h.
 *
 * What real reporters send, and what is made of it:
 *   - counts as JSON numbers, as integral doubles (5.0) or as numeric
 *     strings ("5", " +5 "): all read as the number; negative, fractional
 *     or past 2^53: the report is refused;
 *   - policy-string and mx-host as an array, a single string, an empty
 *     string or missing: a list of zero or more strings;
 *   - policy-type in any case: lower case;
 *   - domains with upper case or a trailing dot: lower case, no dot;
 *   - datetimes ending in Z, +00:00 or another offset, or with no zone at
 *     all (Microsoft): UTC; a range ending at the next day's 00:00:00Z
 *     (mail.ru) or at 23:59:59Z: kept as given;
 *   - contact-info null or absent, no-policy-found without policy-domain,
 *     failure-details without sending-mta-ip or receiving-mx-hostname:
 *     the value is null;
 *   - result-type values RFC 8460 does not list: kept as given;
 *   - additional-information (the RFC's key): kept;
 *   - text that is not valid UTF-8: each bad byte becomes U+FFFD, and the
 *     log says so; an optional value of the wrong type (an object where
 *     text belongs): ignored, and the log says so.
 * A NUL inside a string, a required value of the wrong type or an invalid
 * datetime refuses the report: their meaning is not sure.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "isotime.h"
#include "log.h"
#include "normalize.h"
#include "rid.h"
#include "sniff.h"
#include "tlsreport.h"

/* Nesting json-c accepts: a TLS report needs 5 levels. */
#define JSON_DEPTH 16
/*
 * json-c builds a tree of about 700 bytes per object; a document may hold
 * at most one object or array per this many bytes, so the tree stays
 * within about 50 times max_tlsrpt_size.  A real report needs far fewer.
 */
#define BYTES_PER_CONTAINER 16

/* Reading the tree: where values go and what was mended. */
struct rd {
	const struct conf *conf;
	struct arena *arena;
	struct dp_error *err;
	size_t invalid_utf8;		/* bytes replaced by U+FFFD */
	unsigned ignored;		/* optional values of the wrong type */
	char first_ignored[64];
};

/* ---------------------------------------------------------------- the document */

/* Counts objects and arrays outside strings, across chunk boundaries. */
struct scan {
	bool in_string, escaped;
	uint64_t containers;
};

static void
scan(struct scan *sc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (sc->in_string) {
			if (sc->escaped)
				sc->escaped = false;
			else if (c == '\\')
				sc->escaped = true;
			else if (c == '"')
				sc->in_string = false;
		} else if (c == '"') {
			sc->in_string = true;
		} else if (c == '{' || c == '[') {
			sc->containers++;
		}
	}
}

/* Does this chunk name a TLS report's key?  Then a broken document was meant as one. */
static bool
names_tls_key(const uint8_t *p, size_t n)
{
	static const char *const keys[] = { "\"organization-name\"", "\"report-id\"", "\"policies\"" };
	size_t i;

	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (memmem(p, n, keys[i], strlen(keys[i])))
			return true;
	return false;
}

static enum dp_status
too_big(const struct conf *c, struct dp_error *err)
{
	return dp_fail(err, DP_REFUSE, "TLS report exceeds max_tlsrpt_size (%" PRIu64 " bytes)", c->max_tlsrpt_size);
}

/*
 * The whole document into a json-c tree, within the limits; the rest of
 * the input is read too, so that a decoding error after the JSON (a bad
 * gzip CRC) still refuses it.
 */
static enum dp_status
read_tree(struct stream *s, const struct conf *c, json_object **root, bool *meant, struct dp_error *err)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	uint64_t total = 0, max_containers = c->max_tlsrpt_size / BYTES_PER_CONTAINER;
	struct scan sc = { false, false, 0 };
	json_object *obj = NULL;
	const uint8_t *p;
	ssize_t n;

	*root = NULL;
	if (!tok)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if ((n = stream_peek(s, SNIFF_BYTES, &p)) < 0)
		goto out;
	stream_skip(s, doc_leading_junk(p, (size_t)n));
	while (!obj && (n = stream_next(s, &p)) > 0) {
		enum json_tokener_error je;

		*meant = *meant || names_tls_key(p, (size_t)n);
		if ((total += (uint64_t)n) > c->max_tlsrpt_size) {
			too_big(c, err);
			goto out;
		}
		scan(&sc, p, (size_t)n);
		if (sc.containers > max_containers) {
			dp_fail(err, DP_REFUSE, "TLS report has more JSON objects and arrays than max_tlsrpt_size "
				"allows (one per %d bytes)", BYTES_PER_CONTAINER);
			goto out;
		}
		errno = 0;
		obj = json_tokener_parse_ex(tok, (const char *)p, (int)n);
		je = json_tokener_get_error(tok);
		/*
		 * json-c has no error of its own for memory: a failed malloc shows
		 * as errno, or as "size" when its buffer cannot grow (inputs are
		 * far below its 2 GB).  Either is worth a retry, never a refusal.
		 */
		if (je != json_tokener_success && je != json_tokener_continue &&
		    (errno == ENOMEM || je == json_tokener_error_size)) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
		if (!obj && je != json_tokener_continue) {
			dp_fail(err, DP_REFUSE, "invalid JSON: %s", json_tokener_error_desc(je));
			goto out;
		}
	}
	if (n < 0)
		goto out;	/* the stream's reason is in err */
	if (!obj) {
		dp_fail(err, DP_REFUSE, "%s", total ? "JSON is truncated" : "empty");
		goto out;
	}
	while ((n = stream_next(s, &p)) > 0)
		if ((total += (uint64_t)n) > c->max_tlsrpt_size) {
			too_big(c, err);
			goto out;
		}
out:
	json_tokener_free(tok);
	if (err->status != DP_OK) {
		json_object_put(obj);
		return err->status;
	}
	*root = obj;
	return DP_OK;
}

/* ---------------------------------------------------------------- values */

/* The member key of o: NULL when absent or JSON null. */
static json_object *
member(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* The arena said no: memory (retry) or its ceiling (refuse). */
static enum dp_status
no_room(struct rd *rd)
{
	if (errno == EFBIG)
		return dp_fail(rd->err, DP_REFUSE, "TLS report values exceed their memory limit (4 x max_tlsrpt_size)");
	return dp_fail(rd->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
}

static void
ignore(struct rd *rd, const char *key)
{
	if (rd->ignored++ == 0)
		snprintf(rd->first_ignored, sizeof rd->first_ignored, "%s", key);
}

/*
 * The text of v into the arena, invalid UTF-8 mended: *out NULL when v is
 * absent.  A number is text too (a numeric report-id).  Another type
 * refuses the report when required, else is ignored.
 */
static enum dp_status
text(struct rd *rd, json_object *v, const char *key, bool required, char **out)
{
	const char *s;
	size_t len, need, bad;

	*out = NULL;
	if (!v)
		return DP_OK;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		if (memchr(s, '\0', len))
			return dp_fail(rd->err, DP_REFUSE, "NUL character in %s", key);
	} else if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)) {
		s = json_object_get_string(v);
		len = strlen(s);
	} else if (required) {
		return dp_fail(rd->err, DP_REFUSE, "%s is not a string", key);
	} else {
		ignore(rd, key);
		return DP_OK;
	}
	need = utf8_repaired_len(s, len, &bad);
	rd->invalid_utf8 += bad;
	if (!(*out = arena_alloc(rd->arena, need + 1)))
		return no_room(rd);
	utf8_repair(*out, s, len);
	return DP_OK;
}

/* An address in canonical form; anything else stays as given. */
static enum dp_status
address(struct rd *rd, json_object *v, const char *key, const char **out)
{
	char *s, canon[NORM_IP_MAX];
	uint8_t addr[16];
	int family;

	if (text(rd, v, key, false, &s) != DP_OK)
		return DP_REFUSE;
	if (s && norm_ip_parse(s, &family, addr) == 0 && norm_ip_format(family, addr, canon) <= strlen(s))
		strcpy(s, canon);	/* the canonical form is never longer */
	*out = s;
	return DP_OK;
}

/* A count: a number or numeric string, 0..2^53; *has false when absent. */
static enum dp_status
count(struct rd *rd, json_object *v, const char *key, bool *has, uint64_t *out)
{
	*has = false;
	*out = 0;
	if (!v)
		return DP_OK;
	if (json_object_is_type(v, json_type_int)) {
		int64_t i = json_object_get_int64(v);

		/* json-c saturates past INT64_MAX: that is refused here too. */
		if (i < 0 || (uint64_t)i > NORM_COUNT_MAX)
			return dp_fail(rd->err, DP_REFUSE, "invalid %s", key);
		*out = (uint64_t)i;
	} else if (json_object_is_type(v, json_type_double)) {
		double d = json_object_get_double(v);

		if (!(d >= 0 && d <= (double)NORM_COUNT_MAX) || d != floor(d))
			return dp_fail(rd->err, DP_REFUSE, "invalid %s", key);
		*out = (uint64_t)d;
	} else if (json_object_is_type(v, json_type_string)) {
		if (norm_number(json_object_get_string(v), (size_t)json_object_get_string_len(v),
				NORM_COUNT_MAX, out) < 0)
			return dp_fail(rd->err, DP_REFUSE, "invalid %s", key);
	} else {
		return dp_fail(rd->err, DP_REFUSE, "invalid %s", key);
	}
	*has = true;
	return DP_OK;
}

/* A list of strings: an array, one string, an empty string or nothing. */
static enum dp_status
string_list(struct rd *rd, json_object *v, const char *key, bool domains, const char ***items, size_t *n)
{
	size_t i, len;
	char *s;

	*items = NULL;
	*n = 0;
	if (!v)
		return DP_OK;
	if (!json_object_is_type(v, json_type_array)) {
		if (text(rd, v, key, false, &s) != DP_OK)
			return DP_REFUSE;
		if (!s || !*s)
			return DP_OK;
		if (!(*items = arena_alloc(rd->arena, sizeof **items)))
			return no_room(rd);
		if (domains)
			norm_domain(s);
		(*items)[0] = s;
		*n = 1;
		return DP_OK;
	}
	len = json_object_array_length(v);
	if (len && !(*items = arena_alloc(rd->arena, len * sizeof **items)))
		return no_room(rd);
	for (i = 0; i < len; i++) {
		if (text(rd, json_object_array_get_idx(v, i), key, false, &s) != DP_OK)
			return DP_REFUSE;
		if (!s)
			continue;
		if (domains)
			norm_domain(s);
		(*items)[(*n)++] = s;
	}
	return DP_OK;
}

/* A datetime member as ISO 8601 UTC in the arena. */
static enum dp_status
when(struct rd *rd, json_object *range, const char *key, const char **out, int64_t *t)
{
	char *s, *iso;

	*out = NULL;
	if (text(rd, member(range, key), key, true, &s) != DP_OK)
		return DP_REFUSE;
	if (!s)
		return DP_OK;
	if (iso8601_parse(s, t) < 0)
		return dp_fail(rd->err, DP_REFUSE, "invalid %s", key);
	if (!(iso = arena_alloc(rd->arena, ISO8601_LEN + 1)))
		return no_room(rd);
	iso8601_utc(*t, iso);
	*out = iso;
	return DP_OK;
}

/* ---------------------------------------------------------------- the report */

static enum dp_status
read_detail(struct rd *rd, json_object *o, struct tls_detail *d)
{
	bool has;
	uint64_t n;
	char *s;

	memset(d, 0, sizeof *d);
	d->failed_sessions = -1;
	if (!json_object_is_type(o, json_type_object))
		return dp_fail(rd->err, DP_REFUSE, "a failure-details entry is not an object");
	if (text(rd, member(o, "result-type"), "result-type", false, &s) != DP_OK)
		return DP_REFUSE;
	d->result_type = s;
	if (address(rd, member(o, "sending-mta-ip"), "sending-mta-ip", &d->sending_mta_ip) != DP_OK ||
	    address(rd, member(o, "receiving-ip"), "receiving-ip", &d->receiving_ip) != DP_OK)
		return DP_REFUSE;
	if (text(rd, member(o, "receiving-mx-hostname"), "receiving-mx-hostname", false, &s) != DP_OK)
		return DP_REFUSE;
	norm_domain(s);
	d->receiving_mx_hostname = s;
	if (text(rd, member(o, "receiving-mx-helo"), "receiving-mx-helo", false, &s) != DP_OK)
		return DP_REFUSE;
	norm_domain(s);
	d->receiving_mx_helo = s;
	if (count(rd, member(o, "failed-session-count"), "failed-session-count", &has, &n) != DP_OK)
		return DP_REFUSE;
	d->failed_sessions = has ? (int64_t)n : -1;
	if (text(rd, member(o, "additional-information"), "additional-information", false, &s) != DP_OK)
		return DP_REFUSE;
	d->additional_information = s;
	if (text(rd, member(o, "failure-reason-code"), "failure-reason-code", false, &s) != DP_OK)
		return DP_REFUSE;
	d->failure_reason_code = s;
	return DP_OK;
}

static enum dp_status
read_policy(struct rd *rd, json_object *o, struct tls_policy *p)
{
	json_object *pol = member(o, "policy"), *sum = member(o, "summary"), *fd = member(o, "failure-details");
	size_t i;
	char *s;

	memset(p, 0, sizeof *p);
	if (!json_object_is_type(o, json_type_object))
		return dp_fail(rd->err, DP_REFUSE, "a policies entry is not an object");
	if (text(rd, member(pol, "policy-type"), "policy-type", false, &s) != DP_OK)
		return DP_REFUSE;
	if (s)
		norm_lower(s, strlen(s));
	p->policy_type = s;
	if (text(rd, member(pol, "policy-domain"), "policy-domain", false, &s) != DP_OK)
		return DP_REFUSE;
	norm_domain(s);
	p->policy_domain = s;
	if (string_list(rd, member(pol, "policy-string"), "policy-string", false, &p->policy_strings,
			&p->npolicy_strings) != DP_OK ||
	    string_list(rd, member(pol, "mx-host"), "mx-host", true, &p->mx_hosts, &p->nmx_hosts) != DP_OK ||
	    count(rd, member(sum, "total-successful-session-count"), "total-successful-session-count",
		  &p->has_successful, &p->successful_sessions) != DP_OK ||
	    count(rd, member(sum, "total-failure-session-count"), "total-failure-session-count",
		  &p->has_failed, &p->failed_sessions) != DP_OK)
		return DP_REFUSE;
	if (!fd)
		return DP_OK;
	if (!json_object_is_type(fd, json_type_array))
		return dp_fail(rd->err, DP_REFUSE, "failure-details is not an array");
	p->ndetails = json_object_array_length(fd);
	if (p->ndetails > rd->conf->max_tlsrpt_failure_details)
		return dp_fail(rd->err, DP_REFUSE, "a policy has more than max_tlsrpt_failure_details (%u) failure-details",
			       rd->conf->max_tlsrpt_failure_details);
	if (p->ndetails && !(p->details = arena_alloc(rd->arena, p->ndetails * sizeof *p->details)))
		return no_room(rd);
	for (i = 0; i < p->ndetails; i++)
		if (read_detail(rd, json_object_array_get_idx(fd, i), &p->details[i]) != DP_OK)
			return DP_REFUSE;
	return DP_OK;
}

static enum dp_status
read_report(struct rd *rd, json_object *root, struct tls_report *r, struct kind_parse *out)
{
	json_object *pols = member(root, "policies"), *range = member(root, "date-range");
	int64_t begin = 0, end = 0;
	struct rid *id;
	size_t i;
	char *s;

	out->meant = member(root, "organization-name") || member(root, "report-id") || pols || range;
	if (!out->meant) {
		out->not_report = "JSON without a TLS report";
		return DP_OK;
	}
	if (text(rd, member(root, "organization-name"), "organization-name", true, &s) != DP_OK)
		return DP_REFUSE;
	r->org_name = s;
	if (text(rd, member(root, "report-id"), "report-id", true, &s) != DP_OK)
		return DP_REFUSE;
	r->report_id = s;
	if (text(rd, member(root, "contact-info"), "contact-info", false, &s) != DP_OK)
		return DP_REFUSE;
	r->contact_info = s;
	if (!r->org_name)
		return dp_fail(rd->err, DP_REFUSE, "TLS report without organization-name");
	if (!r->report_id)
		return dp_fail(rd->err, DP_REFUSE, "TLS report without report-id");
	if (!pols || !json_object_is_type(pols, json_type_array))
		return dp_fail(rd->err, DP_REFUSE, "TLS report without a policies array");
	if (when(rd, range, "start-datetime", &r->begin, &begin) != DP_OK ||
	    when(rd, range, "end-datetime", &r->end, &end) != DP_OK)
		return DP_REFUSE;
	if (r->begin && r->end && end < begin)
		return dp_fail(rd->err, DP_REFUSE, "date-range ends before it starts");
	r->npolicies = json_object_array_length(pols);
	if (r->npolicies > rd->conf->max_tlsrpt_policies)
		return dp_fail(rd->err, DP_REFUSE, "TLS report has more than max_tlsrpt_policies (%u) policies",
			       rd->conf->max_tlsrpt_policies);
	if (r->npolicies && !(r->policies = arena_alloc(rd->arena, r->npolicies * sizeof *r->policies)))
		return no_room(rd);
	for (i = 0; i < r->npolicies; i++)
		if (read_policy(rd, json_object_array_get_idx(pols, i), &r->policies[i]) != DP_OK)
			return DP_REFUSE;

	id = rid_begin("smtp-tlsrpt");
	rid_text(id, r->org_name);
	rid_text(id, r->report_id);
	rid_text(id, r->begin);
	rid_text(id, r->end);
	rid_end(id, r->rid);
	out->complete = true;
	return DP_OK;
}

enum dp_status
tls_report_read(struct stream *s, const struct conf *c, struct arena *a, struct tls_report *r,
		struct kind_parse *out, struct dp_error *err)
{
	struct rd rd = { .conf = c, .arena = a, .err = err };
	json_object *root;
	enum dp_status rc;

	memset(out, 0, sizeof *out);
	memset(r, 0, sizeof *r);
	if ((rc = read_tree(s, c, &root, &out->meant, err)) != DP_OK)
		return rc;
	rc = read_report(&rd, root, r, out);
	json_object_put(root);
	if (rc != DP_OK) {
		out->complete = false;
		return err->status;
	}
	if (rd.invalid_utf8 && rd.ignored)
		snprintf(out->repaired, sizeof out->repaired, "%zu bytes of invalid UTF-8 replaced by U+FFFD; "
			 "%u values of the wrong type ignored, the first %s", rd.invalid_utf8, rd.ignored,
			 rd.first_ignored);
	else if (rd.invalid_utf8)
		snprintf(out->repaired, sizeof out->repaired, "%zu bytes of invalid UTF-8 replaced by U+FFFD",
			 rd.invalid_utf8);
	else if (rd.ignored)
		snprintf(out->repaired, sizeof out->repaired, "%u values of the wrong type ignored, the first %s",
			 rd.ignored, rd.first_ignored);
	return DP_OK;
}

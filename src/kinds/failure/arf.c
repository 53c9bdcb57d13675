/*
 * arf.c - failure and feedback reports from their fields; see arf.h.
 *
 * What real reporters send, and what is made of it:
 *   - Source-IP followed by a comment ("192.0.2.1 (host.example)"): the
 *     address before it; no address: null;
 *   - Arrival-Date (or the older Received-Date) in RFC 5322 form or as
 *     "2014-04-29 02:05:14 UTC": read either way, else the Date: of the
 *     message that carries the report;
 *   - Auth-Failure and Identity-Alignment as comma lists, or repeated;
 *   - several Reported-Domain fields: the first; several Original-Rcpt-To:
 *     all of them;
 *   - Feedback-Type other than auth-failure (abuse, fraud, not-spam, ...):
 *     kept, lower case.
 */
#include "config.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arf.h"
#include "escape.h"
#include "isotime.h"
#include "normalize.h"
#include "redact.h"
#include "rid.h"

struct rd {
	const struct conf *conf;
	struct arena *arena;
	struct dp_error *err;
	size_t invalid_utf8;	/* bytes replaced by U+FFFD */
	unsigned cut;		/* reported header values cut at max_field_length */
};

static enum dp_status
no_room(struct rd *rd)
{
	if (errno == EFBIG)
		return dp_fail(rd->err, DP_REFUSE, "failure report values exceed their memory limit");
	return dp_fail(rd->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
}

/* The first value of field name in f, or NULL. */
static const char *
field(const struct mime_fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!strcasecmp(f->v[i].name, name))
			return f->v[i].value;
	return NULL;
}

/* Runs of blanks (left by unfolding) as one space, in place. */
static void
squeeze_blanks(char *s)
{
	char *o = s;
	bool after_blank = false;

	for (; *s; s++) {
		bool blank = *s == ' ' || *s == '\t' || *s == '\r' || *s == '\n';

		if (blank && after_blank)
			continue;
		*o++ = blank ? ' ' : *s;
		after_blank = blank;
	}
	*o = '\0';
}

/*
 * A copy of s (trimmed, invalid UTF-8 mended) into *out; NULL stays NULL
 * and so does an empty value.  Longer than max_field_length: refused when
 * cut is false, else cut at a character boundary.
 */
static enum dp_status
copy(struct rd *rd, const char *s, bool cut, char **out)
{
	size_t len, need, bad;

	*out = NULL;
	if (!s)
		return DP_OK;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len == 0)
		return DP_OK;
	if (len > rd->conf->max_field_length) {
		if (!cut)
			return dp_fail(rd->err, DP_REFUSE, "a feedback field is longer than max_field_length (%u bytes)",
				       rd->conf->max_field_length);
		len = rd->conf->max_field_length;
		while (len && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
		rd->cut++;
	}
	need = utf8_repaired_len(s, len, &bad);
	rd->invalid_utf8 += bad;
	if (!(*out = arena_alloc(rd->arena, need + 1)))
		return no_room(rd);
	utf8_repair(*out, s, len);
	squeeze_blanks(*out);
	return DP_OK;
}

/* A feedback field's value. */
static enum dp_status
fb_text(struct rd *rd, const struct mime_fields *f, const char *name, const char **out)
{
	char *s;
	enum dp_status rc = copy(rd, field(f, name), false, &s);

	*out = s;
	return rc;
}

/* Every item of every field name, split at commas, trimmed, lower case when asked. */
static enum dp_status
fb_list(struct rd *rd, const struct mime_fields *f, const char *name, bool commas, bool lower, struct arf_list *l)
{
	size_t i, max = 0, k;
	char *s, *item, *save;

	l->v = NULL;
	l->n = 0;
	for (i = 0; i < f->n; i++)
		if (!strcasecmp(f->v[i].name, name))
			for (max++, k = 0; commas && f->v[i].value[k]; k++)
				max += f->v[i].value[k] == ',';
	if (max == 0)
		return DP_OK;
	if (!(l->v = arena_alloc(rd->arena, max * sizeof *l->v)))
		return no_room(rd);
	for (i = 0; i < f->n; i++) {
		if (strcasecmp(f->v[i].name, name))
			continue;
		if (copy(rd, f->v[i].value, false, &s) != DP_OK)
			return DP_REFUSE;
		if (!s)
			continue;
		for (item = commas ? strtok_r(s, ",", &save) : s; item; item = commas ? strtok_r(NULL, ",", &save) : NULL) {
			size_t len;

			while (*item == ' ' || *item == '\t')
				item++;
			len = strlen(item);
			while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
				item[--len] = '\0';
			if (len == 0)
				continue;
			if (lower)
				norm_lower(item, len);
			l->v[l->n++] = item;
		}
	}
	return DP_OK;
}

/* A date in RFC 5322 form (GMime) or ISO-like form, as ISO 8601 UTC; NULL when neither. */
static enum dp_status
date_iso(struct rd *rd, const char *s, const char **out)
{
	GDateTime *dt;
	int64_t t = -1;
	char *iso;

	*out = NULL;
	if (!s)
		return DP_OK;
	while (*s == ' ' || *s == '\t')
		s++;
	if (iso8601_parse(s, &t) < 0 && (dt = g_mime_utils_header_decode_date(s))) {
		t = g_date_time_to_unix(dt);
		g_date_time_unref(dt);
	}
	if (t < 0 || t > ISO8601_MAX)
		return DP_OK;
	if (!(iso = arena_alloc(rd->arena, ISO8601_LEN + 1)))
		return no_room(rd);
	iso8601_utc(t, iso);
	*out = iso;
	return DP_OK;
}

/* Source-IP: the address before any comment; NULL when there is none. */
static enum dp_status
source_ip(struct rd *rd, const struct mime_fields *f, const char **out)
{
	const char *s = field(f, "Source-IP");
	char text[NORM_IP_MAX + 8], canon[NORM_IP_MAX], *ip;
	uint8_t addr[16];
	size_t n;
	int family;

	*out = NULL;
	if (!s)
		return DP_OK;
	while (*s == ' ' || *s == '\t')
		s++;
	n = strcspn(s, " \t(");
	if (n >= sizeof text)
		return DP_OK;
	memcpy(text, s, n);
	text[n] = '\0';
	/* "[192.0.2.1]" as in Received: lines. */
	ip = text;
	if (*ip == '[' && n > 1 && ip[n - 1] == ']') {
		ip[n - 1] = '\0';
		ip++;
	}
	if (norm_ip_parse(ip, &family, addr) < 0)
		return DP_OK;
	norm_ip_format(family, addr, canon);
	if (!(*out = arena_strndup(rd->arena, canon, strlen(canon))))
		return no_room(rd);
	return DP_OK;
}

/* A value with personal data, redacted as configured: an address field to domains, other text without local parts. */
static enum dp_status
personal(struct rd *rd, const char *s, bool address_field, bool cut, const char **out)
{
	char *v;

	*out = NULL;
	if (copy(rd, s, cut, &v) != DP_OK)
		return DP_REFUSE;
	if (v && rd->conf->failure_redact) {
		if (!(v = address_field ? redact_to_domains(rd->arena, v) : redact_local_parts(rd->arena, v)))
			return no_room(rd);
		if (!*v)
			v = NULL;
	}
	*out = v;
	return DP_OK;
}

static enum dp_status
read_feedback(struct rd *rd, const struct mime_fields *f, struct arf_report *r)
{
	const char *s;
	char *v;
	size_t i;

	if (copy(rd, field(f, "Feedback-Type"), false, &v) != DP_OK)
		return DP_REFUSE;
	if (v)
		norm_lower(v, strlen(v));
	r->feedback_type = v;
	if (fb_list(rd, f, "Auth-Failure", true, true, &r->auth_failure) != DP_OK ||
	    fb_list(rd, f, "Identity-Alignment", true, true, &r->identity_alignment) != DP_OK ||
	    fb_text(rd, f, "Version", &r->version) != DP_OK ||
	    fb_text(rd, f, "User-Agent", &r->user_agent) != DP_OK ||
	    source_ip(rd, f, &r->source_ip) != DP_OK ||
	    fb_text(rd, f, "Reporting-MTA", &r->reporting_mta) != DP_OK ||
	    fb_text(rd, f, "Delivery-Result", &r->delivery_result) != DP_OK ||
	    fb_text(rd, f, "DKIM-Domain", &r->dkim_domain) != DP_OK ||
	    fb_text(rd, f, "DKIM-Selector", &r->dkim_selector) != DP_OK ||
	    fb_text(rd, f, "SPF-DNS", &r->spf_dns) != DP_OK ||
	    personal(rd, field(f, "DKIM-Identity"), false, false, &r->dkim_identity) != DP_OK ||
	    personal(rd, field(f, "Authentication-Results"), false, false, &r->authentication_results) != DP_OK ||
	    personal(rd, field(f, "Original-Mail-From"), true, false, &r->original_mail_from) != DP_OK ||
	    fb_list(rd, f, "Original-Rcpt-To", false, false, &r->original_rcpt_to) != DP_OK)
		return DP_REFUSE;
	if (rd->conf->failure_redact)
		for (i = 0; i < r->original_rcpt_to.n; i++)
			if (!(r->original_rcpt_to.v[i] = redact_to_domains(rd->arena, r->original_rcpt_to.v[i])))
				return no_room(rd);
	if (copy(rd, field(f, "Reported-Domain"), false, &v) != DP_OK)
		return DP_REFUSE;
	norm_domain(v);
	r->reported_domain = v;
	if ((s = field(f, "Incidents")) && norm_number(s, strlen(s), NORM_COUNT_MAX, &r->incidents) == 0)
		r->has_incidents = true;
	if ((s = field(f, "Arrival-Date")) || (s = field(f, "Received-Date")))
		return date_iso(rd, s, &r->arrival_date);
	return DP_OK;
}

static enum dp_status
read_reported(struct rd *rd, const struct mime_fields *h, struct arf_report *r)
{
	char *v;

	if (personal(rd, field(h, "From"), true, true, &r->header_from) != DP_OK ||
	    personal(rd, field(h, "To"), true, true, &r->to) != DP_OK ||
	    copy(rd, field(h, "Message-ID"), true, &v) != DP_OK)
		return DP_REFUSE;
	r->message_id = v;
	if (!rd->conf->failure_redact) {
		if (copy(rd, field(h, "Subject"), true, &v) != DP_OK)
			return DP_REFUSE;
		r->subject = v;
	}
	return date_iso(rd, field(h, "Date"), &r->date);
}

/* The identity: the carrier's Message-ID and every field of the report and of the reported header. */
static void
identity(const struct mime_feedback *fb, char out[RID_HEX_LEN + 1])
{
	const struct mime_fields *blocks[] = { &fb->fields, &fb->reported };
	struct rid *id = rid_begin("dmarc-failure");
	size_t b, i;

	rid_text(id, field(&fb->carrier, "Message-ID"));
	for (b = 0; b < 2; b++) {
		rid_bytes(id, "", 0);	/* the blocks' boundary */
		for (i = 0; i < blocks[b]->n; i++) {
			rid_bytes(id, blocks[b]->v[i].name, strlen(blocks[b]->v[i].name));
			rid_bytes(id, blocks[b]->v[i].value, strlen(blocks[b]->v[i].value));
		}
	}
	rid_end(id, out);
}

enum dp_status
arf_read(const struct mime_feedback *fb, const struct conf *c, struct arena *a, struct arf_report *r,
	 struct kind_parse *out, struct dp_error *err)
{
	struct rd rd = { c, a, err, 0, 0 };
	char *v;

	memset(out, 0, sizeof *out);
	memset(r, 0, sizeof *r);
	out->meant = true;
	if (fb->fields.n == 0)
		return dp_fail(err, DP_REFUSE, "feedback part without fields");
	if (read_feedback(&rd, &fb->fields, r) != DP_OK || read_reported(&rd, &fb->reported, r) != DP_OK ||
	    personal(&rd, field(&fb->carrier, "From"), true, true, &r->sender) != DP_OK ||
	    copy(&rd, field(&fb->carrier, "Message-ID"), true, &v) != DP_OK)
		return err->status;
	r->report_message_id = v;
	if (!r->arrival_date && date_iso(&rd, field(&fb->carrier, "Date"), &r->arrival_date) != DP_OK)
		return err->status;
	identity(fb, r->rid);
	if (rd.invalid_utf8 || rd.cut)
		snprintf(out->repaired, sizeof out->repaired, "%zu bytes of invalid UTF-8 replaced by U+FFFD, "
			 "%u values cut at max_field_length", rd.invalid_utf8, rd.cut);
	out->complete = true;
	return DP_OK;
}

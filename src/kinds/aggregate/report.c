/*
 * report.c - staged reports; see report.h.
 *
 * A record is packed into 32-bit words appended to a word log (which
 * spills to disk for very large reports, wordlog.h):
 *   RC_COUNT_ string ids (the source_ip slot holds its address family:
 *   0, 4 or 6), the address in 4 words, count (low, high), has_count, the
 *   length of each list, then the list entries' string ids.
 * String ids point into the report's string table (strtab.h); addresses
 * are kept binary because each is usually seen once.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "normalize.h"
#include "report.h"
#include "strtab.h"
#include "wordlog.h"

static const unsigned list_width[RL_COUNT_] = { 2, 4, 4 };	/* ids per entry */

/* Offsets in a packed record. */
#define W_ADDR RC_COUNT_		/* 4 words of address */
#define W_COUNT (W_ADDR + 4)		/* count low, high, has_count */
#define W_NLIST (W_COUNT + 3)		/* length of each list */
#define HDR_WORDS (W_NLIST + RL_COUNT_)

struct report {
	struct strtab strings;
	uint32_t field[RF_COUNT_];
	const char *xml_schema;
	bool has_begin, has_end, has_pct;
	int64_t begin, end;
	unsigned pct;

	struct wordlog packed;	/* the records */
	size_t nrecords;

	/* The record being parsed. */
	uint32_t cur[RC_COUNT_];
	uint32_t addr[4];
	uint64_t count;
	bool has_count;
	uint32_t *list[RL_COUNT_];	/* max_list entries of list_width ids each */
	unsigned nlist[RL_COUNT_];
	unsigned max_list;

	uint32_t *run;			/* one record being packed */

	/* Scratch for the views handed to sinks. */
	struct dmarc_reason *reasons;
	struct dmarc_auth *dkim, *spf;
	char ip[NORM_IP_MAX];
};

struct report *
report_new(unsigned max_list)
{
	struct report *r = calloc(1, sizeof *r);
	unsigned l;

	if (!r)
		return NULL;
	r->strings = (struct strtab)STRTAB_INIT;
	wordlog_init(&r->packed);
	r->max_list = max_list;
	if (!(r->run = calloc(HDR_WORDS + (size_t)max_list * (2 + 4 + 4), sizeof *r->run)))
		goto fail;
	for (l = 0; l < RL_COUNT_; l++)
		if (!(r->list[l] = calloc((size_t)max_list * list_width[l], sizeof(uint32_t))))
			goto fail;
	if (!(r->reasons = calloc(max_list, sizeof *r->reasons)) ||
	    !(r->dkim = calloc(max_list, sizeof *r->dkim)) ||
	    !(r->spf = calloc(max_list, sizeof *r->spf)))
		goto fail;
	report_reset(r);
	return r;
fail:
	report_free(r);
	return NULL;
}

void
report_free(struct report *r)
{
	unsigned l;

	if (!r)
		return;
	strtab_free(&r->strings);
	wordlog_free(&r->packed);
	free(r->run);
	for (l = 0; l < RL_COUNT_; l++)
		free(r->list[l]);
	free(r->reasons);
	free(r->dkim);
	free(r->spf);
	free(r);
}

void
report_reset(struct report *r)
{
	strtab_reset(&r->strings);
	wordlog_reset(&r->packed);
	memset(r->field, 0, sizeof r->field);
	r->xml_schema = "rfc7489";
	r->has_begin = r->has_end = r->has_pct = false;
	r->nrecords = 0;
	report_record_begin(r);
}

int
report_intern(struct report *r, const char *s, size_t len, uint32_t *id)
{
	return strtab_intern(&r->strings, s, len, id);
}

void report_set(struct report *r, enum report_field f, uint32_t id) { r->field[f] = id; }
void report_set_begin(struct report *r, int64_t t) { r->begin = t; r->has_begin = true; }
void report_set_end(struct report *r, int64_t t) { r->end = t; r->has_end = true; }
void report_set_pct(struct report *r, unsigned pct) { r->pct = pct; r->has_pct = true; }
void report_set_schema(struct report *r, const char *xml_schema) { r->xml_schema = xml_schema; }

void
report_record_begin(struct report *r)
{
	memset(r->cur, 0, sizeof r->cur);
	memset(r->addr, 0, sizeof r->addr);
	memset(r->nlist, 0, sizeof r->nlist);
	r->has_count = false;
	r->count = 0;
}

void
report_record_set(struct report *r, enum record_field f, uint32_t id)
{
	r->cur[f] = id;
}

void
report_record_ip(struct report *r, int family, const uint8_t addr[16])
{
	r->cur[RC_SOURCE_IP] = (uint32_t)family;
	memcpy(r->addr, addr, 16);
}

void
report_record_count(struct report *r, uint64_t count)
{
	r->count = count;
	r->has_count = true;
}

int
report_record_add(struct report *r, enum record_list l)
{
	if (r->nlist[l] >= r->max_list)
		return -1;
	memset(r->list[l] + (size_t)r->nlist[l] * list_width[l], 0, list_width[l] * sizeof(uint32_t));
	r->nlist[l]++;
	return 0;
}

void
report_record_entry_set(struct report *r, enum record_list l, unsigned k, uint32_t id)
{
	if (r->nlist[l] && k < list_width[l])
		r->list[l][(size_t)(r->nlist[l] - 1) * list_width[l] + k] = id;
}

int
report_record_end(struct report *r)
{
	uint32_t *w = r->run;
	size_t n = HDR_WORDS;
	unsigned l;

	memcpy(w, r->cur, sizeof r->cur);
	memcpy(w + W_ADDR, r->addr, sizeof r->addr);
	w[W_COUNT] = (uint32_t)r->count;
	w[W_COUNT + 1] = (uint32_t)(r->count >> 32);
	w[W_COUNT + 2] = r->has_count;
	for (l = 0; l < RL_COUNT_; l++) {
		size_t k = (size_t)r->nlist[l] * list_width[l];

		w[W_NLIST + l] = r->nlist[l];
		memcpy(w + n, r->list[l], k * sizeof *w);
		n += k;
	}
	if (wordlog_append(&r->packed, w, n) < 0)
		return -1;
	r->nrecords++;
	report_record_begin(r);
	return 0;
}

size_t
report_nrecords(const struct report *r)
{
	return r->nrecords;
}

enum dp_status
report_validate(const struct report *r, struct dp_error *err)
{
	if (r->has_begin && r->has_end && r->begin > r->end)
		return dp_fail(err, DP_REFUSE, "date range begins after it ends");
	return DP_OK;
}

void
report_view(const struct report *r, struct dmarc_report *out)
{
	const struct strtab *t = &r->strings;

	memset(out, 0, sizeof *out);
	out->org_name = strtab_get(t, r->field[RF_ORG_NAME]);
	out->org_email = strtab_get(t, r->field[RF_ORG_EMAIL]);
	out->report_id = strtab_get(t, r->field[RF_REPORT_ID]);
	out->domain = strtab_get(t, r->field[RF_DOMAIN]);
	out->adkim = strtab_get(t, r->field[RF_ADKIM]);
	out->aspf = strtab_get(t, r->field[RF_ASPF]);
	out->p = strtab_get(t, r->field[RF_P]);
	out->sp = strtab_get(t, r->field[RF_SP]);
	out->np = strtab_get(t, r->field[RF_NP]);
	out->fo = strtab_get(t, r->field[RF_FO]);
	out->testing = strtab_get(t, r->field[RF_TESTING]);
	out->generator = strtab_get(t, r->field[RF_GENERATOR]);
	out->discovery_method = strtab_get(t, r->field[RF_DISCOVERY_METHOD]);
	out->xml_schema = r->xml_schema;
	out->has_begin = r->has_begin;
	out->has_end = r->has_end;
	out->has_pct = r->has_pct;
	out->begin = r->begin;
	out->end = r->end;
	out->pct = r->pct;
	out->nrecords = r->nrecords;
	record_rid(out, out->rid);
	/* Formatted once here, not once per record. */
	out->begin_iso = r->has_begin && iso8601_utc(r->begin, out->iso_buf[0]) == 0 ? out->iso_buf[0] : NULL;
	out->end_iso = r->has_end && iso8601_utc(r->end, out->iso_buf[1]) == 0 ? out->iso_buf[1] : NULL;
}

/* Words taken by the record whose header is h. */
static size_t
record_words(const uint32_t *h)
{
	const uint32_t *n = h + W_NLIST;

	return HDR_WORDS + (size_t)n[RL_REASON] * list_width[RL_REASON] +
	       (size_t)n[RL_DKIM] * list_width[RL_DKIM] + (size_t)n[RL_SPF] * list_width[RL_SPF];
}

int
report_seek(struct report *r, struct kind_cursor *c, size_t ord)
{
	if (ord < c->ord) {
		c->ord = 0;
		c->pos = 0;
	}
	while (c->ord < ord && c->ord < r->nrecords) {
		const uint32_t *h = wordlog_get(&r->packed, c->pos, HDR_WORDS);

		if (!h)
			return -1;
		c->pos += record_words(h);
		c->ord++;
	}
	return 0;
}

int
report_next(struct report *r, struct kind_cursor *c, struct dmarc_record *rec)
{
	const struct strtab *t = &r->strings;
	const uint32_t *w, *n;
	unsigned k, l;
	size_t words;

	if (c->ord >= r->nrecords)
		return 0;
	if (!(w = wordlog_get(&r->packed, c->pos, HDR_WORDS)))
		return -1;
	words = record_words(w);
	if (!(w = wordlog_get(&r->packed, c->pos, words)))
		return -1;
	n = w + W_NLIST;
	memset(rec, 0, sizeof *rec);
	rec->ord = c->ord;
	if (w[RC_SOURCE_IP]) {
		norm_ip_format((int)w[RC_SOURCE_IP], (const uint8_t *)(w + W_ADDR), r->ip);
		rec->source_ip = r->ip;
	}
	rec->disposition = strtab_get(t, w[RC_DISPOSITION]);
	rec->policy_dkim = strtab_get(t, w[RC_POLICY_DKIM]);
	rec->policy_spf = strtab_get(t, w[RC_POLICY_SPF]);
	rec->header_from = strtab_get(t, w[RC_HEADER_FROM]);
	rec->envelope_from = strtab_get(t, w[RC_ENVELOPE_FROM]);
	rec->envelope_to = strtab_get(t, w[RC_ENVELOPE_TO]);
	rec->count = (uint64_t)w[W_COUNT] | (uint64_t)w[W_COUNT + 1] << 32;
	rec->has_count = w[W_COUNT + 2] != 0;
	rec->nreasons = n[RL_REASON];
	rec->ndkim = n[RL_DKIM];
	rec->nspf = n[RL_SPF];
	c->pos += words;
	c->ord++;

	w += HDR_WORDS;
	for (k = 0; k < rec->nreasons; k++, w += 2) {
		r->reasons[k].type = strtab_get(t, w[REASON_TYPE]);
		r->reasons[k].comment = strtab_get(t, w[REASON_COMMENT]);
	}
	for (l = RL_DKIM; l <= RL_SPF; l++) {
		struct dmarc_auth *a = l == RL_DKIM ? r->dkim : r->spf;
		size_t count = l == RL_DKIM ? rec->ndkim : rec->nspf;

		for (k = 0; k < count; k++, w += 4) {
			a[k].domain = strtab_get(t, w[AUTH_DOMAIN]);
			a[k].selector = strtab_get(t, w[AUTH_SELECTOR]);
			a[k].result = strtab_get(t, w[AUTH_RESULT]);
			a[k].human_result = strtab_get(t, w[AUTH_HUMAN_RESULT]);
		}
	}
	rec->reasons = r->reasons;
	rec->dkim = r->dkim;
	rec->spf = r->spf;
	return 1;
}


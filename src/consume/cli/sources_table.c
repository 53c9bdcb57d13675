/* sources_table.c - the --sources table from the rollups; see sources_table.h. */
#include "config.h"

#include <json-c/json.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <wchar.h>

#include "rdns.h"
#include "redis.h"
#include "sources_table.h"
#include "sources_view.h"

/* ------------------------------------------------------------ printing */

#define COLS 9
static const char *const heads[COLS] = {
	"SOURCE", "PTR", "SERVICE", "COUNTRY", "AS", "MESSAGES", "PASS%", "CLASS", "FIRST SEEN",
};

/* Printable text for a terminal: control characters and DEL as '?'. */
static void
printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/*
 * Columns on a terminal: an emoji or a CJK character takes two, a
 * combining mark none (wcwidth() under C.UTF-8, set by sources_table());
 * what is no UTF-8 counts a column a byte.
 */
static size_t
width(const char *s)
{
	mbstate_t st;
	size_t w = 0, len = strlen(s), n;
	wchar_t wc;
	int cw;

	memset(&st, 0, sizeof st);
	while (len) {
		n = mbrtowc(&wc, s, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof st);
			w++, s++, len--;
			continue;
		}
		cw = wcwidth(wc);
		w += cw < 0 ? 1 : (size_t)cw;
		s += n, len -= n;
	}
	return w;
}

static void
cells(const struct source_row *r, char cell[COLS][300])
{
	char b[6][256];
	const char *confirmed = source_field(r, SF_CONFIRMED, b[0]), *as = source_field(r, SF_ASN, b[1]), *org = source_field(r, SF_AS_ORG, b[2]);
	const char *rdns = source_field(r, SF_RDNS, b[3]), *service = source_field(r, SF_SERVICE, b[4]), *country = source_field(r, SF_COUNTRY, b[5]);
	unsigned long long pass = r->by_class[CLASS_PASS];
	size_t k;

	snprintf(cell[0], 300, "%s", r->addr);
	if (!strcmp(confirmed, "yes"))
		snprintf(cell[1], 300, "%s", rdns);
	else if (!strcmp(confirmed, "no"))
		snprintf(cell[1], 300, "%s (unconfirmed)", rdns);
	else if (!strcmp(confirmed, "unresolved"))
		snprintf(cell[1], 300, "(unresolved)");
	else
		snprintf(cell[1], 300, "%s", !strcmp(confirmed, "none") ? "(none)" : "-");
	snprintf(cell[2], 300, "%s", *service ? service : "-");
	snprintf(cell[3], 300, "%s", *country ? country : "-");
	if (*as)
		snprintf(cell[4], 300, "AS%s%s%.60s", as, *org ? " " : "", org);
	else
		snprintf(cell[4], 300, "-");
	snprintf(cell[5], 300, "%llu", r->m);
	snprintf(cell[6], 300, "%.1f", r->m ? 100.0 * (double)pass / (double)r->m : 0.0);
	snprintf(cell[7], 300, "%s%s", class_name(source_class_of(r)), source_approved(r) ? " (approved)" : "");
	snprintf(cell[8], 300, "%s", r->first[0] ? r->first : "-");
	for (k = 0; k < COLS; k++)
		printable(cell[k]);
}

static void
print_text(const struct source_list *t, FILE *out)
{
	static char cell[COLS][300];
	size_t w[COLS], i, k;

	for (k = 0; k < COLS; k++)
		w[k] = width(heads[k]);
	for (i = 0; i < t->n; i++) {
		cells(&t->v[i], cell);
		for (k = 0; k < COLS; k++)
			if (width(cell[k]) > w[k])
				w[k] = width(cell[k]);
	}
	for (k = 0; k < COLS; k++)
		fprintf(out, "%s%-*s", k ? "  " : "", k == COLS - 1 ? 0 : (int)w[k], heads[k]);
	fputc('\n', out);
	for (i = 0; i < t->n; i++) {
		cells(&t->v[i], cell);
		for (k = 0; k < COLS; k++) {
			size_t pad = w[k] - width(cell[k]);
			bool right = k == 5 || k == 6;	/* numbers */

			if (k)
				fputs("  ", out);
			if (right)
				fprintf(out, "%*s", (int)pad, "");
			fputs(cell[k], out);
			if (!right && k != COLS - 1)
				fprintf(out, "%*s", (int)pad, "");
		}
		fputc('\n', out);
	}
}

/*
 * The sources of domain over range into *t, and the first and last day of
 * range with any ("" when none): one round trip for the sums and the days.
 */
static enum dp_status
read_sources(struct redis *r, const struct conf *c, const char *domain, const struct view_range *range,
	     struct source_list *t, char first[11], char last[11], struct dp_error *err)
{
	struct sources_reads q;
	struct view_batch b;
	size_t with, d;
	enum dp_status rc;

	view_batch_init(&b);
	sources_view_queue(&b, c, domain, range, &q);
	with = view_queue_days_with(&b, c, "rollup", domain, ":sources", range);
	if ((rc = view_batch_run(&b, r, err)) == DP_OK && (rc = sources_view_take(&b, r, c, domain, &q, SIZE_MAX, t, err)) == DP_OK)
		for (d = 0; d < range->ndays; d++)
			if (b.reply[with + d]->type == REDIS_REPLY_INTEGER && b.reply[with + d]->integer > 0) {
				if (!first[0])
					memcpy(first, range->day[d], 11);
				memcpy(last, range->day[d], 11);
			}
	view_batch_free(&b);
	return rc;
}

static void
print_json(const struct source_list *t, const char *domain, const char *first, const char *last, FILE *out)
{
	json_object *top = json_object_new_object(), *rows = json_object_new_array();
	static const struct { const char *name; enum source_field k; } strings[] = {
		{ "rdns", SF_RDNS }, { "confirmed", SF_CONFIRMED }, { "base", SF_BASE }, { "country", SF_COUNTRY },
		{ "as_org", SF_AS_ORG }, { "service", SF_SERVICE }, { "service_type", SF_SERVICE_TYPE },
	};
	char b[256];
	size_t i, k;

	json_object_object_add(top, "domain", json_object_new_string(domain));
	json_object_object_add(top, "from", first[0] ? json_object_new_string(first) : NULL);
	json_object_object_add(top, "to", last[0] ? json_object_new_string(last) : NULL);
	for (i = 0; i < t->n; i++) {
		const struct source_row *r = &t->v[i];
		json_object *o = json_object_new_object(), *bc = json_object_new_object();
		const char *v;

		json_object_object_add(o, "source", json_object_new_string(r->addr));
		for (k = 0; k < sizeof strings / sizeof strings[0]; k++) {
			v = source_field(r, strings[k].k, b);
			json_object_object_add(o, strings[k].name, *v ? json_object_new_string(v) : NULL);
		}
		v = source_field(r, SF_ASN, b);
		json_object_object_add(o, "asn", *v ? json_object_new_int64(atoll(v)) : NULL);
		json_object_object_add(o, "approved", json_object_new_boolean(source_approved(r)));
		json_object_object_add(o, "messages", json_object_new_int64((int64_t)r->m));
		for (k = 0; k < CLASS_COUNT; k++)
			if (r->by_class[k])
				json_object_object_add(bc, class_name((enum source_class)k),
						       json_object_new_int64((int64_t)r->by_class[k]));
		json_object_object_add(o, "by_class", bc);
		json_object_object_add(o, "pass_percent",
				       json_object_new_double(r->m ? 100.0 * (double)r->by_class[CLASS_PASS] / (double)r->m : 0));
		json_object_object_add(o, "class", json_object_new_string(class_name(source_class_of(r))));
		json_object_object_add(o, "first_seen", r->first[0] ? json_object_new_string(r->first) : NULL);
		json_object_array_add(rows, o);
	}
	json_object_object_add(top, "sources", rows);
	fprintf(out, "%s\n", json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
}

int
sources_table(const struct conf *c, const char *domain, unsigned days, bool json, FILE *out)
{
	struct dp_error err = { 0 };
	struct view_range range;
	struct source_list t = { 0 };
	struct redis *r;
	char lower[256], first[11] = "", last[11] = "";
	size_t i, len = strlen(domain);
	int rc = EX_OK;

	if (!rdns_valid_name(domain, len)) {
		fprintf(stderr, "dmarc-consume: --sources: \"%s\" is no domain name\n", domain);
		return EX_USAGE;
	}
	for (i = 0; i < len && i < sizeof lower - 1; i++)
		lower[i] = (char)(domain[i] >= 'A' && domain[i] <= 'Z' ? domain[i] + 32 : domain[i]);
	lower[i] = '\0';
	if (i && lower[i - 1] == '.')
		lower[i - 1] = '\0';
	if (!(r = redis_new(c))) {
		fprintf(stderr, "dmarc-consume: out of memory\n");
		return EX_TEMPFAIL;
	}
	setlocale(LC_CTYPE, "C.UTF-8");	/* for width(): the text is UTF-8 whatever the terminal's locale */
	if (view_range(r, c, VIEW_AGGREGATE, days, &range, &err) != DP_OK ||
	    (range.ndays && read_sources(r, c, lower, &range, &t, first, last, &err) != DP_OK)) {
		fprintf(stderr, "dmarc-consume: %s\n", err.reason);
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (json)
		print_json(&t, lower, first, last, out);
	else if (t.n == 0)
		fprintf(stderr, "dmarc-consume: no sources of %s in the rollups of the last %u days with reports\n", lower,
			days);
	else {
		fprintf(out, "%s, %s to %s (UTC days of the reports):\n", lower, first, last);
		print_text(&t, out);
	}
out:
	source_list_free(&t);
	view_range_free(&range);
	redis_free(r);
	return rc;
}

/* sources_table.c - the --sources table from the rollups; see sources_table.h. */
#include "config.h"

#include <json-c/json.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <wchar.h>

#include "classify.h"
#include "grow.h"
#include "rdns.h"
#include "redis.h"
#include "rollup.h"
#include "sources_table.h"

/* What is known of a source, in the order of its rollup value (rollup.h). */
enum info { I_RDNS, I_CONFIRMED, I_BASE, I_COUNTRY, I_ASN, I_AS_ORG, I_SERVICE, I_SERVICE_TYPE, I_APPROVED };

/* One source over the days. */
struct row {
	char *addr;			/* owned */
	char *info;			/* owned: its newest day's fields, tab-separated */
	unsigned long long m, by_class[CLASS_COUNT];
	char first[11];			/* the first day it sent, "" unknown */
};

struct table {
	struct row *v;
	size_t n, cap;
};

static void
table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		free(t->v[i].addr);
		free(t->v[i].info);
	}
	free(t->v);
}

static struct row *
row_for(struct table *t, const char *addr, size_t len)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strlen(t->v[i].addr) == len && !memcmp(t->v[i].addr, addr, len))
			return &t->v[i];
	if (grow((void **)&t->v, &t->cap, t->n, sizeof *t->v, 64) < 0)
		return NULL;
	memset(&t->v[t->n], 0, sizeof t->v[t->n]);
	if (!(t->v[t->n].addr = strndup(addr, len)))
		return NULL;
	return &t->v[t->n++];
}

/* One day's sources hash merged in; days come oldest first, so the info left is the newest. */
static int
merge_day(struct table *t, const redisReply *h)
{
	size_t i, k;

	for (i = 0; i + 1 < h->elements; i += 2) {
		const redisReply *f = h->element[i], *v = h->element[i + 1];
		unsigned long long n[1 + CLASS_COUNT];
		const char *p;
		char *end;
		struct row *r;

		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			continue;
		/* messages, then each class's: not what the sink writes, left out */
		for (k = 0, p = v->str; k < 1 + CLASS_COUNT; k++, p = end + (*end == '\t')) {
			n[k] = strtoull(p, &end, 10);
			if (end == p || (*end != '\t' && *end != '\0'))
				break;
		}
		if (k < 1 + CLASS_COUNT)
			continue;
		if (!(r = row_for(t, f->str, f->len)))
			return -1;
		r->m += n[0];
		for (k = 0; k < CLASS_COUNT; k++)
			r->by_class[k] += n[1 + k];
		free(r->info);
		if (!(r->info = strdup(p)))
			return -1;
	}
	return 0;
}

static unsigned long long
failing(const struct row *r)
{
	return r->m > r->by_class[CLASS_PASS] ? r->m - r->by_class[CLASS_PASS] : 0;
}

/* The class a source is shown with: its most frequent failing one, or pass. */
static enum source_class
row_class(const struct row *r)
{
	int k, best = CLASS_PASS;

	for (k = CLASS_PASS + 1; k < CLASS_COUNT; k++)
		if (r->by_class[k] && (best == CLASS_PASS || r->by_class[k] > r->by_class[best]))
			best = k;
	return (enum source_class)best;
}

/*
 * Failing sources first, those to act on before the others: approved
 * sources that fail (a configuration to fix), services not approved (one
 * to approve, or not), unknown sources (what p=reject is for), forwarded
 * mail (explained), then passing sources; within a class, the most
 * failing messages first, then the most messages, then by address.
 */
static int
row_rank(const struct row *r)
{
	static const int rank[CLASS_COUNT] = {
		[CLASS_APPROVED_FAIL] = 0, [CLASS_SERVICE_FAIL] = 1, [CLASS_UNKNOWN_FAIL] = 2, [CLASS_FORWARDED] = 3,
		[CLASS_PASS] = 4,
	};

	return rank[row_class(r)];
}

static int
row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	unsigned long long fx = failing(x), fy = failing(y);

	if (row_rank(x) != row_rank(y))
		return row_rank(x) < row_rank(y) ? -1 : 1;
	if (fx != fy)
		return fx > fy ? -1 : 1;
	if (x->m != y->m)
		return x->m > y->m ? -1 : 1;
	return strcmp(x->addr, y->addr);
}

/* Field k of what is known of r, in buf (room for 256); "" when absent. */
static const char *
info(const struct row *r, enum info k, char buf[256])
{
	const char *p = r->info, *tab;
	size_t len;

	for (; p && k > 0; k--)
		p = (tab = strchr(p, '\t')) ? tab + 1 : NULL;
	if (!p)
		return "";
	len = (tab = strchr(p, '\t')) ? (size_t)(tab - p) : strlen(p);
	if (len > 255)
		len = 255;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return buf;
}

/* ------------------------------------------------------------ reading */

static redisReply *
command(struct redis *r, int argc, const char **argv, struct dp_error *err)
{
	redisReply *reply = redis_commandv(r, argc, argv, "reading the rollups", err);

	if (reply && reply->type == REDIS_REPLY_ERROR) {
		redis_reply_fail(r, reply, "reading the rollups", err);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

static redisReply *
command_lens(struct redis *r, int argc, const char **argv, const size_t *lens, struct dp_error *err)
{
	redisReply *reply = redis_command(r, argc, argv, lens, "reading the rollups", err);

	if (reply && reply->type == REDIS_REPLY_ERROR) {
		redis_reply_fail(r, reply, "reading the rollups", err);
		freeReplyObject(reply);
		return NULL;
	}
	return reply;
}

static enum dp_status
read_table(struct redis *r, const struct conf *c, const char *domain, unsigned days, struct table *t,
	   char *first_day, char *last_day, struct dp_error *err)
{
	char key[600], lo[32];
	const char *newest_argv[] = { "ZRANGE", key, "-1", "-1", "WITHSCORES" };
	const char *range_argv[] = { "ZRANGEBYSCORE", key, lo, "+inf" };
	redisReply *newest = NULL, *range = NULL;
	enum dp_status rc = DP_TEMPFAIL;
	size_t i;

	snprintf(key, sizeof key, "{%s}:rollup:days", c->key_prefix);
	if (!(newest = command(r, 5, newest_argv, err)))
		goto out;
	if (newest->type != REDIS_REPLY_ARRAY || newest->elements < 2) {
		rc = DP_OK;	/* no rollups at all */
		goto out;
	}
	snprintf(lo, sizeof lo, "%lld", atoll(newest->element[1]->str) - (long long)days + 1);
	if (!(range = command(r, 4, range_argv, err)))
		goto out;
	for (i = 0; range->type == REDIS_REPLY_ARRAY && i < range->elements; i++) {
		const char *day = range->element[i]->str;
		const char *hget[] = { "HGETALL", key };
		redisReply *h;

		snprintf(key, sizeof key, "{%s}:rollup:%s:%s:sources", c->key_prefix, day, domain);
		if (!(h = command(r, 2, hget, err)))
			goto out;
		if (h->type == REDIS_REPLY_ARRAY && h->elements) {
			if (!first_day[0])
				snprintf(first_day, 11, "%s", day);
			snprintf(last_day, 11, "%s", day);
		}
		if (h->type == REDIS_REPLY_ARRAY && merge_day(t, h) < 0) {
			freeReplyObject(h);
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
		freeReplyObject(h);
	}
	/* When each first sent (one HMGET for all). */
	if (t->n) {
		const char **argv = calloc(t->n + 2, sizeof *argv);
		size_t *lens = calloc(t->n + 2, sizeof *lens);
		char **fields = calloc(t->n, sizeof *fields);
		redisReply *fs = NULL;

		if (argv && lens && fields) {
			snprintf(key, sizeof key, "{%s}:firstseen:%s", c->key_prefix, domain);
			argv[0] = "HMGET";
			argv[1] = key;
			for (i = 0; i < t->n; i++)
				if ((fields[i] = malloc(strlen(t->v[i].addr) + 4)))
					sprintf(fields[i], "ip:%s", t->v[i].addr);
			for (i = 0; i < t->n && fields[i]; i++)
				argv[i + 2] = fields[i];
			if (i == t->n) {
				for (i = 0; i < t->n + 2; i++)
					lens[i] = strlen(argv[i]);
				fs = command_lens(r, (int)t->n + 2, argv, lens, err);
			}
		}
		for (i = 0; fs && fs->type == REDIS_REPLY_ARRAY && i < fs->elements && i < t->n; i++)
			if (fs->element[i]->type == REDIS_REPLY_STRING && fs->element[i]->len == 10)
				memcpy(t->v[i].first, fs->element[i]->str, 11);
		for (i = 0; fields && i < t->n; i++)
			free(fields[i]);
		free(fields);
		free(argv);
		free(lens);
		if (!fs) {
			if (!err->status)
				dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
		freeReplyObject(fs);
	}
	rc = DP_OK;
out:
	if (newest)
		freeReplyObject(newest);
	if (range)
		freeReplyObject(range);
	return rc;
}

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
cells(const struct row *r, char cell[COLS][300])
{
	char b[6][256];
	const char *confirmed = info(r, I_CONFIRMED, b[0]), *as = info(r, I_ASN, b[1]), *org = info(r, I_AS_ORG, b[2]);
	const char *rdns = info(r, I_RDNS, b[3]), *service = info(r, I_SERVICE, b[4]), *country = info(r, I_COUNTRY, b[5]);
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
	snprintf(cell[7], 300, "%s%s", class_name(row_class(r)),
		 !strcmp(info(r, I_APPROVED, b[0]), "yes") ? " (approved)" : "");
	snprintf(cell[8], 300, "%s", r->first[0] ? r->first : "-");
	for (k = 0; k < COLS; k++)
		printable(cell[k]);
}

static void
print_text(const struct table *t, FILE *out)
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

static void
print_json(const struct table *t, const char *domain, const char *first_day, const char *last_day, FILE *out)
{
	json_object *top = json_object_new_object(), *rows = json_object_new_array();
	static const struct { const char *name; enum info k; } strings[] = {
		{ "rdns", I_RDNS }, { "confirmed", I_CONFIRMED }, { "base", I_BASE }, { "country", I_COUNTRY },
		{ "as_org", I_AS_ORG }, { "service", I_SERVICE }, { "service_type", I_SERVICE_TYPE },
	};
	char b[256];
	size_t i, k;

	json_object_object_add(top, "domain", json_object_new_string(domain));
	json_object_object_add(top, "from", first_day[0] ? json_object_new_string(first_day) : NULL);
	json_object_object_add(top, "to", last_day[0] ? json_object_new_string(last_day) : NULL);
	for (i = 0; i < t->n; i++) {
		const struct row *r = &t->v[i];
		json_object *o = json_object_new_object(), *bc = json_object_new_object();
		const char *v;

		json_object_object_add(o, "source", json_object_new_string(r->addr));
		for (k = 0; k < sizeof strings / sizeof strings[0]; k++) {
			v = info(r, strings[k].k, b);
			json_object_object_add(o, strings[k].name, *v ? json_object_new_string(v) : NULL);
		}
		v = info(r, I_ASN, b);
		json_object_object_add(o, "asn", *v ? json_object_new_int64(atoll(v)) : NULL);
		json_object_object_add(o, "approved", json_object_new_boolean(!strcmp(info(r, I_APPROVED, b), "yes")));
		json_object_object_add(o, "messages", json_object_new_int64((int64_t)r->m));
		for (k = 0; k < CLASS_COUNT; k++)
			if (r->by_class[k])
				json_object_object_add(bc, class_name((enum source_class)k),
						       json_object_new_int64((int64_t)r->by_class[k]));
		json_object_object_add(o, "by_class", bc);
		json_object_object_add(o, "pass_percent",
				       json_object_new_double(r->m ? 100.0 * (double)r->by_class[CLASS_PASS] / (double)r->m : 0));
		json_object_object_add(o, "class", json_object_new_string(class_name(row_class(r))));
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
	struct table t = { 0 };
	struct redis *r;
	char lower[256], first_day[11] = "", last_day[11] = "";
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
	if (read_table(r, c, lower, days, &t, first_day, last_day, &err) != DP_OK) {
		fprintf(stderr, "dmarc-consume: %s\n", err.reason);
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (t.n)
		qsort(t.v, t.n, sizeof *t.v, row_cmp);
	if (json)
		print_json(&t, lower, first_day, last_day, out);
	else if (t.n == 0)
		fprintf(stderr, "dmarc-consume: no sources of %s in the rollups of the last %u days with reports\n", lower,
			days);
	else {
		fprintf(out, "%s, %s to %s (UTC days of the reports):\n", lower, first_day, last_day);
		print_text(&t, out);
	}
out:
	table_free(&t);
	redis_free(r);
	return rc;
}

/* rollup.c - what aggregate records add to the rollups, as acknowledgement operations; see rollup.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "isotime.h"
#include "log.h"
#include "metrics.h"
#include "prom.h"
#include "rdns.h"
#include "rollup.h"
#include "script.h"

/*
 * KEYS: the aggregate rollups' days and weeks, and the TLS rollups'
 * days; the days' and weeks' own keys are named from them.  ARGV:
 * prefix, days kept.  Each kind's days are counted back from its own
 * newest; a week goes when its last day is older than the days kept.
 * rollup:weekly-from is set once, to the day after the newest then:
 * rollups written before were daily only (rollup.h).
 */
static const char prune_text[] =
	"local removed = 0\n"
	"local p = '{' .. ARGV[1] .. '}:'\n"
	"local function older(zset, newest, ends)\n"
	"  return redis.call('ZRANGEBYSCORE', zset, '-inf', '(' .. (newest - tonumber(ARGV[2]) + 1 - ends), 'LIMIT', 0, 100)\n"
	"end\n"
	"local function drop(zset, base, member, suffixes)\n"
	"  for _, d in ipairs(redis.call('SMEMBERS', base)) do\n"
	"    for _, s in ipairs(suffixes) do redis.call('DEL', base .. ':' .. d .. s) end\n"
	"  end\n"
	"  redis.call('DEL', base)\n"
	"  redis.call('ZREM', zset, member)\n"
	"end\n"
	"local function prune(days, kind, suffixes, weeks)\n"
	"  local newest = redis.call('ZRANGE', days, -1, -1, 'WITHSCORES')\n"
	"  if weeks then redis.call('SET', p .. 'rollup:weekly-from', newest[2] and tonumber(newest[2]) + 1 or 0, 'NX') end\n"
	"  if not newest[2] then return end\n"
	"  newest = tonumber(newest[2])\n"
	"  local old = older(days, newest, 0)\n"
	"  for _, day in ipairs(old) do drop(days, p .. kind .. ':' .. day, day, suffixes) end\n"
	"  removed = removed + #old\n"
	"  if weeks then\n"
	"    for _, w in ipairs(older(weeks, newest, 6)) do drop(weeks, p .. kind .. ':week:' .. w, w, { ':sources', ':auth' }) end\n"
	"  end\n"
	"end\n"
	"prune(KEYS[1], 'rollup', { '', ':sources', ':auth' }, KEYS[2])\n"
	"prune(KEYS[3], 'tls', { '' })\n"
	"return removed\n";

/* One operation (reader.h, ack_ops) before equal ones are combined. */
struct rop {
	char op;		/* 'I', 'C', 'M', 'T', 'F', 'U', 'A', 'Z' */
	unsigned key;		/* index in keys, from 1 */
	size_t field;		/* offset in text */
	size_t aux;		/* F: the header-from domain; C: the overflow field; T with value: the value (offsets in text) */
	long long n;		/* I, C, U: messages or sessions; M, T: a time; F, Z: a day (days since the epoch) */
	long long v1, v2;	/* T of a metric: the policy (0 none, 1 quarantine, 2 reject) and its pct; C, M: fields */
	unsigned vkey;		/* T with value: the key the value goes to (0: the metric's pair) */
	enum source_class cls;	/* F, U */
	bool counted;		/* F: a new one counts in dmarc_new_sources_total */
	size_t entry;		/* U: whose source */
};

struct rollup {
	const struct conf *conf;
	char **metric_keys;		/* owned (metrics.h) */
	struct buf text;		/* fields, NUL-terminated */
	struct buf keytext;		/* key names, NUL-terminated */
	size_t *keyoff;			/* owned: where each key's name is in keytext */
	const char **keys, **types;	/* owned arrays, filled in at the end */
	size_t nkeys, keycap;
	struct rop *ops;		/* owned */
	size_t nops, opcap;
	struct buf words;		/* the operations, NUL-separated */
	size_t nwords;
	struct buf labels;		/* the counters' label sets */
	struct ack_incr *incr;		/* owned */
	size_t nincr, incrcap;
	const char *overflow[1];
	struct ack_ops aops;
	const struct source_info *si;	/* the batch's, while building */
	struct script prune;
	struct buf item, item2;		/* list items being read */
	/* Key indices of this batch looked up already: records of one report share day and domain. */
	char memo_dd[300];		/* "<day>:<domain>" of kdd, ksrc, kauth, kday, kfirst and the week's */
	unsigned kdd, ksrc, kauth, kday, kfirst, kdays, kdomains, kmetric[M_COUNT];
	unsigned kwsrc, kwauth, kweek, kweeks;	/* the week's sources, auth, domains; the weeks */
	char week[11];			/* its Monday, "" before 1970-01-05 */
};

struct rollup *
rollup_new(const struct conf *c)
{
	struct rollup *ru = calloc(1, sizeof *ru);

	if (!ru || !(ru->metric_keys = metric_keys(c))) {
		free(ru);
		return NULL;
	}
	ru->conf = c;
	ru->overflow[0] = metric_defs[M_SOURCE_MESSAGES].overflow;
	ru->prune.text = prune_text;
	return ru;
}

void
rollup_free(struct rollup *ru)
{
	if (!ru)
		return;
	metric_keys_free(ru->metric_keys);
	buf_free(&ru->text);
	buf_free(&ru->keytext);
	free(ru->keyoff);
	free(ru->keys);
	free(ru->types);
	free(ru->ops);
	buf_free(&ru->words);
	buf_free(&ru->labels);
	buf_free(&ru->item);
	buf_free(&ru->item2);
	free(ru->incr);
	free(ru);
}

int
rollup_domain_ok(const struct conf *c, const char *domain, size_t len)
{
	return rdns_valid_name(domain, len) && conf_report_domain_ok(c, domain, len);
}

/* ------------------------------------------------------------ building */

/* Text into ru->text, NUL-terminated: its offset, or (size_t)-1 on ENOMEM. */
static size_t
text(struct buf *b, const char *a, const char *s, size_t len)
{
	size_t off = b->len;

	if ((a && buf_puts(b, a) < 0) || (s && buf_append(b, s, len) < 0) || buf_putc(b, '\0') < 0)
		return (size_t)-1;
	return off;
}

/* The index (from 1) of key {P}:<a><b><c>, of type, added when new; 0 on ENOMEM. */
static unsigned
key(struct rollup *ru, const char *type, const char *a, const char *b, const char *c)
{
	char name[600];
	size_t i, off;

	snprintf(name, sizeof name, "{%s}:%s%s%s", ru->conf->key_prefix, a, b ? b : "", c ? c : "");
	for (i = ru->nkeys; i-- > 0;)
		if (!strcmp(ru->keytext.data + ru->keyoff[i], name))
			return (unsigned)i + 1;
	if (ru->nkeys == ru->keycap) {
		size_t cap = ru->keycap;

		/* Two arrays of one length: the second grows to the first's. */
		if (grow((void **)&ru->keyoff, &cap, ru->nkeys, sizeof *ru->keyoff, 32) < 0 ||
		    grow((void **)&ru->types, &ru->keycap, ru->nkeys, sizeof *ru->types, cap) < 0)
			return 0;
	}
	if ((off = text(&ru->keytext, NULL, name, strlen(name))) == (size_t)-1)
		return 0;
	ru->keyoff[ru->nkeys] = off;
	ru->types[ru->nkeys] = type;
	return (unsigned)++ru->nkeys;
}

/* The index of a metric's hash among the keys (a key like any other to the operations). */
static unsigned
metric_key(struct rollup *ru, enum metric_id m)
{
	if (!ru->kmetric[m])
		ru->kmetric[m] = key(ru, "hash", "metric:", metric_defs[m].name, NULL);
	return ru->kmetric[m];
}

static int
add(struct rollup *ru, struct rop r)
{
	if (!r.key || r.field == (size_t)-1 || r.aux == (size_t)-1)
		return -1;
	if (grow((void **)&ru->ops, &ru->opcap, ru->nops, sizeof *ru->ops, 256) < 0)
		return -1;
	ru->ops[ru->nops++] = r;
	return 0;
}

static int
count(struct rollup *ru, size_t label, unsigned long long n, size_t entry)
{
	if (label == (size_t)-1)
		return -1;
	if (grow((void **)&ru->incr, &ru->incrcap, ru->nincr, sizeof *ru->incr, 256) < 0)
		return -1;
	ru->incr[ru->nincr++] = (struct ack_incr){ 0, label, n, entry };
	return 0;
}

/* One record's fields, looked up in schema order. */
struct record {
	const char *org, *begin, *end, *domain, *p, *sp, *pct, *count, *disp, *pdkim, *pspf, *from;
	const char *dkim_domains, *dkim_results, *spf_domains, *spf_results;
	size_t orgl, beginl, endl, domainl, pl, spl, pctl, countl, displ, pdkiml, pspfl, froml;
	size_t dkim_domainsl, dkim_resultsl, spf_domainsl, spf_resultsl;
};

static void
fields_of(const struct entry *e, struct record *r)
{
	size_t at = 0;

	r->org = entry_get_next(e, "org_name", &r->orgl, &at);
	r->begin = entry_get_next(e, "begin", &r->beginl, &at);
	r->end = entry_get_next(e, "end", &r->endl, &at);
	r->domain = entry_get_next(e, "domain", &r->domainl, &at);
	r->p = entry_get_next(e, "p", &r->pl, &at);
	r->sp = entry_get_next(e, "sp", &r->spl, &at);
	r->pct = entry_get_next(e, "pct", &r->pctl, &at);
	r->count = entry_get_next(e, "count", &r->countl, &at);
	r->disp = entry_get_next(e, "disposition", &r->displ, &at);
	r->pdkim = entry_get_next(e, "policy_dkim", &r->pdkiml, &at);
	r->pspf = entry_get_next(e, "policy_spf", &r->pspfl, &at);
	r->from = entry_get_next(e, "header_from", &r->froml, &at);
	r->dkim_domains = entry_get_next(e, "dkim_domains", &r->dkim_domainsl, &at);
	r->dkim_results = entry_get_next(e, "dkim_results", &r->dkim_resultsl, &at);
	r->spf_domains = entry_get_next(e, "spf_domains", &r->spf_domainsl, &at);
	r->spf_results = entry_get_next(e, "spf_results", &r->spf_resultsl, &at);
}

static int
iso_time(const char *v, size_t len, int64_t *t)
{
	char s[64];

	if (!v || len == 0 || len >= sizeof s)
		return -1;
	memcpy(s, v, len);
	s[len] = '\0';
	return iso8601_parse(s, t) < 0 || *t < 0 ? -1 : 0;
}

static unsigned long long
number(const char *v, size_t len, unsigned long long none)
{
	unsigned long long n = 0;
	size_t i;

	if (!v || len == 0 || len > 19)
		return none;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return none;
		n = n * 10 + (unsigned long long)(v[i] - '0');
	}
	return n;
}

static bool
is(const char *v, size_t len, const char *want)
{
	return v && len == strlen(want) && !strncasecmp(v, want, len);
}

/* A domain lower-cased into out (room for 256); its length, 0 when it is no host name. */
static size_t
lower_domain(const char *v, size_t len, char *out)
{
	size_t i;

	if (!v || !rdns_valid_name(v, len))
		return 0;
	if (v[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		out[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	out[len] = '\0';
	return len;
}

/* A policy value as the rollups keep it: none, quarantine, reject, or "" when absent or unknown. */
static const char *
policy_word(const char *v, size_t len)
{
	return is(v, len, "reject") ? "reject" : is(v, len, "quarantine") ? "quarantine" : is(v, len, "none") ? "none" : "";
}

/*
 * An increment of field <prefix><value><suffix> of a hash of at most
 * fields, past which (or for a value longer than a host name) it goes
 * to <prefix>(other)<suffix>.
 */
static int
capped(struct rollup *ru, unsigned k, const char *prefix, const char *value, size_t len, const char *suffix,
       long long n, unsigned fields)
{
	char field[300], other[64];

	snprintf(other, sizeof other, "%s%s%s", prefix, ROLLUP_OTHER, suffix);
	if (len > 255 || memchr(value, '\0', len))
		snprintf(field, sizeof field, "%s", other);
	else
		snprintf(field, sizeof field, "%s%.*s%s", prefix, (int)len, value, suffix);
	return add(ru, (struct rop){ .op = 'C', .key = k, .field = text(&ru->text, NULL, field, strlen(field)),
				     .aux = text(&ru->text, NULL, other, strlen(other)), .n = n, .v1 = fields });
}

/*
 * The authentication domains of one record and how they fared, into the
 * day's hash k and the week's kw (0: none): each item of domains (a DKIM
 * d= or an SPF domain) with the aligned item of results, as
 * <what>:<domain>:pass or :fail.  Items that are no host name are left out.
 */
static int
auth_ops(struct rollup *ru, unsigned k, unsigned kw, const char *what, const char *domains, size_t dl, const char *results,
	 size_t rl, long long n)
{
	struct flat_items d, r;
	char name[256], prefix[8];
	int rc, got;

	snprintf(prefix, sizeof prefix, "%s:", what);

	if (!domains)
		return 0;
	fields_items(&d, domains, dl);
	fields_items(&r, results ? results : "", results ? rl : 0);
	while ((rc = fields_item(&d, &ru->item)) > 0) {
		size_t len;

		if ((got = fields_item(&r, &ru->item2)) < 0)
			return -1;
		const char *result;

		if (!(len = lower_domain(ru->item.data, ru->item.len, name)))
			continue;
		result = got > 0 && is(ru->item2.data, ru->item2.len, "pass") ? ":pass" : ":fail";
		if (capped(ru, k, prefix, name, len, result, n, ROLLUP_AUTH_MAX) < 0 ||
		    (kw && capped(ru, kw, prefix, name, len, result, n, ROLLUP_AUTH_MAX) < 0))
			return -1;
	}
	return rc;
}

static size_t
label(struct buf *b, const char *name, const char *value, size_t len)
{
	size_t off = b->len;

	if (prom_label(b, name, value, len, 0) < 0 || buf_putc(b, '\0') < 0)
		return (size_t)-1;
	return off;
}

/* The keys of the week of day (days since the epoch) and domain from into ru: none before the first Monday. */
static int
week_of(struct rollup *ru, long long day, const char *from)
{
	char wd[300], iso[ISO8601_LEN + 1];

	ru->kwsrc = ru->kwauth = ru->kweek = 0;
	ru->week[0] = '\0';
	if (iso8601_monday(day) < 0)
		return 0;
	iso8601_utc(iso8601_monday(day) * 86400, iso);
	memcpy(ru->week, iso, 10);
	ru->week[10] = '\0';
	snprintf(wd, sizeof wd, "%s:%s", ru->week, from);
	if (!ru->kweeks)
		ru->kweeks = key(ru, "zset", "rollup:weeks", NULL, NULL);
	ru->kwsrc = key(ru, "hash", "rollup:week:", wd, ":sources");
	ru->kwauth = key(ru, "hash", "rollup:week:", wd, ":auth");
	ru->kweek = key(ru, "set", "rollup:week:", ru->week, NULL);
	return ru->kweeks && ru->kwsrc && ru->kwauth && ru->kweek ? 0 : -1;
}

/* What one record adds. */
static int
record_ops(struct rollup *ru, const struct entry *e, const struct source_info *si, size_t entry)
{
	const struct conf *c = ru->conf;
	struct record r;
	char from[256], pdomain[256], day[ISO8601_LEN + 1], dd[300];
	unsigned kdd, ksrc, kfirst;
	const char *disp, *service = si->service ? si->service->name : "none", *cls = class_name(si->cls);
	int64_t begin, end;
	long long dayn;
	unsigned long long n;
	size_t fl, pl, l;
	int rc = 0;

	fields_of(e, &r);
	if (!(fl = lower_domain(r.from, r.froml, from)) || !rollup_domain_ok(c, from, fl) ||
	    iso_time(r.begin, r.beginl, &begin) < 0)
		return 0;	/* not one of ours, or no day to put it on */
	if (iso_time(r.end, r.endl, &end) < 0)
		end = begin;
	dayn = begin / 86400;
	iso8601_utc(dayn * 86400, day);
	day[10] = '\0';
	n = number(r.count, r.countl, 0);
	disp = is(r.disp, r.displ, "none") ? "none" : is(r.disp, r.displ, "quarantine") ? "quarantine"
	     : is(r.disp, r.displ, "reject") ? "reject" : "other";
	snprintf(dd, sizeof dd, "%s:%s", day, from);
	if (strcmp(dd, ru->memo_dd)) {
		ru->kdd = key(ru, "hash", "rollup:", dd, NULL);
		ru->ksrc = key(ru, "hash", "rollup:", dd, ":sources");
		ru->kauth = key(ru, "hash", "rollup:", dd, ":auth");
		ru->kday = key(ru, "set", "rollup:", day, NULL);
		ru->kfirst = key(ru, "hash", "firstseen:", from, NULL);
		if (week_of(ru, dayn, from) < 0)
			return -1;
		snprintf(ru->memo_dd, sizeof ru->memo_dd, "%s", dd);
	}
	if (!ru->kdays) {
		ru->kdays = key(ru, "zset", "rollup:days", NULL, NULL);
		ru->kdomains = key(ru, "set", "rollup:domains", NULL, NULL);
	}
	kdd = ru->kdd;
	ksrc = ru->ksrc;
	kfirst = ru->kfirst;
	rc |= add(ru, (struct rop){ .op = 'Z', .key = ru->kdays, .field = text(&ru->text, NULL, day, 10), .n = dayn });
	rc |= add(ru, (struct rop){ .op = 'A', .key = ru->kdomains, .field = text(&ru->text, NULL, from, fl) });
	rc |= add(ru, (struct rop){ .op = 'A', .key = ru->kday, .field = text(&ru->text, NULL, from, fl) });
	rc |= add(ru, (struct rop){ .op = 'I', .key = kdd, .field = text(&ru->text, "messages", NULL, 0), .n = (long long)n });
	rc |= add(ru, (struct rop){ .op = 'I', .key = kdd, .field = text(&ru->text, "class:", cls, strlen(cls)),
				    .n = (long long)n });
	rc |= add(ru, (struct rop){ .op = 'I', .key = kdd, .field = text(&ru->text, "disposition:", disp, strlen(disp)),
				    .n = (long long)n });
	rc |= add(ru, (struct rop){ .op = 'I', .key = kdd,
				    .field = text(&ru->text, is(r.pdkim, r.pdkiml, "pass") ? "dkim:pass" : "dkim:fail", NULL, 0),
				    .n = (long long)n });
	rc |= add(ru, (struct rop){ .op = 'I', .key = kdd,
				    .field = text(&ru->text, is(r.pspf, r.pspfl, "pass") ? "spf:pass" : "spf:fail", NULL, 0),
				    .n = (long long)n });
	if (r.org && r.orgl && !memchr(r.org, '\0', r.orgl)) {
		rc |= add(ru, (struct rop){ .op = 'M', .key = kdd, .field = text(&ru->text, "reporter:", r.org, r.orgl),
					    .n = end });
		rc |= add(ru, (struct rop){ .op = 'M', .key = metric_key(ru, M_REPORTER_LAST),
					    .field = label(&ru->text, "reporter", r.org, r.orgl), .n = end });
	}
	if (ru->week[0]) {
		rc |= add(ru, (struct rop){ .op = 'Z', .key = ru->kweeks, .field = text(&ru->text, NULL, ru->week, 10),
					    .n = iso8601_monday(dayn) });
		rc |= add(ru, (struct rop){ .op = 'A', .key = ru->kweek, .field = text(&ru->text, NULL, from, fl) });
	}
	if (auth_ops(ru, ru->kauth, ru->kwauth, "dkim", r.dkim_domains, r.dkim_domainsl, r.dkim_results, r.dkim_resultsl,
		     (long long)n) < 0 ||
	    auth_ops(ru, ru->kauth, ru->kwauth, "spf", r.spf_domains, r.spf_domainsl, r.spf_results, r.spf_resultsl,
		     (long long)n) < 0)
		return -1;
	if (si->addr) {
		const char *a = si->addr->dns.addr;

		rc |= add(ru, (struct rop){ .op = 'U', .key = ksrc, .field = text(&ru->text, NULL, a, strlen(a)),
					    .n = (long long)n, .cls = si->cls, .entry = entry });
		if (ru->kwsrc)
			rc |= add(ru, (struct rop){ .op = 'U', .key = ru->kwsrc, .field = text(&ru->text, NULL, a, strlen(a)),
						    .n = (long long)n, .cls = si->cls, .entry = entry });
		rc |= add(ru, (struct rop){ .op = 'F', .key = kfirst, .field = text(&ru->text, "ip:", a, strlen(a)),
					    .aux = text(&ru->text, NULL, from, fl), .n = dayn, .cls = si->cls, .counted = true });
		if (si->addr->base[0])
			rc |= add(ru, (struct rop){ .op = 'F', .key = kfirst,
						    .field = text(&ru->text, "base:", si->addr->base, strlen(si->addr->base)),
						    .n = dayn, .cls = si->cls });
	}
	if (si->service)
		rc |= add(ru, (struct rop){ .op = 'F', .key = kfirst, .field = text(&ru->text, "service:", service, strlen(service)),
					    .n = dayn, .cls = si->cls });
	/* The published policy of the report's domain, as its newest report says. */
	if ((pl = lower_domain(r.domain, r.domainl, pdomain)) && rollup_domain_ok(c, pdomain, pl) && r.p) {
		long long p = is(r.p, r.pl, "reject") ? 2 : is(r.p, r.pl, "quarantine") ? 1 : 0;

		unsigned long long pct = number(r.pct, r.pctl, 100);
		char published[64];

		rc |= add(ru, (struct rop){ .op = 'T', .key = key(ru, "hash", "policy:newest", NULL, NULL),
					    .field = label(&ru->text, "domain", pdomain, pl), .n = end, .v1 = p,
					    .v2 = (long long)pct });
		/* And as the page shows it: p, sp and pct. */
		snprintf(published, sizeof published, "%s\t%s\t%llu", policy_word(r.p, r.pl), policy_word(r.sp, r.spl), pct);
		rc |= add(ru, (struct rop){ .op = 'T', .key = key(ru, "hash", "policy:time", NULL, NULL),
					    .field = text(&ru->text, NULL, pdomain, pl), .n = end,
					    .vkey = key(ru, "hash", "policy:published", NULL, NULL),
					    .aux = text(&ru->text, NULL, published, strlen(published)) });
	}
	/* The messages by domain, class and service. */
	l = ru->labels.len;
	if (prom_label(&ru->labels, "from_domain", from, fl, 0) < 0 ||
	    prom_label(&ru->labels, "source_class", cls, strlen(cls), 1) < 0 ||
	    prom_label(&ru->labels, "source_service", service, strlen(service), 1) < 0 || buf_putc(&ru->labels, '\0') < 0)
		return -1;
	rc |= count(ru, l, n, entry);
	return rc ? -1 : 0;
}

/*
 * The failure details of a TLS record: for each, its failed sessions
 * count for its result type, its receiving MX and its sending address.
 */
static int
tls_detail_ops(struct rollup *ru, unsigned k, const struct entry *e, size_t *at)
{
	static const char *const cols[] = { "failure_result_types", "failure_sending_mta_ips",
					    "failure_receiving_mx_hostnames" };
	static const char *const prefix[] = { "result:", "sender:", "mx:" };
	struct flat_items items[3], counts;
	const char *v;
	size_t len, i;
	int rc;

	for (i = 0; i < 3; i++) {
		v = entry_get_next(e, cols[i], &len, at);
		fields_items(&items[i], v ? v : "", v ? len : 0);
	}
	v = entry_get_next(e, "failure_failed_sessions", &len, at);
	fields_items(&counts, v ? v : "", v ? len : 0);
	for (;;) {
		long long n;

		if ((rc = fields_item(&counts, &ru->item2)) <= 0)
			return rc;
		n = (long long)number(ru->item2.data, ru->item2.len, 0);
		for (i = 0; i < 3; i++) {
			int got = fields_item(&items[i], &ru->item);

			if (got < 0)
				return -1;
			if (got > 0 && ru->item.len &&
			    capped(ru, k, prefix[i], ru->item.data, ru->item.len, "", n, ROLLUP_TLS_FIELDS) < 0)
				return -1;
		}
	}
}

/* What one TLS record (one policy of a report) adds, to the day of its begin and its policy domain. */
static int
tls_ops(struct rollup *ru, const struct entry *e)
{
	const char *org, *begin, *end, *domain, *ok, *failed;
	size_t orgl, beginl, endl, domainl, okl, failedl, dl, at = 0;
	char d[256], day[ISO8601_LEN + 1], dd[300];
	int64_t b, t;
	unsigned k, kday;
	int rc = 0;

	org = entry_get_next(e, "org_name", &orgl, &at);
	begin = entry_get_next(e, "begin", &beginl, &at);
	end = entry_get_next(e, "end", &endl, &at);
	domain = entry_get_next(e, "policy_domain", &domainl, &at);
	ok = entry_get_next(e, "successful_sessions", &okl, &at);
	failed = entry_get_next(e, "failed_sessions", &failedl, &at);
	if (!(dl = lower_domain(domain, domainl, d)) || !rollup_domain_ok(ru->conf, d, dl) ||
	    iso_time(begin, beginl, &b) < 0)
		return 0;
	if (iso_time(end, endl, &t) < 0)
		t = b;
	iso8601_utc(b / 86400 * 86400, day);
	day[10] = '\0';
	snprintf(dd, sizeof dd, "%s:%s", day, d);
	k = key(ru, "hash", "tls:", dd, NULL);
	kday = key(ru, "set", "tls:", day, NULL);
	rc |= add(ru, (struct rop){ .op = 'Z', .key = key(ru, "zset", "tls:days", NULL, NULL),
				    .field = text(&ru->text, NULL, day, 10), .n = b / 86400 });
	rc |= add(ru, (struct rop){ .op = 'A', .key = key(ru, "set", "tls:domains", NULL, NULL),
				    .field = text(&ru->text, NULL, d, dl) });
	rc |= add(ru, (struct rop){ .op = 'A', .key = kday, .field = text(&ru->text, NULL, d, dl) });
	rc |= add(ru, (struct rop){ .op = 'I', .key = k, .field = text(&ru->text, "successful", NULL, 0),
				    .n = (long long)number(ok, okl, 0) });
	rc |= add(ru, (struct rop){ .op = 'I', .key = k, .field = text(&ru->text, "failed", NULL, 0),
				    .n = (long long)number(failed, failedl, 0) });
	if (org && orgl && !memchr(org, '\0', orgl))
		rc |= add(ru, (struct rop){ .op = 'M', .key = k, .field = text(&ru->text, "reporter:", org, orgl), .n = t,
					    .v1 = ROLLUP_TLS_FIELDS + ROLLUP_REPORTERS_MAX });
	if (rc || tls_detail_ops(ru, k, e, &at) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ combining */

static int
rop_cmp(const void *a, const void *b, void *arg)
{
	const struct rop *x = a, *y = b;
	const struct buf *text = arg;
	int c;

	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	if ((c = strcmp(text->data + x->field, text->data + y->field)))
		return c;
	if (x->op == 'U' && x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return 0;
}

/* Equal operations as one: sums, the newest time, the first day (and the worst class of it). */
static void
combine(struct rollup *ru)
{
	size_t i, k = 0;

	if (!ru->nops)
		return;
	qsort_r(ru->ops, ru->nops, sizeof *ru->ops, rop_cmp, &ru->text);
	for (i = 1; i < ru->nops; i++) {
		struct rop *a = &ru->ops[k], *b = &ru->ops[i];

		if (rop_cmp(a, b, &ru->text)) {
			ru->ops[++k] = *b;
			continue;
		}
		switch (a->op) {
		case 'I':
		case 'C':
		case 'U':
			a->n += b->n;
			break;
		case 'M':
		case 'T':
			if (b->n > a->n)
				*a = *b;
			break;
		case 'F':
			if (b->n < a->n || (b->n == a->n && b->cls > a->cls))
				*a = *b;
			break;
		default:	/* A, Z: the same either way */
			break;
		}
	}
	ru->nops = k + 1;
}

static int
word(struct rollup *ru, const char *s)
{
	ru->nwords++;
	return buf_puts(&ru->words, s) < 0 || buf_putc(&ru->words, '\0') < 0 ? -1 : 0;
}

static int
word_n(struct rollup *ru, long long n)
{
	char s[24];

	snprintf(s, sizeof s, "%lld", n);
	return word(ru, s);
}

/* What is known of a source, as the columns after its counts (rollup.h): source_values() but the class. */
static int
source_text(struct rollup *ru, const struct source_info *si)
{
	const char *v[SOURCE_COLUMNS];
	char num[12];
	size_t i;

	source_values(si, v, num);
	for (i = 0; i < ROLLUP_SOURCE_FIELDS; i++) {
		const char *p;

		if (i && buf_putc(&ru->words, '\t') < 0)
			return -1;
		for (p = v[i] ? v[i] : ""; *p; p++)
			if (buf_putc(&ru->words, *p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p) < 0)
				return -1;
	}
	ru->nwords++;
	return buf_putc(&ru->words, '\0');
}

static int
emit(struct rollup *ru, const struct rop *o)
{
	const struct conf *c = ru->conf;
	const char *f = ru->text.data + o->field;
	char day[ISO8601_LEN + 1], s[2] = { o->op, '\0' };
	int rc = word(ru, s) | word_n(ru, o->key);

	if (o->op == 'Z')	/* sorted set, score, member */
		return rc | word_n(ru, o->n) | word(ru, f);
	rc |= word(ru, f);
	switch (o->op) {
	case 'I':
		return rc | word_n(ru, o->n);
	case 'C':
		return rc | word_n(ru, o->n) | word_n(ru, o->v1) | word(ru, ru->text.data + o->aux);
	case 'M':	/* fields: v1, or the reporters' bound (the metric's for its gauge) */
		return rc | word_n(ru, o->n) |
		       word_n(ru, o->v1 ? o->v1
				  : o->key == metric_key(ru, M_REPORTER_LAST) ? c->metrics_max_series : ROLLUP_REPORTERS_MAX + 32);
	case 'T':
		if (o->vkey)
			return rc | word_n(ru, o->n) | word_n(ru, c->rollup_max_sources) | word(ru, "1") |
			       word_n(ru, o->vkey) | word(ru, ru->text.data + o->aux);
		return rc | word_n(ru, o->n) | word_n(ru, c->metrics_max_series) | word(ru, "2") |
		       word_n(ru, metric_key(ru, M_POLICY)) | word_n(ru, o->v1) | word_n(ru, metric_key(ru, M_POLICY_PCT)) |
		       word_n(ru, o->v2);
	case 'F': {
		size_t l = ru->labels.len;
		const char *cls = class_name(o->cls), *from = ru->text.data + o->aux;

		iso8601_utc(o->n * 86400, day);
		day[10] = '\0';
		rc |= word(ru, day) | word_n(ru, (long long)c->rollup_max_sources * ROLLUP_FIRSTSEEN_FACTOR);
		if (!o->counted)	/* base domains and services: recorded, not counted */
			return rc | word(ru, "0") | word(ru, "") | word(ru, "");
		/* New addresses count in dmarc_new_sources_total. */
		if (prom_label(&ru->labels, "from_domain", from, strlen(from), 0) < 0 ||
		    prom_label(&ru->labels, "source_class", cls, strlen(cls), 1) < 0 || buf_putc(&ru->labels, '\0') < 0)
			return -1;
		return rc | word_n(ru, metric_key(ru, M_NEW_SOURCES)) | word(ru, ru->labels.data + l) |
		       word(ru, metric_defs[M_NEW_SOURCES].overflow);
	}
	case 'U':
		return rc | word_n(ru, o->cls) | word_n(ru, o->n) | word_n(ru, c->rollup_max_sources) | word(ru, "other") |
		       source_text(ru, &ru->si[o->entry]);
	default:	/* A: set, member */
		return rc;
	}
}

int
rollup_build(struct rollup *ru, const struct entries *es, const struct source_info *si, struct ack_counters *cn)
{
	size_t i;

	buf_reset(&ru->text);
	buf_reset(&ru->keytext);
	buf_reset(&ru->words);
	buf_reset(&ru->labels);
	ru->nkeys = ru->nops = ru->nwords = ru->nincr = 0;
	ru->si = si;
	ru->memo_dd[0] = '\0';
	ru->kdays = ru->kdomains = ru->kweeks = 0;
	memset(ru->kmetric, 0, sizeof ru->kmetric);
	for (i = 0; i < es->n; i++) {
		if (!es->v[i].fields)
			continue;
		if (es->kind == &tlsrpt_schema ? tls_ops(ru, &es->v[i]) < 0 : record_ops(ru, &es->v[i], &si[i], i) < 0)
			return -1;
	}
	combine(ru);
	for (i = 0; i < ru->nops; i++)
		if (emit(ru, &ru->ops[i]) < 0)
			return -1;
	free(ru->keys);
	if (!(ru->keys = calloc(ru->nkeys ? ru->nkeys : 1, sizeof *ru->keys)))
		return -1;
	for (i = 0; i < ru->nkeys; i++)
		ru->keys[i] = ru->keytext.data + ru->keyoff[i];
	ru->aops = (struct ack_ops){ ru->keys, ru->types, ru->nkeys, ru->words.data, ru->nwords };
	*cn = (struct ack_counters){ (const char *const *)&ru->metric_keys[M_SOURCE_MESSAGES], ru->overflow, 1,
				     ru->conf->metrics_max_series, ru->labels.data, ru->incr, ru->nincr,
				     ru->nwords ? &ru->aops : NULL };
	return 0;
}

/* ------------------------------------------------------------ pruning */

enum dp_status
rollup_prune(struct rollup *ru, struct redis *r, size_t *removed, struct dp_error *err)
{
	const struct conf *c = ru->conf;
	char days[300], weeks[300], tls_days[300], keep[16];
	const char *argv[] = { NULL, NULL, "3", days, weeks, tls_days, c->key_prefix, keep };
	size_t lens[8];
	redisReply *reply;
	enum dp_status rc;
	int i;

	*removed = 0;
	snprintf(days, sizeof days, "{%s}:rollup:days", c->key_prefix);
	snprintf(weeks, sizeof weeks, "{%s}:rollup:weeks", c->key_prefix);
	snprintf(tls_days, sizeof tls_days, "{%s}:tls:days", c->key_prefix);
	snprintf(keep, sizeof keep, "%u", c->rollup_days);
	for (i = 2; i < 8; i++)
		lens[i] = strlen(argv[i]);
	if (!(reply = script_run(r, &ru->prune, 8, argv, lens, "deleting old rollups", err)))
		return DP_TEMPFAIL;
	if (reply->type == REDIS_REPLY_INTEGER) {
		*removed = (size_t)reply->integer;
		rc = DP_OK;
	} else
		rc = redis_reply_fail(r, reply, "deleting old rollups", err);
	freeReplyObject(reply);
	return rc;
}

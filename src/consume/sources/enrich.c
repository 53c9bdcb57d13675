/* enrich.c - a batch's sources looked up and classified; see enrich.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dnscache.h"
#include "domain.h"
#include "enrich.h"
#include "fields.h"
#include "log.h"

/* Passing DKIM domains looked at per record: more is a report padding its records. */
#define DKIM_PASS_MAX 8

const char *const source_columns[SOURCE_COLUMNS] = {
	"source_rdns", "source_rdns_confirmed", "source_base_domain", "source_country", "source_asn",
	"source_as_org", "source_service", "source_service_type", "source_approved", "source_class",
};
const bool source_column_numeric[SOURCE_COLUMNS] = { [4] = true };

struct enricher {
	const struct sources *sources;
	struct rdns *rdns;		/* owned; NULL when dns_lookups = no */
	struct source_addr *addrs;	/* owned: the batch's distinct addresses */
	size_t naddrs, addrs_cap;
	struct rdns_query *ask;		/* owned: those the cache lacked */
	bool *hit;			/* owned */
	size_t *of_entry;		/* owned: per entry, its address's index (SIZE_MAX: none) */
	struct source_info *out;	/* owned */
	size_t cap;			/* of ask, hit, of_entry (entries) and out */
	unsigned inflight_max;
	struct buf item, scratch;
};

struct enricher *
enricher_new(const struct sources *s, char *err, size_t errlen)
{
	struct enricher *en = calloc(1, sizeof *en);

	if (!en) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	en->sources = s;
	if (s->conf->dns_lookups &&
	    !(en->rdns = rdns_new(s->conf->dns_servers, s->conf->dns_timeout_ms, err, errlen))) {
		free(en);
		return NULL;
	}
	return en;
}

void
enricher_free(struct enricher *en)
{
	if (!en)
		return;
	rdns_free(en->rdns);
	free(en->addrs);
	free(en->ask);
	free(en->hit);
	free(en->of_entry);
	free(en->out);
	buf_free(&en->item);
	buf_free(&en->scratch);
	free(en);
}

unsigned
enricher_inflight_max(const struct enricher *en)
{
	return en->inflight_max;
}

static int
reserve(struct enricher *en, size_t n)
{
	if (n <= en->cap)
		return 0;
	free(en->ask);
	free(en->hit);
	free(en->of_entry);
	free(en->out);
	free(en->addrs);
	en->ask = calloc(n, sizeof *en->ask);
	en->hit = calloc(n, sizeof *en->hit);
	en->of_entry = calloc(n, sizeof *en->of_entry);
	en->out = calloc(n, sizeof *en->out);
	en->addrs = calloc(n, sizeof *en->addrs);
	en->cap = en->ask && en->hit && en->of_entry && en->out && en->addrs ? n : 0;
	return en->cap ? 0 : -1;
}

/* Entries by address, so equal ones are neighbours; ties keep entry order. */
struct by_addr {
	const char *addr;
	size_t len, entry;
};

static int
by_addr_cmp(const void *a, const void *b)
{
	const struct by_addr *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->addr, y->addr, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The batch's distinct addresses into en->addrs, and each entry's index. */
static int
collect(struct enricher *en, const struct entries *es)
{
	struct by_addr *v = calloc(es->n ? es->n : 1, sizeof *v);
	size_t i, n = 0;

	if (!v)
		return -1;
	for (i = 0; i < es->n; i++) {
		size_t len, at = 0;
		const char *a = es->v[i].fields ? entry_get_next(&es->v[i], "source_ip", &len, &at) : NULL;

		en->of_entry[i] = SIZE_MAX;
		if (a && len && len < RDNS_ADDR_MAX)
			v[n++] = (struct by_addr){ a, len, i };
	}
	qsort(v, n, sizeof *v, by_addr_cmp);
	en->naddrs = 0;
	for (i = 0; i < n; i++) {
		struct source_addr *sa;

		if (i == 0 || v[i].len != v[i - 1].len || memcmp(v[i].addr, v[i - 1].addr, v[i].len)) {
			sa = &en->addrs[en->naddrs++];
			memset(sa, 0, sizeof *sa);
			memcpy(sa->dns.addr, v[i].addr, v[i].len);
			sa->dns.addr[v[i].len] = '\0';
		}
		en->of_entry[v[i].entry] = en->naddrs - 1;
	}
	free(v);
	return 0;
}

/* Names of the addresses: the cache, then the DNS for what it lacks, then the cache again. */
static enum dp_status
resolve(struct enricher *en, struct redis *r, struct dp_error *err)
{
	const struct conf *c = en->sources->conf;
	size_t i, nask = 0, unresolved = 0;
	unsigned inflight = 0;
	struct timespec t0, t1;
	long long waited;

	if (!en->rdns) {
		for (i = 0; i < en->naddrs; i++)
			en->addrs[i].dns.state = RDNS_OFF;
		return DP_OK;
	}
	for (i = 0; i < en->naddrs; i++)
		en->ask[i] = en->addrs[i].dns;
	if (dnscache_get(r, c, en->ask, en->naddrs, en->hit, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < en->naddrs; i++)
		if (en->hit[i])
			en->addrs[i].dns = en->ask[i];
	for (i = 0; i < en->naddrs; i++)
		if (!en->hit[i])
			en->ask[nask++] = en->addrs[i].dns;
	if (nask == 0)
		return DP_OK;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rdns_resolve(en->rdns, en->ask, nask, &inflight);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	waited = (t1.tv_sec - t0.tv_sec) * 1000LL + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (inflight > en->inflight_max)
		en->inflight_max = inflight;
	for (i = 0; i < nask; i++)
		unresolved += en->ask[i].state == RDNS_UNRESOLVED;
	if (unresolved)
		log_info("event=dns asked=%zu unresolved=%zu waited_ms=%lld in_flight=%u reason=\"no answer within "
			 "dns_timeout_ms (%u) or a DNS error: those sources say unresolved, asked again in %u s\"", nask,
			 unresolved, waited, inflight, c->dns_timeout_ms, DNSCACHE_UNRESOLVED_SECONDS);
	else
		log_debug("event=dns asked=%zu waited_ms=%lld in_flight=%u", nask, waited, inflight);
	for (i = 0, nask = 0; i < en->naddrs; i++)
		if (!en->hit[i])
			en->addrs[i].dns = en->ask[nask++];
	return dnscache_put(r, c, en->ask, nask, err);
}

/* What an address alone says: its base domain, country and AS, and the service they name. */
static void
describe(const struct sources *s, struct source_addr *sa)
{
	if (sa->dns.state == RDNS_CONFIRMED) {
		sources_base_domain(s, sa->dns.name, strlen(sa->dns.name), sa->base, sizeof sa->base);
		sa->by_ptr = services_by_domain(s->services, 1, sa->dns.name, strlen(sa->dns.name));
	}
	geo_lookup(s->geo, sa->dns.addr, &sa->geo);
	sa->by_asn = services_by_asn(s->services, sa->geo.asn);
}

static bool
is_pass(const char *v, size_t len)
{
	return v && len == 4 && !strncasecmp(v, "pass", 4);
}

/* One record: the facts of its auth results and reasons, its service, whether approved, its class. */
static int
judge(struct enricher *en, const struct entry *e, struct source_info *si)
{
	const struct sources *s = en->sources;
	struct class_facts f = { 0 };
	struct flat_items types, comments, domains, results;
	const char *pd, *ps, *rt, *rc, *hf, *dd, *dr, *sr;
	size_t pdl, psl_, rtl, rcl, hfl, ddl, drl, srl, at = 0, npass = 0, i;
	char pass_text[DKIM_PASS_MAX][256];
	const char *pass[DKIM_PASS_MAX];
	struct approved_facts af;
	int rcode;

	pd = entry_get_next(e, "policy_dkim", &pdl, &at);
	ps = entry_get_next(e, "policy_spf", &psl_, &at);
	rt = entry_get_next(e, "reason_types", &rtl, &at);
	rc = entry_get_next(e, "reason_comments", &rcl, &at);
	hf = entry_get_next(e, "header_from", &hfl, &at);
	dd = entry_get_next(e, "dkim_domains", &ddl, &at);
	dr = entry_get_next(e, "dkim_results", &drl, &at);
	sr = entry_get_next(e, "spf_results", &srl, &at);
	f.policy_pass = is_pass(pd, pdl) || is_pass(ps, psl_);
	/* Reasons: types and comments are aligned lists. */
	fields_items(&types, rt ? rt : "", rt ? rtl : 0);
	fields_items(&comments, rc ? rc : "", rc ? rcl : 0);
	while ((rcode = fields_item(&types, &en->item)) > 0) {
		if (fields_item(&comments, &en->scratch) < 0)
			return -1;
		if (class_forward_reason(en->item.data ? en->item.data : "", en->item.len,
					 en->scratch.data ? en->scratch.data : "", en->scratch.len))
			f.forward_reason = true;
	}
	if (rcode < 0)
		return -1;
	/* Passing DKIM signatures: their domains. */
	fields_items(&domains, dd ? dd : "", dd ? ddl : 0);
	fields_items(&results, dr ? dr : "", dr ? drl : 0);
	while ((rcode = fields_item(&domains, &en->item)) > 0) {
		if (fields_item(&results, &en->scratch) < 0)
			return -1;
		if (!is_pass(en->scratch.data, en->scratch.len) || npass == DKIM_PASS_MAX || en->item.len >= 256)
			continue;
		memcpy(pass_text[npass], en->item.data, en->item.len);
		pass_text[npass][en->item.len] = '\0';
		pass[npass] = pass_text[npass];
		npass++;
	}
	if (rcode < 0)
		return -1;
	fields_items(&results, sr ? sr : "", sr ? srl : 0);
	while ((rcode = fields_item(&results, &en->scratch)) > 0)
		f.spf_pass |= is_pass(en->scratch.data, en->scratch.len);
	if (rcode < 0)
		return -1;
	for (i = 0; hf && i < npass; i++)
		f.dkim_from_pass |= domain_within(pass[i], strlen(pass[i]), hf, hfl);
	/* Who: a confirmed name, else a passing signature, else the AS. */
	si->service = si->addr ? si->addr->by_ptr : NULL;
	for (i = 0; !si->service && i < npass; i++)
		si->service = services_by_domain(s->services, 0, pass[i], strlen(pass[i]));
	if (!si->service && si->addr)
		si->service = si->addr->by_asn;
	af = (struct approved_facts){ si->addr ? si->addr->dns.addr : NULL, si->service, pass, npass };
	si->approved = hf && approved_match(s->approved, hf, hfl, &af);
	f.forwarder = si->service && !strcmp(si->service->type, "forwarder");
	f.approved = si->approved;
	f.service = si->service != NULL;
	si->cls = classify(&f);
	return 0;
}

enum dp_status
enrich_entries(struct enricher *en, struct redis *r, const struct entries *es, struct source_info **out,
	       struct dp_error *err)
{
	size_t i;

	if (reserve(en, es->n ? es->n : 1) < 0 || collect(en, es) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if (resolve(en, r, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < en->naddrs; i++)
		describe(en->sources, &en->addrs[i]);
	for (i = 0; i < es->n; i++) {
		struct source_info *si = &en->out[i];

		memset(si, 0, sizeof *si);
		si->addr = en->of_entry[i] == SIZE_MAX ? NULL : &en->addrs[en->of_entry[i]];
		if (es->v[i].fields && judge(en, &es->v[i], si) < 0)
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	*out = en->out;
	return DP_OK;
}

void
source_values(const struct source_info *si, const char *v[SOURCE_COLUMNS], char num[12])
{
	const struct source_addr *a = si->addr;

	memset(v, 0, SOURCE_COLUMNS * sizeof *v);
	if (a) {
		v[0] = a->dns.name[0] ? a->dns.name : NULL;
		v[1] = rdns_state_word(a->dns.state);
		v[2] = a->base[0] ? a->base : NULL;
		v[3] = a->geo.country[0] ? a->geo.country : NULL;
		if (a->geo.asn) {
			snprintf(num, 12, "%u", a->geo.asn);
			v[4] = num;
		}
		v[5] = a->geo.as_org[0] ? a->geo.as_org : NULL;
	}
	v[6] = si->service ? si->service->name : NULL;
	v[7] = si->service ? si->service->type : NULL;
	v[8] = si->approved ? "yes" : "no";
	v[9] = class_name(si->cls);
}

/* approved.c - the approved-senders file and its matching; see approved.h. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "approved.h"
#include "cidr.h"
#include "domain.h"
#include "grow.h"

struct rule {
	char *domain;		/* owned */
	struct cidr *nets;	/* owned */
	size_t nnets, nets_cap;
	const struct service **services;	/* owned array; the services are the table's */
	size_t nservices, services_cap;
	char **dkim;		/* owned */
	size_t ndkim, dkim_cap;
};

struct approved {
	struct rule *v;		/* owned */
	size_t n, cap;
};

static void
rule_free(struct rule *r)
{
	size_t i;

	free(r->domain);
	free(r->nets);
	free(r->services);
	for (i = 0; i < r->ndkim; i++)
		free(r->dkim[i]);
	free(r->dkim);
}

void
approved_free(struct approved *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		rule_free(&a->v[i]);
	free(a->v);
	free(a);
}

static int
parse_line(struct rule *r, char *line, const struct services *services, char *why, size_t whylen)
{
	char *tok, *save = NULL;

	if (!(tok = strtok_r(line, " \t", &save)))
		return 0;
	if (domain_list_check(tok, why, whylen) < 0 || strchr(tok, ',')) {
		snprintf(why, whylen, "\"%.80s\" is no domain name", tok);
		return -1;
	}
	if (!(r->domain = strdup(tok)))
		return -1;
	while ((tok = strtok_r(NULL, " \t", &save))) {
		if (!strncasecmp(tok, "service:", 8)) {
			const struct service *sv = services_by_name(services, tok + 8);

			if (!sv) {
				snprintf(why, whylen, "no service \"%.64s\" in the services table", tok + 8);
				return -1;
			}
			if (grow((void **)&r->services, &r->services_cap, r->nservices, sizeof *r->services, 4) < 0)
				return -1;
			r->services[r->nservices++] = sv;
		} else if (!strncasecmp(tok, "dkim:", 5)) {
			if (domain_list_check(tok + 5, why, whylen) < 0 || !tok[5] || strchr(tok + 5, ',')) {
				snprintf(why, whylen, "\"%.80s\" is no domain name", tok + 5);
				return -1;
			}
			if (grow((void **)&r->dkim, &r->dkim_cap, r->ndkim, sizeof *r->dkim, 4) < 0 || !(r->dkim[r->ndkim] = strdup(tok + 5)))
				return -1;
			r->ndkim++;
		} else {
			if (grow((void **)&r->nets, &r->nets_cap, r->nnets, sizeof *r->nets, 4) < 0)
				return -1;
			if (cidr_parse(tok, &r->nets[r->nnets]) < 0) {
				snprintf(why, whylen, "\"%.80s\" is no address, network, service:NAME or dkim:DOMAIN", tok);
				return -1;
			}
			r->nnets++;
		}
	}
	return 1;
}

struct approved *
approved_load(const char *path, const struct services *services, char *err, size_t errlen)
{
	struct approved *a = calloc(1, sizeof *a);
	FILE *f = fopen(path, "r");
	char *line = NULL, why[200];
	size_t cap = 0, lineno = 0, i;
	ssize_t len;

	if (!a || !f) {
		snprintf(err, errlen, "%s: %s", path, strerror(a ? errno : ENOMEM));
		goto fail;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *hash = strchr(line, '#');
		struct rule r = { 0 };
		int rc;

		lineno++;
		if (hash)
			*hash = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		why[0] = '\0';
		if ((rc = parse_line(&r, line, services, why, sizeof why)) <= 0) {
			rule_free(&r);
			if (rc == 0)
				continue;
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, why[0] ? why : strerror(ENOMEM));
			goto fail;
		}
		for (i = 0; i < a->n; i++)
			if (!strcasecmp(a->v[i].domain, r.domain)) {
				snprintf(err, errlen, "%s:%zu: %s has a line already", path, lineno, r.domain);
				rule_free(&r);
				goto fail;
			}
		if (grow((void **)&a->v, &a->cap, a->n, sizeof *a->v, 8) < 0) {
			rule_free(&r);
			snprintf(err, errlen, "%s", strerror(ENOMEM));
			goto fail;
		}
		a->v[a->n++] = r;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	fclose(f);
	return a;
fail:
	free(line);
	if (f)
		fclose(f);
	approved_free(a);
	return NULL;
}

/* The line for from_domain: its own, else its nearest parent's. */
static const struct rule *
rule_for(const struct approved *a, const char *d, size_t len)
{
	const struct rule *best = NULL;
	size_t i, best_len = 0;

	for (i = 0; i < a->n; i++) {
		size_t l = strlen(a->v[i].domain);

		if (l > best_len && domain_within(d, len, a->v[i].domain, l)) {
			best = &a->v[i];
			best_len = l;
		}
	}
	return best;
}

bool
approved_match(const struct approved *a, const char *from_domain, size_t len, const struct approved_facts *f)
{
	const struct rule *r;
	unsigned char addr[16];
	size_t i, j;

	if (!a || !(r = rule_for(a, from_domain, len)))
		return false;
	if (r->nnets && f->addr && cidr_addr(f->addr, strlen(f->addr), addr) == 0)
		for (i = 0; i < r->nnets; i++)
			if (cidr_has(&r->nets[i], addr))
				return true;
	for (i = 0; f->service && i < r->nservices; i++)
		if (r->services[i] == f->service)
			return true;
	for (i = 0; i < r->ndkim; i++)
		for (j = 0; j < f->ndkim_pass; j++)
			if (domain_within(f->dkim_pass[j], strlen(f->dkim_pass[j]), r->dkim[i], strlen(r->dkim[i])))
				return true;
	return false;
}

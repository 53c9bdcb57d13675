/* services.c - the sending-service table and its look-ups; see services.h. */
#include "config.h"

#include <ctype.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "services.h"
#include "strtab.h"

/* A match key, "p:<domain>", "d:<domain>" or "a:<asn>", interned; which service it names. */
struct match {
	uint32_t key;		/* strtab id */
	size_t service;		/* index into v */
};

struct services {
	struct service *v;	/* owned */
	size_t n, cap;
	struct strtab keys;
	struct match *m;	/* owned; sorted by key */
	size_t nm, mcap;
};

size_t
services_count(const struct services *s)
{
	return s ? s->n : 0;
}

void
services_free(struct services *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		free(s->v[i].type);
	}
	free(s->v);
	free(s->m);
	strtab_free(&s->keys);
	free(s);
}

static ssize_t
find_name(const struct services *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcasecmp(s->v[i].name, name))
			return (ssize_t)i;
	return -1;
}

/* The lower-cased key "<c>:<value>" into out (room for 300 bytes); -1 when value is no valid key. */
static int
match_key(char c, const char *value, char *out)
{
	size_t len = strlen(value), i;

	if (len == 0 || len > 253)
		return -1;
	out[0] = c;
	out[1] = ':';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)value[i];

		if (c == 'a' ? !isdigit(ch) : !(isalnum(ch) || ch == '-' || ch == '.' || ch == '_'))
			return -1;
		out[2 + i] = (char)tolower(ch);
	}
	if (c != 'a' && out[2 + len - 1] == '.')
		len--;
	out[2 + len] = '\0';
	return 0;
}

static int
add_match(struct services *s, const char *key, size_t service)
{
	uint32_t id;
	size_t i;

	if (strtab_intern(&s->keys, key, strlen(key), &id) < 0)
		return -1;
	for (i = 0; i < s->nm; i++)
		if (s->m[i].key == id) {	/* a later entry (the operator's) takes the key over */
			s->m[i].service = service;
			return 0;
		}
	if (grow((void **)&s->m, &s->mcap, s->nm, sizeof *s->m, 256) < 0)
		return -1;
	s->m[s->nm++] = (struct match){ id, service };
	return 0;
}

/* Drop every match of service i: an operator's entry replaces the table's whole. */
static void
drop_matches(struct services *s, size_t i)
{
	size_t j, k;

	for (j = k = 0; j < s->nm; j++)
		if (s->m[j].service != i)
			s->m[k++] = s->m[j];
	s->nm = k;
}

static bool
type_known(const char *t)
{
	static const char types[] = SERVICE_TYPES;
	const char *p = types;
	size_t len = strlen(t);

	if (len == 0)
		return false;
	while ((p = strstr(p, t))) {
		if ((p == types || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

/* One line: name TAB type TAB matches TAB source (the last is for people).  0, -1 with why. */
static int
parse_line(struct services *s, char *line, char *why, size_t whylen)
{
	char *name, *type, *matches, *tok, *save = NULL, key[300];
	ssize_t at;
	size_t i;

	name = strsep(&line, "\t");
	type = line ? strsep(&line, "\t") : NULL;
	matches = line ? strsep(&line, "\t") : NULL;
	if (!type || !matches) {
		snprintf(why, whylen, "expected name, type, matches and source, separated by tabs");
		return -1;
	}
	for (i = 0; name[i]; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("-_.+", name[i])) {
			snprintf(why, whylen, "a service name is one word of letters, digits and -_.+");
			return -1;
		}
	if (!*name || i > 64) {
		snprintf(why, whylen, "a service name is 1 to 64 characters");
		return -1;
	}
	if (!type_known(type)) {
		snprintf(why, whylen, "type \"%.40s\" is none of: %s", type, SERVICE_TYPES);
		return -1;
	}
	if ((at = find_name(s, name)) >= 0) {
		free(s->v[at].type);
		if (!(s->v[at].type = strdup(type)))
			return -1;
		drop_matches(s, (size_t)at);
	} else {
		if (grow((void **)&s->v, &s->cap, s->n, sizeof *s->v, 64) < 0)
			return -1;
		s->v[s->n].name = strdup(name);
		s->v[s->n].type = strdup(type);
		if (!s->v[s->n].name || !s->v[s->n].type) {
			free(s->v[s->n].name);
			free(s->v[s->n].type);
			return -1;
		}
		at = (ssize_t)s->n++;
	}
	for (tok = strtok_r(matches, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
		char c = !strncmp(tok, "ptr:", 4) ? 'p' : !strncmp(tok, "dkim:", 5) ? 'd' : !strncmp(tok, "asn:", 4) ? 'a' : 0;

		if (!c || match_key(c, strchr(tok, ':') + 1, key) < 0) {
			snprintf(why, whylen, "\"%.60s\" is no ptr:DOMAIN, dkim:DOMAIN or asn:NUMBER", tok);
			return -1;
		}
		if (add_match(s, key, (size_t)at) < 0)
			return -1;
	}
	return 0;
}

static int
load_file(struct services *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, why[160];
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len || line[0] == '#')
			continue;
		why[0] = '\0';
		if (parse_line(s, line, why, sizeof why) < 0) {
			snprintf(err, errlen, "%s:%zu: %s", path, lineno, why[0] ? why : strerror(ENOMEM));
			rc = -1;
		}
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	free(line);
	fclose(f);
	return rc;
}

static int
match_cmp(const void *a, const void *b)
{
	const struct match *x = a, *y = b;

	return x->key < y->key ? -1 : x->key > y->key;
}

struct services *
services_load(const char *path, const char *extra, char *err, size_t errlen)
{
	struct services *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	s->keys = (struct strtab)STRTAB_INIT;
	if ((path && load_file(s, path, err, errlen) < 0) || (extra && load_file(s, extra, err, errlen) < 0)) {
		services_free(s);
		return NULL;
	}
	if (s->nm)
		qsort(s->m, s->nm, sizeof *s->m, match_cmp);
	return s;
}

static const struct service *
by_key(const struct services *s, const char *key, size_t len)
{
	uint32_t id = strtab_find(&s->keys, key, len);
	struct match want = { id, 0 }, *m;

	if (!id || !s->nm)
		return NULL;
	m = bsearch(&want, s->m, s->nm, sizeof *s->m, match_cmp);
	return m ? &s->v[m->service] : NULL;
}

const struct service *
services_by_domain(const struct services *s, int ptr, const char *name, size_t len)
{
	char key[2 + 254];
	const char *suffix = name;
	size_t i;

	if (!s || !s->nm || len == 0 || len > 253)
		return NULL;
	if (name[len - 1] == '.')
		len--;
	key[0] = ptr ? 'p' : 'd';
	key[1] = ':';
	/* The name, then each parent: the most specific entry wins. */
	while (len) {
		const struct service *sv;
		const char *dot;

		for (i = 0; i < len; i++)
			key[2 + i] = (char)tolower((unsigned char)suffix[i]);
		if ((sv = by_key(s, key, 2 + len)))
			return sv;
		if (!(dot = memchr(suffix, '.', len)))
			break;
		len -= (size_t)(dot + 1 - suffix);
		suffix = dot + 1;
	}
	return NULL;
}

const struct service *
services_by_asn(const struct services *s, uint32_t asn)
{
	char key[16];
	int len;

	if (!s || !asn)
		return NULL;
	len = snprintf(key, sizeof key, "a:%u", asn);
	return by_key(s, key, (size_t)len);
}

const struct service *
services_by_name(const struct services *s, const char *name)
{
	ssize_t i;

	if (!s || (i = find_name(s, name)) < 0)
		return NULL;
	return &s->v[i];
}

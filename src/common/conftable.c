/* conftable.c - reading "key = value" files into a settings struct; see conftable.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "conftable.h"

#define KB CONF_KB
#define MB CONF_MB
#define GB CONF_GB

static const struct { const char *name; int value; } facilities[] = {
	{ "mail", LOG_MAIL }, { "user", LOG_USER }, { "daemon", LOG_DAEMON },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

/* Parse an unsigned decimal with an optional k/M/G suffix (sizes only). */
static int
parse_number(const char *s, bool size, uint64_t *out)
{
	uint64_t v = 0, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (size && *s) {
		switch (*s++) {
		case 'k': case 'K': mult = KB; break;
		case 'm': case 'M': mult = MB; break;
		case 'g': case 'G': mult = GB; break;
		default: return -1;
		}
	}
	if (*s)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* Store VALUE for key K in settings; returns NULL or a static description of what is wrong. */
static const char *
conf_set(void *settings, const struct conf_key *k, const char *value)
{
	char *field = (char *)settings + k->offset;
	uint64_t n;
	size_t i;

	switch (k->type) {
	case CT_BOOL:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1"))
			*(bool *)field = true;
		else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0"))
			*(bool *)field = false;
		else
			return "expected yes or no";
		return NULL;
	case CT_STRING: {
		char **slot = (char **)field;
		char *copy = NULL;
		if (*value && !(copy = strdup(value)))
			return "out of memory";
		free(*slot);
		*slot = copy;
		return NULL;
	}
	case CT_UINT:
	case CT_SIZE:
		if (parse_number(value, k->type == CT_SIZE, &n) < 0)
			return k->type == CT_SIZE ? "expected a size such as 512, 64k, 16M or 1G"
						  : "expected a whole number";
		if (n < k->min || n > k->max)
			return "value out of range";
		if (k->type == CT_SIZE)
			*(uint64_t *)field = n;
		else
			*(unsigned *)field = (unsigned)n;
		return NULL;
	case CT_FACILITY:
		for (i = 0; i < sizeof facilities / sizeof facilities[0]; i++) {
			if (!strcasecmp(value, facilities[i].name)) {
				*(int *)field = facilities[i].value;
				return NULL;
			}
		}
		return "expected mail, user, daemon or local0 to local7";
	}
	return "internal error";
}

void
conftable_defaults(const struct conf_table *t, void *settings)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const char *why = conf_set(settings, &t->keys[i], t->keys[i].dflt);

		if (why) {
			fprintf(stderr, "bad default for %s: %s\n", t->keys[i].name, why);
			abort();
		}
	}
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* The key named key among the tables' (NULL-terminated), *index counting on from where it was; NULL when none. */
static const struct conf_key *
find_key(const struct conf_table *const *tables, const char *key, size_t *index)
{
	size_t i;

	for (; *tables; tables++) {
		for (i = 0; i < (*tables)->n; i++)
			if (!strcmp(key, (*tables)->keys[i].name)) {
				*index += i;
				return &(*tables)->keys[i];
			}
		*index += (*tables)->n;
	}
	return NULL;
}

static size_t
count_keys(const struct conf_table *const *tables)
{
	size_t n = 0;

	for (; tables && *tables; tables++)
		n += (*tables)->n;
	return n;
}

int
conftable_load(const struct conf_tables *t, void *settings, const char *path, bool missing_ok,
	       char *errbuf, size_t errlen)
{
	static const struct conf_table *const none[] = { NULL };
	const struct conf_table *const *accepted = t->accepted ? t->accepted : none;
	size_t nown = count_keys(t->own);
	unsigned char *seen;
	char line[4096];
	unsigned lineno = 0;
	FILE *fp;
	int rc = -1;

	if (!(fp = fopen(path, "r"))) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Which keys were set already, own then accepted: each may be set once. */
	if (!(seen = calloc(nown + count_keys(accepted) + 1, 1))) {
		snprintf(errbuf, errlen, "%s: out of memory", path);
		fclose(fp);
		return -1;
	}
	while (fgets(line, sizeof line, fp)) {
		const struct conf_key *k;
		char *key, *value, *eq;
		size_t index = 0;
		const char *why;

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(errbuf, errlen, "%s:%u: line too long", path, lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if (!(eq = strchr(key, '='))) {
			snprintf(errbuf, errlen, "%s:%u: expected key = value", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		if (!(k = find_key(t->own, key, &index)) && !(index = nown, find_key(accepted, key, &index))) {
			snprintf(errbuf, errlen, "%s:%u: unknown key '%.64s'", path, lineno, key);
			goto out;
		}
		if (seen[index]++) {
			snprintf(errbuf, errlen, "%s:%u: %s is set twice", path, lineno, key);
			goto out;
		}
		if (k && (why = conf_set(settings, k, value))) {
			snprintf(errbuf, errlen, "%s:%u: %s: %s", path, lineno, key, why);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	free(seen);
	fclose(fp);
	return rc;
}

void
conftable_free(const struct conf_table *t, void *settings)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->keys[i].type == CT_STRING) {
			char **slot = (char **)((char *)settings + t->keys[i].offset);

			free(*slot);
			*slot = NULL;
		}
}

void
conftable_print(const struct conf_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		printf("  %-18s = %-10s  # %s\n", t->keys[i].name, t->keys[i].dflt, t->keys[i].help);
}

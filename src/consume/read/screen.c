/* screen.c - checking stream entries against their kind's schema; see screen.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "fields.h"
#include "normalize.h"
#include "screen.h"

static int
add(struct screen *s, const char *key, enum screen_type type)
{
	if (s->n == SCREEN_FIELDS_MAX)
		return -1;
	s->keys[s->n] = key;
	s->lens[s->n] = strlen(key);
	s->types[s->n++] = type;
	return 0;
}

static int
describe_one(void *arg, const struct field_desc *d)
{
	struct screen *s = arg;
	size_t i;

	switch (d->type) {
	case FIELD_TYPE_UINT:
		return add(s, d->key, SCREEN_NUMBER);
	case FIELD_TYPE_TABLE:
		for (i = 0; i < d->ncols; i++)
			if (add(s, d->cols[i].flat_key, d->cols[i].type == COLUMN_COUNT ? SCREEN_NUMBERS : SCREEN_TEXT) < 0)
				return -1;
		return 0;
	default:
		return add(s, d->key, SCREEN_TEXT);
	}
}

int
screen_init(struct screen *s, const struct kind_schema *k)
{
	struct fields f;

	memset(s, 0, sizeof *s);
	s->kind = k;
	s->kind_len = strlen(k->name);
	fields_describe(&f, describe_one, s);
	k->describe(&f);
	return fields_done(&f) ? -1 : 0;
}

/* Decimal digits, no more than 2^53 - 1 (16 digits at most, no sign, no space). */
static bool
is_number(const char *v, size_t len)
{
	unsigned long long n = 0;
	size_t i;

	if (len == 0 || len > 16)
		return false;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		n = n * 10 + (unsigned)(v[i] - '0');
	}
	return n <= NORM_COUNT_MAX;
}

static bool
is_numbers(const char *v, size_t len)
{
	size_t start = 0, i;

	for (i = 0; i <= len; i++)
		if (i == len || v[i] == ',') {
			if (i > start && !is_number(v + start, i - start))
				return false;
			start = i + 1;
		}
	return true;
}

static bool
is_utf8(const char *v, size_t len)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t i = 0, k;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_seq_len(p + i, len - i)))
			return false;
		i += k;
	}
	return true;
}

static bool
is_rid(const char *v, size_t len)
{
	size_t i;

	if (len != 32)
		return false;
	for (i = 0; i < len; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

static void
name(char *detail, size_t len, const char *key, size_t keylen)
{
	if (detail && len)
		snprintf(detail, len, "%.*s", (int)(keylen < 64 ? keylen : 64), key);
}

const char *
screen_entry(const struct screen *s, const struct entry *e, char *detail, size_t len)
{
	bool rid = false, ord = false, kind = false;
	size_t i, at = 0;

	if (detail && len)
		*detail = '\0';
	if (!e->fields)
		return NULL;
	for (i = 0; i + 1 < e->fields->elements; i += 2) {
		const redisReply *k = e->fields->element[i], *v = e->fields->element[i + 1];
		size_t j, tries;

		if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			return "bad text";	/* RESP2 streams hold strings only: a reply we do not understand */
		if (k->len == 3 && !memcmp(k->str, "rid", 3)) {
			if (!is_rid(v->str, v->len))
				return "bad rid";
			rid = true;
			continue;
		}
		if (k->len == 3 && !memcmp(k->str, "ord", 3)) {
			if (!is_number(v->str, v->len))
				return "bad ord";
			ord = true;
			continue;
		}
		if (k->len == 4 && !memcmp(k->str, "kind", 4)) {
			if (s->kind_len != v->len || memcmp(v->str, s->kind->name, v->len))
				return "wrong kind";
			kind = true;
			continue;
		}
		/* Fields come in schema order: the search goes on from the last one found. */
		for (j = at, tries = 0; tries < s->n; tries++, j = j + 1 == s->n ? 0 : j + 1)
			if (s->lens[j] == k->len && !memcmp(s->keys[j], k->str, k->len))
				break;
		if (tries == s->n)
			continue;	/* a field this schema does not know: not ours to judge */
		at = j + 1 == s->n ? 0 : j + 1;
		if (s->types[j] == SCREEN_NUMBER ? !is_number(v->str, v->len)
		    : s->types[j] == SCREEN_NUMBERS ? !is_numbers(v->str, v->len) : !is_utf8(v->str, v->len)) {
			name(detail, len, k->str, k->len);
			return s->types[j] == SCREEN_TEXT ? "bad text" : "bad number";
		}
	}
	if (!rid)
		return "no rid";
	if (!ord)
		return "no ord";
	if (!kind)
		return "wrong kind";
	return NULL;
}

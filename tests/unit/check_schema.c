/*
 * Unit tests: the kinds' schemas (schema.h) and the describing writer
 * (fields.h) that dmarc-consume lays records out by.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"
#include "schema.h"
#include "testlib.h"
#include "unit.h"

/* The flat keys a description allows, in order. */
struct keys {
	const char *v[200];
	size_t n;
};

static int
collect(void *arg, const struct field_desc *d)
{
	struct keys *k = arg;
	size_t i;

	ck_assert_ptr_nonnull(d->key);
	ck_assert_uint_eq(d->member_len, strlen(d->member));
	if (d->type != FIELD_TYPE_TABLE) {
		k->v[k->n++] = d->key;
		return 0;
	}
	ck_assert_uint_gt(d->ncols, 0);
	for (i = 0; i < d->ncols; i++)
		k->v[k->n++] = d->cols[i].flat_key;
	return 0;
}

static void
describe(const struct kind_schema *s, struct keys *k)
{
	struct fields f;

	k->n = 0;
	fields_describe(&f, collect, k);
	s->describe(&f);
	ck_assert_int_eq(fields_done(&f), 0);
}

START_TEST(registry_matches_the_kinds)
{
	size_t i;

	for (i = 0; kinds[i]; i++) {
		ck_assert_ptr_nonnull(kind_schemas[i]);
		ck_assert_str_eq(kinds[i]->name, kind_schemas[i]->name);
		ck_assert_str_eq(kinds[i]->stream, kind_schemas[i]->stream);
		ck_assert_ptr_eq(kind_schema_for_stream(kinds[i]->stream), kind_schemas[i]);
	}
	ck_assert_ptr_null(kind_schemas[i]);
	ck_assert_ptr_null(kind_schema_for_stream("nope"));
}
END_TEST

/* Checks that each flat key a record writes is described, in the description's order. */
struct order {
	const struct keys *k;
	size_t at;	/* index in k of the last key seen */
	unsigned seen;
};

static int
in_order(void *arg, const char *key, const char *value, size_t len, bool number)
{
	struct order *o = arg;
	size_t i;

	(void)value, (void)len, (void)number;
	if (!strcmp(key, "rid") || !strcmp(key, "ord") || !strcmp(key, "kind"))
		return 0;	/* every record's, not a kind's */
	for (i = o->at; i < o->k->n; i++)
		if (!strcmp(o->k->v[i], key))
			break;
	ck_assert_msg(i < o->k->n, "%s: not described, or out of order", key);
	o->at = i;
	o->seen++;
	return 0;
}

static enum dp_status
check_record(void *arg, const struct kind_report *r, size_t ord, const void *rec)
{
	struct buf scratch = { 0 };
	struct order o = { arg, 0, 0 };

	ck_assert_int_eq(record_flatten(r, ord, rec, &scratch, in_order, &o), 0);
	ck_assert_uint_gt(o.seen, 3);
	buf_free(&scratch);
	return DP_OK;
}

static void
check_file(const struct kind *k, const char *name)
{
	const char *srcdir = getenv("srcdir");
	char path[4096];
	struct conf c;
	struct keys keys;
	struct kind_parse kp;
	struct kind_report r;
	struct dp_error err;
	void *state;
	char *data;
	long len;
	FILE *fp;

	conf_defaults(&c, CONF_PIPE);
	snprintf(path, sizeof path, "%s/tests/data/%s", srcdir ? srcdir : ".", name);
	fp = fopen(path, "rb");
	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	rewind(fp);
	data = malloc((size_t)len);
	ck_assert_uint_eq(fread(data, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);

	describe(kind_schemas[kind_index(k)], &keys);
	state = k->state_new(&c);
	ck_assert_int_eq(kind_parse_bytes(k, state, data, (size_t)len, &c, &kp, &err), DP_OK);
	ck_assert(kp.complete);
	k->view(state, &r);
	ck_assert_int_eq(kind_each_record(&r, check_record, &keys), DP_OK);
	k->state_free(state);
	free(data);
	conf_free(&c);
}

START_TEST(records_write_only_described_keys_in_order)
{
	kinds_init();
	check_file(kinds[0], "rfc7489.xml");
	check_file(kinds[0], "dmarcbis.xml");
	check_file(kinds[1], "tlsrpt-rfc.json");
	check_file(kinds[1], "tlsrpt-quirks.json");
}
END_TEST

START_TEST(tables_and_lists_are_described_as_such)
{
	struct keys k;
	size_t i;

	describe(&aggregate_schema, &k);
	ck_assert_str_eq(k.v[0], "records");
	for (i = 0; i < k.n; i++)
		if (!strcmp(k.v[i], "dkim_domains"))
			break;
	ck_assert_uint_lt(i + 3, k.n);
	ck_assert_str_eq(k.v[i + 1], "dkim_selectors");
	describe(&failure_schema, &k);
	ck_assert_str_eq(k.v[0], "feedback_type");
	ck_assert_str_eq(k.v[k.n - 3], "sender");
	/* Every kind's records end with the mail they came in. */
	ck_assert_str_eq(k.v[k.n - 2], "mail_auth");
	ck_assert_str_eq(k.v[k.n - 1], "mail_from_domain");
}
END_TEST

UNIT_SUITE("schema", registry_matches_the_kinds, records_write_only_described_keys_in_order,
	   tables_and_lists_are_described_as_such)

/* Unit tests: stream entries from replies (entry.c) and the check of each against its kind (screen.c). */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "entry.h"
#include "replies.h"
#include "screen.h"
#include "unit.h"

#define RID "0123456789abcdef0123456789abcdef"

/* [[id, [fields...]]] as XREADGROUP gives one stream's entries. */
static redisReply *
one_entry(const char *id, redisReply *fields)
{
	return rep_arr(1, rep_arr(2, rep_str(id), fields));
}

START_TEST(entries_from_a_reply)
{
	static const char *const f1[] = { "rid", RID, "ord", "0", NULL };
	redisReply *list = rep_arr(2, rep_arr(2, rep_str("1700000000000-0"), rep_strs(f1)),
				   rep_arr(2, rep_str("1700000000001-7"), rep_nil()));
	struct entries es;
	const char *v;
	size_t len, at = 0;

	ck_assert_int_eq(entries_from_reply(&es, list, list), 0);
	ck_assert_uint_eq(es.n, 2);
	ck_assert_str_eq(es.v[0].id, "1700000000000-0");
	ck_assert_uint_eq(es.v[0].ms, 1700000000000ULL);
	ck_assert_ptr_null(es.v[1].fields);	/* deleted: XCLAIM gives nil */
	v = entry_get_next(&es.v[0], "ord", &len, &at);
	ck_assert(v && len == 1 && *v == '0');
	v = entry_get_next(&es.v[0], "rid", &len, &at);	/* wraps around */
	ck_assert(v && len == 32);
	ck_assert_ptr_null(entry_get_next(&es.v[0], "kind", &len, &at));
	entries_free(&es);
}
END_TEST

START_TEST(malformed_replies)
{
	static const char *const odd[] = { "rid", RID, "ord", NULL };
	redisReply *bad[] = {
		rep_str("not a list"),
		rep_arr(1, rep_str("1-0")),				/* an item that is no pair */
		rep_arr(1, rep_arr(2, rep_int(1), rep_arr(0))),		/* an ID that is no string */
		rep_arr(1, rep_arr(2, rep_str("x-0"), rep_arr(0))),	/* an ID that is no ID */
		rep_arr(1, rep_arr(2, rep_str("1-"), rep_arr(0))),
		rep_arr(1, rep_arr(2, rep_str("1-0"), rep_strs(odd))),	/* fields without their last value */
		rep_arr(1, rep_arr(2, rep_str("1-0"), rep_int(3))),	/* fields that are no list */
		rep_arr(1, rep_arr(3, rep_str("1-0"), rep_arr(0), rep_arr(0))),
	};
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct entries es;

		errno = 0;
		ck_assert_msg(entries_from_reply(&es, bad[i], bad[i]) == -1 && errno == EPROTO, "case %zu", i);
		ck_assert_uint_eq(es.n, 0);
		entries_free(&es);	/* frees the reply it was given */
	}
}
END_TEST

START_TEST(stream_ids)
{
	uint64_t ms, seq;

	ck_assert_int_eq(stream_id_parse("1700000000000-12", &ms, &seq), 0);
	ck_assert(ms == 1700000000000ULL && seq == 12);
	ck_assert_int_eq(stream_id_parse("18446744073709551615-18446744073709551615", &ms, &seq), 0);
	ck_assert_int_eq(stream_id_parse("18446744073709551616-0", &ms, &seq), -1);
	ck_assert_int_eq(stream_id_parse("-1", &ms, &seq), -1);
	ck_assert_int_eq(stream_id_parse("1", &ms, &seq), -1);
	ck_assert_int_eq(stream_id_parse("1-2x", &ms, &seq), -1);
	ck_assert_int_eq(stream_id_parse("", &ms, &seq), -1);
}
END_TEST

/* The reason screen_entry() gives for fields (NULL-terminated), as an aggregate record. */
static const char *
judge(const char *const *fields, char *detail)
{
	static struct screen sc;
	static int ready;
	struct entries es;
	redisReply *list = one_entry("1-0", rep_strs(fields));
	const char *why;

	if (!ready++)
		ck_assert_int_eq(screen_init(&sc, &aggregate_schema), 0);
	ck_assert_int_eq(entries_from_reply(&es, list, list), 0);
	why = screen_entry(&sc, &es.v[0], detail, 80);
	entries_free(&es);
	return why;
}

START_TEST(records_pass)
{
	static const char *const good[] = { "rid", RID, "ord", "3", "kind", "aggregate", "records", "12",
		"org_name", "Z\xc3\xbcrich \"Mail\" \x01", "count", "9007199254740991", "dkim_domains", "a.example,b\\x2cc",
		"reason_types", "forwarded", "some_future_field", "\xff anything", NULL };
	static const char *const least[] = { "kind", "aggregate", "ord", "0", "rid", RID, NULL };
	char detail[80];

	ck_assert_ptr_null(judge(good, detail));
	ck_assert_ptr_null(judge(least, detail));
}
END_TEST

START_TEST(entries_that_are_no_records)
{
	static const struct { const char *const f[12]; const char *why, *key; } cases[] = {
		{ { "foo", "bar", NULL }, "no rid", "" },
		{ { "rid", "zz", "ord", "x", "kind", "aggregate", "count", "abc", NULL }, "bad rid", "" },
		{ { "rid", RID "0", "ord", "1", "kind", "aggregate", NULL }, "bad rid", "" },
		{ { "rid", "0123456789ABCDEF0123456789ABCDEF", "ord", "1", "kind", "aggregate", NULL }, "bad rid", "" },
		{ { "rid", RID, "kind", "aggregate", NULL }, "no ord", "" },
		{ { "rid", RID, "ord", "x", "kind", "aggregate", NULL }, "bad ord", "" },
		{ { "rid", RID, "ord", "-1", "kind", "aggregate", NULL }, "bad ord", "" },
		{ { "rid", RID, "ord", "1", NULL }, "wrong kind", "" },
		{ { "rid", RID, "ord", "1", "kind", "tlsrpt", NULL }, "wrong kind", "" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "count", "abc", NULL }, "bad number", "count" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "count", "99999999999999999999999", NULL }, "bad number", "count" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "count", "9007199254740992", NULL }, "bad number", "count" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "count", "", NULL }, "bad number", "count" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "count", " 1", NULL }, "bad number", "count" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "pct", "1e3", NULL }, "bad number", "pct" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "org_name", "bad \xc3\x28 utf-8", NULL }, "bad text", "org_name" },
		{ { "rid", RID, "ord", "1", "kind", "aggregate", "dkim_domains", "a,\xed\xa0\x80", NULL }, "bad text", "dkim_domains" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char detail[80];
		const char *why = judge(cases[i].f, detail);

		ck_assert_msg(why && !strcmp(why, cases[i].why), "case %zu: got %s, want %s", i, why ? why : "(valid)",
			      cases[i].why);
		ck_assert_msg(!strcmp(detail, cases[i].key), "case %zu: key %s, want %s", i, detail, cases[i].key);
	}
}
END_TEST

/* A TLS report's count column: numbers, an item may be empty. */
START_TEST(count_columns)
{
	static struct screen sc;
	static const char *const ok[] = { "rid", RID, "ord", "0", "kind", "tlsrpt", "failure_failed_sessions", "3,,12", NULL };
	static const char *const bad[] = { "rid", RID, "ord", "0", "kind", "tlsrpt", "failure_failed_sessions", "3,x", NULL };
	redisReply *l1 = one_entry("1-0", rep_strs(ok)), *l2 = one_entry("1-1", rep_strs(bad));
	struct entries e1, e2;
	char detail[80];

	ck_assert_int_eq(screen_init(&sc, &tlsrpt_schema), 0);
	ck_assert_int_eq(entries_from_reply(&e1, l1, l1), 0);
	ck_assert_int_eq(entries_from_reply(&e2, l2, l2), 0);
	ck_assert_ptr_null(screen_entry(&sc, &e1.v[0], detail, sizeof detail));
	ck_assert_str_eq(screen_entry(&sc, &e2.v[0], detail, sizeof detail), "bad number");
	ck_assert_str_eq(detail, "failure_failed_sessions");
	entries_free(&e1);
	entries_free(&e2);
}
END_TEST

/* Every kind's schema fits the screen. */
START_TEST(every_kind_fits)
{
	struct screen sc;
	size_t i;

	for (i = 0; i < KIND_COUNT; i++) {
		ck_assert_int_eq(screen_init(&sc, kind_schemas[i]), 0);
		ck_assert_uint_gt(sc.n, 3);
	}
	ck_assert_ptr_null(kind_schemas[KIND_COUNT]);
}
END_TEST

UNIT_SUITE("entry", entries_from_a_reply, malformed_replies, stream_ids, records_pass, entries_that_are_no_records,
	   count_columns, every_kind_fits)

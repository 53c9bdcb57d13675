/* Unit tests: value normalization and report identity (normalize.c, record.c). */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "normalize.h"
#include "record.h"
#include "unit.h"
#include "testlib.h"

/* sha256("dmarc-aggregate\0google.com\0" "123\0example.com\0" "1704067200\0" "1704153599"), first 32 hex digits */
#define RID_GOOGLE_EXAMPLE "3d3b2d408bb8de2b5fbc9e797102e959"

START_TEST(ip_canonical)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "192.0.2.1", "192.0.2.1" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "2001:db8:0000:0000:1:0:0:1", "2001:db8::1:0:0:1" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
		{ "::", "::" },
	};
	static const char *bad[] = { "192.0.2.300", "192.0.2", "1.2.3.4.5", "example.com", "", "::g", "1.2.3.4/24", " 1.2.3.4" };
	char out[NORM_IP_MAX];
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_int_eq(norm_ip(cases[i].in, out), 0);
		ck_assert_msg(!strcmp(out, cases[i].want), "%s: got %s, want %s", cases[i].in, out, cases[i].want);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(norm_ip(bad[i], out) < 0, "'%s' accepted as an address", bad[i]);
}
END_TEST

/* Our formatter against the C library's, on addresses rich in zero groups. */
START_TEST(ip_format_matches_inet_ntop)
{
	uint8_t a[16];
	char ours[NORM_IP_MAX], libc[INET6_ADDRSTRLEN];
	unsigned long seed = 12345, i;
	unsigned j;

	for (i = 0; i < 200000; i++) {
		for (j = 0; j < 8; j++) {
			/* Each group zero, 0xffff, 1, small or random; runs of zeros are what matter. */
			unsigned v, kind;

			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			kind = (unsigned)(seed >> 60) % 6;
			v = (unsigned)(seed >> 33) & 0xffff;
			v = kind < 3 ? 0 : kind == 3 ? 0xffff : kind == 4 ? (i & 1 ? 1 : v & 0xf) : v;
			a[2 * j] = (uint8_t)(v >> 8);
			a[2 * j + 1] = (uint8_t)v;
		}
		if (i % 7 == 0)	/* the IPv4-mapped and -compatible prefixes */
			memset(a, 0, 10 + (i % 14 == 0 ? 2 : 0)), a[10] = a[11] = i % 14 ? 0xff : 0;
		ck_assert_ptr_nonnull(inet_ntop(AF_INET6, a, libc, sizeof libc));
		ck_assert_uint_eq(norm_ip_format(6, a, ours), strlen(libc));
		ck_assert_msg(!strcmp(ours, libc), "IPv6: ours %s, libc %s", ours, libc);
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, a + 12, libc, sizeof libc));
		memcpy(a, a + 12, 4);
		norm_ip_format(4, a, ours);
		ck_assert_msg(!strcmp(ours, libc), "IPv4: ours %s, libc %s", ours, libc);
	}
}
END_TEST

START_TEST(unsigned_numbers)
{
	uint64_t v;

	ck_assert_int_eq(norm_number("0", 1, 100, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(norm_number("100", 3, 100, &v), 0);
	ck_assert_uint_eq(v, 100);
	ck_assert_int_eq(norm_number("101", 3, 100, &v), -1);
	ck_assert_int_eq(norm_number("9007199254740991", 16, NORM_COUNT_MAX, &v), 0);
	ck_assert_uint_eq(v, NORM_COUNT_MAX);
	ck_assert_int_eq(norm_number("9007199254740992", 16, NORM_COUNT_MAX, &v), -1);
	ck_assert_int_eq(norm_number("18446744073709551616", 20, UINT64_MAX, &v), -1);
	ck_assert_int_eq(norm_number("-1", 2, 100, &v), -1);
	ck_assert_int_eq(norm_number("1.5", 3, 100, &v), -1);
	ck_assert_int_eq(norm_number("1.05", 4, 100, &v), -1);
	ck_assert_int_eq(norm_number("1e3", 3, 10000, &v), -1);
	ck_assert_int_eq(norm_number(".0", 2, 100, &v), -1);
	ck_assert_int_eq(norm_number("+", 1, 100, &v), -1);
	ck_assert_int_eq(norm_number("1 2", 3, 100, &v), -1);
	ck_assert_int_eq(norm_number("0x10", 4, 100, &v), -1);
	/* The decorations reporters add, whose meaning is sure. */
	ck_assert_int_eq(norm_number("+1", 2, 100, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(norm_number("1337270400.0", 12, NORM_TIME_MAX, &v), 0);
	ck_assert_uint_eq(v, 1337270400);
	ck_assert_int_eq(norm_number(" 42 \n", 5, 100, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(norm_number("7.", 2, 100, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(norm_number("", 0, 100, &v), -1);
}
END_TEST

START_TEST(trim_and_lower)
{
	char s[] = " \t\r\nMiXeD Case\t \n";
	size_t len = strlen(s);
	char *t = norm_trim(s, &len);

	ck_assert_str_eq(t, "MiXeD Case");
	ck_assert_uint_eq(len, 10);
	norm_lower(t, len);
	ck_assert_str_eq(t, "mixed case");
}
END_TEST

START_TEST(iso8601)
{
	char out[ISO8601_LEN + 1];

	ck_assert_int_eq(iso8601_utc(0, out), 0);
	ck_assert_str_eq(out, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(iso8601_utc(1704067200, out), 0);
	ck_assert_str_eq(out, "2024-01-01T00:00:00Z");
	ck_assert_int_eq(iso8601_utc(NORM_TIME_MAX, out), 0);
	ck_assert_str_eq(out, "9999-12-31T23:59:59Z");
	ck_assert_int_eq(iso8601_utc(-1, out), -1);
}
END_TEST

/* Mondays: every day of a week maps to the one before or on it, 1970's first days included. */
START_TEST(iso8601_mondays)
{
	char out[ISO8601_LEN + 1];
	int64_t day;

	ck_assert_int_eq(iso8601_monday(0), -3);	/* Thursday 1970-01-01: Monday 1969-12-29 */
	ck_assert_int_eq(iso8601_monday(4), 4);		/* Monday 1970-01-05 */
	ck_assert_int_eq(iso8601_monday(-4), -10);
	for (day = 19775; day < 19775 + 21; day++) {	/* 2024-02-22 on */
		int64_t m = iso8601_monday(day);
		struct tm tm;
		time_t t = (time_t)(m * 86400);

		ck_assert(m <= day && day - m < 7);
		gmtime_r(&t, &tm);
		ck_assert_int_eq(tm.tm_wday, 1);
	}
	ck_assert_int_eq(iso8601_utc(iso8601_monday(19793) * 86400, out), 0);	/* Monday 2024-03-11 */
	ck_assert_str_eq(out, "2024-03-11T00:00:00Z");
}
END_TEST

START_TEST(rid_identity)
{
	struct dmarc_report a = { 0 }, b;
	char r1[RID_HEX_LEN + 1], r2[RID_HEX_LEN + 1];

	a.org_name = "google.com";
	a.report_id = "123";
	a.domain = "example.com";
	a.has_begin = a.has_end = true;
	a.begin = 1704067200;
	a.end = 1704153599;
	record_rid(&a, r1);
	ck_assert_uint_eq(strlen(r1), RID_HEX_LEN);
	/* Only the identity fields count. */
	b = a;
	b.p = "reject";
	b.nrecords = 7;
	record_rid(&b, r2);
	ck_assert_str_eq(r1, r2);
	/* Each identity field does; and moving text between fields changes it. */
	b = a; b.report_id = "124"; record_rid(&b, r2); ck_assert_str_ne(r1, r2);
	b = a; b.end++; record_rid(&b, r2); ck_assert_str_ne(r1, r2);
	b = a; b.has_begin = false; record_rid(&b, r2); ck_assert_str_ne(r1, r2);
	b = a; b.org_name = "google.com1"; b.report_id = "23"; record_rid(&b, r2); ck_assert_str_ne(r1, r2);
	/* A fixed value: the rid is a contract with consumers and must not drift. */
	ck_assert_str_eq(r1, RID_GOOGLE_EXAMPLE);
}
END_TEST

UNIT_SUITE("normalize", ip_canonical, ip_format_matches_inet_ntop, unsigned_numbers, trim_and_lower, iso8601, iso8601_mondays, rid_identity)

/* Unit tests: TLS reports from JSON (tlsreport.c, tlsrpt.c) and the field writer (fields.c). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fields.h"
#include "isotime.h"
#include "tlsreport.h"
#include "kind.h"
#include "unit.h"
#include "testlib.h"

#define RANGE "\"date-range\":{\"start-datetime\":\"2024-03-10T00:00:00Z\",\"end-datetime\":\"2024-03-10T23:59:59Z\"}"
#define POLICY "{\"policy\":{\"policy-type\":\"sts\",\"policy-domain\":\"a.example\"}," \
	"\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":0}}"

static struct conf conf;
static void *state;

/* Each test runs in its own process: the state is made on first use. */
static void
setup(void)
{
	if (state)
		return;
	conf_defaults(&conf, CONF_PIPE);
	state = kind_tlsrpt.state_new(&conf);
}

/* Parse json; the status, with the reason in err. */
static enum dp_status
parse(const char *json, struct kind_parse *kp, struct dp_error *err)
{
	setup();
	memset(err, 0, sizeof *err);
	return kind_parse_bytes(&kind_tlsrpt, state, json, strlen(json), &conf, kp, err);
}

/* The NDJSON members of record ord of the last report parsed. */
static char *
record_json(size_t ord)
{
	struct kind_cursor c = { 0, 0 };
	struct buf b = BUF_INIT(0);
	struct fields f;
	const void *rec;

	ck_assert_int_eq(kind_tlsrpt.seek(state, &c, ord), 0);
	ck_assert_int_eq(kind_tlsrpt.next(state, &c, &rec), 1);
	fields_json(&f, &b);
	kind_tlsrpt.report_fields(state, &f);
	kind_tlsrpt.record_fields(state, rec, &f);
	ck_assert_int_eq(fields_done(&f), 0);
	return b.data;
}

START_TEST(quirks_are_read)
{
	struct kind_parse kp;
	struct dp_error err;
	char *j;

	ck_assert_int_eq(parse("\xef\xbb\xbf \n{\"organization-name\":\"Org\",\"report-id\":7,\"contact-info\":null,"
			       "\"date-range\":{\"start-datetime\":\"2024-03-10T01:00:00+01:00\",\"end-datetime\":\"2024-03-11T00:00:00\"},"
			       "\"policies\":[{\"policy\":{\"policy-type\":\"TLSA\",\"policy-string\":\"3 1 1 AB\","
			       "\"policy-domain\":\"A.Example..\",\"mx-host\":[\"MX.A.Example.\"]},"
			       "\"summary\":{\"total-successful-session-count\":\"12\",\"total-failure-session-count\":3.0},"
			       "\"failure-details\":[{\"result-type\":\"brand-new-type\",\"sending-mta-ip\":\"2001:DB8::0:1\","
			       "\"failed-session-count\":\"+3\",\"additional-information\":\"https://x.example/\"}]}]}",
			       &kp, &err), DP_OK);
	ck_assert(kp.complete);
	j = record_json(0);
	ck_assert_msg(strstr(j, "\"report_id\":\"7\",\"begin\":\"2024-03-10T00:00:00Z\",\"end\":\"2024-03-11T00:00:00Z\""), "%s", j);
	ck_assert_msg(strstr(j, "\"contact_info\":null"), "%s", j);
	ck_assert_msg(strstr(j, "\"policy_type\":\"tlsa\",\"policy_domain\":\"a.example\",\"policy_strings\":[\"3 1 1 AB\"],"
			     "\"mx_hosts\":[\"mx.a.example\"],\"successful_sessions\":12,\"failed_sessions\":3"), "%s", j);
	ck_assert_msg(strstr(j, "\"result_type\":\"brand-new-type\",\"sending_mta_ip\":\"2001:db8::1\""), "%s", j);
	ck_assert_msg(strstr(j, "\"failed_sessions\":3,\"additional_information\":\"https://x.example/\""), "%s", j);
	free(j);
}
END_TEST

START_TEST(refusals_name_their_reason)
{
	static const struct { const char *json, *reason; } cases[] = {
		{ "{\"report-id\":\"r\"," RANGE ",\"policies\":[]}", "without organization-name" },
		{ "{\"organization-name\":\"o\"," RANGE ",\"policies\":[]}", "without report-id" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\"," RANGE "}", "without a policies array" },
		{ "{\"organization-name\":[1],\"report-id\":\"r\",\"policies\":[]}", "organization-name is not a string" },
		{ "{\"organization-name\":\"o\\u0000x\",\"report-id\":\"r\",\"policies\":[]}", "NUL character in organization-name" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[{\"summary\":{\"total-failure-session-count\":-1}}]}",
		  "invalid total-failure-session-count" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[{\"summary\":{\"total-failure-session-count\":18446744073709551616}}]}",
		  "invalid total-failure-session-count" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[{\"summary\":{\"total-failure-session-count\":1.5}}]}",
		  "invalid total-failure-session-count" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[{\"summary\":{\"total-failure-session-count\":\"1e3\"}}]}",
		  "invalid total-failure-session-count" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":\"2024-02-30T00:00:00Z\"},\"policies\":[]}",
		  "invalid start-datetime" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"date-range\":{\"start-datetime\":\"2024-03-11T00:00:00Z\","
		  "\"end-datetime\":\"2024-03-10T00:00:00Z\"},\"policies\":[]}", "ends before it starts" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[{\"failure-details\":{}}]}", "failure-details is not an array" },
		{ "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[", "JSON is truncated" },
		{ "{\"organization-name\":\"o\" \"report-id\":\"r\"}", "invalid JSON" },
	};
	struct kind_parse kp;
	struct dp_error err;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ck_assert_msg(parse(cases[i].json, &kp, &err) == DP_REFUSE, "case %zu accepted", i);
		ck_assert_msg(strstr(err.reason, cases[i].reason), "case %zu: '%s' lacks '%s'", i, err.reason, cases[i].reason);
	}
}
END_TEST

START_TEST(other_json_is_no_report)
{
	struct kind_parse kp;
	struct dp_error err;

	ck_assert_int_eq(parse("{\"hello\":\"world\"}", &kp, &err), DP_OK);
	ck_assert(!kp.complete && !kp.meant && kp.not_report);
}
END_TEST

START_TEST(limits)
{
	struct kind_parse kp;
	struct dp_error err;
	struct buf b = BUF_INIT(0);
	int i;

	setup();
	conf.max_tlsrpt_policies = 2;
	ck_assert_int_eq(parse("{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[" POLICY "," POLICY "," POLICY "]}",
			       &kp, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "max_tlsrpt_policies (2)"), "%s", err.reason);
	conf.max_tlsrpt_policies = 1000;
	/* Nesting past json-c's depth limit. */
	buf_puts(&b, "{\"organization-name\":\"o\",\"report-id\":\"r\",\"x\":");
	for (i = 0; i < 1000; i++)
		buf_putc(&b, '[');
	ck_assert_int_eq(parse(b.data, &kp, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "invalid JSON"), "%s", err.reason);
	/* Objects packed tighter than a report ever is. */
	buf_reset(&b);
	buf_puts(&b, "{\"organization-name\":\"o\",\"report-id\":\"r\",\"policies\":[");
	for (i = 0; i < 100000; i++)
		buf_puts(&b, "{},");
	buf_puts(&b, "{}]}");
	ck_assert_int_eq(parse(b.data, &kp, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "more JSON objects and arrays"), "%s", err.reason);
	buf_free(&b);
}
END_TEST

START_TEST(identity)
{
	struct kind_parse kp;
	struct dp_error err;
	struct kind_report a, b;

	ck_assert_int_eq(parse("{\"organization-name\":\"o\",\"report-id\":\"r\"," RANGE ",\"policies\":[" POLICY "]}", &kp, &err), DP_OK);
	kind_tlsrpt.view(state, &a);
	ck_assert_int_eq(parse("{\"report-id\":\"r\",\"organization-name\":\"o\"," RANGE ",\"policies\":[" POLICY "," POLICY "]}", &kp, &err), DP_OK);
	kind_tlsrpt.view(state, &b);
	ck_assert_str_eq(a.rid, b.rid);	/* reporter, report-id and range name a report */
	ck_assert_int_eq(parse("{\"organization-name\":\"o\",\"report-id\":\"r2\"," RANGE ",\"policies\":[" POLICY "]}", &kp, &err), DP_OK);
	kind_tlsrpt.view(state, &b);
	ck_assert_str_ne(a.rid, b.rid);
}
END_TEST

START_TEST(datetimes)
{
	int64_t t;

	ck_assert_int_eq(iso8601_parse("2024-03-10T00:00:00Z", &t), 0);
	ck_assert_int_eq(t, 1710028800);
	ck_assert_int_eq(iso8601_parse("2024-03-10 02:00:00+02:00", &t), 0);
	ck_assert_int_eq(t, 1710028800);
	ck_assert_int_eq(iso8601_parse("2024-03-09T19:00:00-0500", &t), 0);
	ck_assert_int_eq(t, 1710028800);
	ck_assert_int_eq(iso8601_parse("2024-03-10T00:00:00.123456", &t), 0);
	ck_assert_int_eq(t, 1710028800);
	ck_assert_int_eq(iso8601_parse("2024-03-10 00:00:00 UTC", &t), 0);
	ck_assert_int_eq(t, 1710028800);
	ck_assert_int_eq(iso8601_parse("2024-03-10", &t), -1);
	ck_assert_int_eq(iso8601_parse("2024-03-10T00:00:00Zjunk", &t), -1);
	ck_assert_int_eq(iso8601_parse("2024-13-10T00:00:00Z", &t), -1);
	ck_assert_int_eq(iso8601_parse("1969-12-31T23:59:59Z", &t), -1);
}
END_TEST

START_TEST(fields_two_forms)
{
	struct item { const char *name; int64_t n; } items[] = { { "a,b", 1 }, { NULL, -1 } };
	static const struct column cols[] = {
		COLUMN("name", "names", COLUMN_STR, offsetof(struct item, name)),
		COLUMN("n", "ns", COLUMN_COUNT, offsetof(struct item, n)),
	};
	const char *strs[] = { "x", "y\\z" };
	struct buf json = BUF_INIT(0), flat = BUF_INIT(0), scratch = BUF_INIT(0);
	struct fields f;

	fields_json(&f, &json);
	FIELD_STR(&f, "s", NULL);
	FIELD_UINT(&f, "u", true, 5);
	FIELD_STRS(&f, "l", strs, 2);
	FIELD_TABLE(&f, "t", cols, items, 2, sizeof items[0]);
	FIELD_TABLE(&f, "e", cols, items, 0, sizeof items[0]);
	ck_assert_int_eq(fields_done(&f), 0);
	ck_assert_str_eq(json.data, ",\"s\":null,\"u\":5,\"l\":[\"x\",\"y\\\\z\"],"
			 "\"t\":[{\"name\":\"a,b\",\"n\":1},{\"name\":null,\"n\":null}],\"e\":[]");

	fields_flat(&f, &scratch, flat_pair, &flat);
	FIELD_STR(&f, "s", NULL);
	FIELD_UINT(&f, "u", true, 5);
	FIELD_STRS(&f, "l", strs, 2);
	FIELD_TABLE(&f, "t", cols, items, 2, sizeof items[0]);
	FIELD_TABLE(&f, "e", cols, items, 0, sizeof items[0]);
	ck_assert_int_eq(fields_done(&f), 0);
	ck_assert_str_eq(flat.data, " u=5 l=x,y\\\\z names=a\\x2cb, ns=1,");
	buf_free(&json);
	buf_free(&flat);
	buf_free(&scratch);
}
END_TEST

UNIT_SUITE("tlsreport", quirks_are_read, refusals_name_their_reason, other_json_is_no_report, limits, identity,
	   datetimes, fields_two_forms)

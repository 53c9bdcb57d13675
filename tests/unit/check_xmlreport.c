/* Unit tests: the SAX2 report parser and staged reports (xmlreport.c, report.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "report.h"
#include "xmlreport.h"
#include "unit.h"
#include "testlib.h"

#define HEAD "<?xml version=\"1.0\"?>\n"
#define META "<report_metadata><org_name>Org</org_name><report_id>r1</report_id>" \
	"<date_range><begin>1</begin><end>2</end></date_range></report_metadata>"
#define ROW(ip) "<record><row><source_ip>" ip "</source_ip><count>1</count></row></record>"

static struct conf conf;
static struct report *rep;

static void
setup(void)
{
	conf_defaults(&conf, CONF_PIPE);
	xml_report_init();
	rep = report_new(conf.max_auth_results);
}

static void
teardown(void)
{
	report_free(rep);
	rep = NULL;
	conf_free(&conf);
}

struct parsed {
	enum dp_status rc;
	struct xml_result res;
	struct dp_error err;
	struct dmarc_report view;
};

static struct parsed
parse(const char *xml)
{
	struct parsed p = { 0 };
	struct stream *s = stream_mem(xml, strlen(xml), &p.err);

	p.rc = xml_report_parse(s, &conf, rep, NULL, &p.res, &p.err);
	stream_free(s);
	report_view(rep, &p.view);
	return p;
}

static enum dp_status
first_record(void *arg, const struct dmarc_report *r, const struct dmarc_record *rec)
{
	(void)r;
	*(struct dmarc_record *)arg = *rec;
	return DP_REFUSE;	/* stop after one */
}

START_TEST(minimal_report)
{
	struct parsed p = parse(HEAD "<feedback>" META ROW("192.0.2.1") ROW("192.0.2.2") "</feedback>");
	struct dmarc_record rec;

	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert(p.res.complete);
	ck_assert_uint_eq(p.view.nrecords, 2);
	ck_assert_str_eq(p.view.org_name, "Org");
	ck_assert_str_eq(p.view.xml_schema, "rfc7489");
	report_each_record(rep, &p.view, first_record, &rec);
	ck_assert_str_eq(rec.source_ip, "192.0.2.1");
	ck_assert(rec.has_count);
	ck_assert_uint_eq(rec.count, 1);
	ck_assert_ptr_null(rec.disposition);
}
END_TEST

START_TEST(dtd_and_entities_refused)
{
	static const char *docs[] = {
		HEAD "<!DOCTYPE feedback [<!ENTITY x \"y\">]><feedback>" META "</feedback>",
		HEAD "<!DOCTYPE feedback SYSTEM \"http://example.com/x.dtd\"><feedback/>",
		HEAD "<feedback><report_metadata><org_name>&x;</org_name></report_metadata></feedback>",
	};
	size_t i;

	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		struct parsed p = parse(docs[i]);

		ck_assert_msg(p.rc == DP_REFUSE && p.res.forbidden && !p.res.complete,
			      "doc %zu: rc %d forbidden %d (%s)", i, p.rc, p.res.forbidden, p.err.reason);
	}
	/* Predefined entities and character references are plain text. */
	{
		struct parsed p = parse(HEAD "<feedback><report_metadata><org_name>A &amp; B &#x263A;</org_name>"
					"</report_metadata></feedback>");
		ck_assert_int_eq(p.rc, DP_OK);
		ck_assert_str_eq(p.view.org_name, "A & B \xe2\x98\xba");
	}
}
END_TEST

START_TEST(namespaces_and_extensions)
{
	struct parsed p = parse(HEAD
		"<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\" xmlns:x=\"urn:x\">"
		"<report_metadata><org_name>Bis</org_name><x:org_name>Not me</x:org_name></report_metadata>"
		"<policy_published><domain>A.Example</domain><np>Reject</np></policy_published>"
		"<x:record><row><source_ip>192.0.2.9</source_ip></row></x:record>"
		"<record><row><source_ip>192.0.2.1</source_ip><count>5</count>"
		"<unknown><count>6</count></unknown></row></record></feedback>");
	struct dmarc_record rec;

	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert_str_eq(p.view.xml_schema, "dmarcbis");
	ck_assert_str_eq(p.view.org_name, "Bis");
	ck_assert_str_eq(p.view.domain, "a.example");
	ck_assert_str_eq(p.view.np, "reject");
	ck_assert_uint_eq(p.view.nrecords, 1);
	report_each_record(rep, &p.view, first_record, &rec);
	ck_assert_uint_eq(rec.count, 5);

	/* RFC 7489 elements inside a DMARCbis report are someone else's. */
	p = parse(HEAD "<feedback xmlns=\"urn:ietf:params:xml:ns:dmarc-2.0\">"
		  "<record xmlns=\"\"><row><source_ip>192.0.2.1</source_ip></row></record></feedback>");
	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert_uint_eq(p.view.nrecords, 0);
}
END_TEST

START_TEST(wrapper_and_second_feedback)
{
	struct parsed p = parse(HEAD "<wrap><feedback>" META ROW("192.0.2.1") "</feedback>"
				"<feedback>" ROW("192.0.2.2") ROW("192.0.2.3") "</feedback>");

	/* Unclosed <wrap>: tolerated, the report before it is complete. */
	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert(p.res.complete);
	ck_assert_uint_eq(p.view.nrecords, 1);

	p = parse(HEAD "<wrap><feedback>" META ROW("192.0.2.1"));
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert(p.res.saw_feedback);
	ck_assert(!p.res.complete);
	ck_assert_msg(strstr(p.err.reason, "truncated"), "got '%s'", p.err.reason);
}
END_TEST

START_TEST(not_a_report)
{
	struct parsed p = parse(HEAD "<html><body>hi</body></html>");

	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert(!p.res.saw_feedback && !p.res.complete);
	p = parse("<html><br></html>");
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert(!p.res.saw_feedback);
	ck_assert_msg(strstr(p.err.reason, "invalid XML"), "got '%s'", p.err.reason);
}
END_TEST

START_TEST(limits)
{
	struct parsed p;
	char *big;
	size_t i;

	conf.max_records = 2;
	p = parse(HEAD "<feedback>" ROW("192.0.2.1") ROW("192.0.2.2") ROW("192.0.2.3") "</feedback>");
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert_msg(strstr(p.err.reason, "max_records"), "got '%s'", p.err.reason);

	conf.max_field_length = 16;
	p = parse(HEAD "<feedback><report_metadata><org_name>0123456789abcdefX</org_name>"
		  "</report_metadata></feedback>");
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert_msg(strstr(p.err.reason, "org_name is longer"), "got '%s'", p.err.reason);
	/* Text in skipped elements costs nothing and is no error. */
	p = parse(HEAD "<feedback><vendor>0123456789abcdef0123456789abcdef</vendor></feedback>");
	ck_assert_int_eq(p.rc, DP_OK);

	report_free(rep);
	rep = report_new(2);
	p = parse(HEAD "<feedback><record><auth_results><dkim/><dkim/><dkim/></auth_results></record></feedback>");
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert_msg(strstr(p.err.reason, "max_auth_results"), "got '%s'", p.err.reason);

	conf.max_report_size = 1024;
	big = malloc(4096);
	strcpy(big, HEAD "<feedback><x>");
	for (i = strlen(big); i < 4000; i++)
		big[i] = ' ';
	strcpy(big + 4000, "</x></feedback>");
	p = parse(big);
	ck_assert_int_eq(p.rc, DP_REFUSE);
	ck_assert_msg(strstr(p.err.reason, "max_report_size"), "got '%s'", p.err.reason);
	free(big);
}
END_TEST

START_TEST(bad_values_refuse)
{
	static const struct { const char *xml, *want; } cases[] = {
		{ "<feedback>" ROW("192.0.2.256") "</feedback>", "invalid source_ip" },
		{ "<feedback><record><row><count>-1</count></row></record></feedback>", "invalid count" },
		{ "<feedback><record><row><count>1e3</count></row></record></feedback>", "invalid count" },
		{ "<feedback><report_metadata><date_range><begin>x</begin></date_range></report_metadata></feedback>", "invalid begin" },
		{ "<feedback><report_metadata><date_range><begin>5</begin><end>4</end></date_range></report_metadata></feedback>", "begins after it ends" },
		{ "<feedback><policy_published><pct>101</pct></policy_published></feedback>", "invalid pct" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct parsed p = parse(cases[i].xml);

		ck_assert_msg(p.rc == DP_REFUSE && strstr(p.err.reason, cases[i].want),
			      "case %zu: rc %d reason '%s', want '%s'", i, p.rc, p.err.reason, cases[i].want);
	}
}
END_TEST

START_TEST(cdata_and_whitespace)
{
	struct parsed p = parse(HEAD "<feedback><report_metadata><org_name>\n\t<![CDATA[A<B]]> \r\n</org_name>"
				"<report_id>  </report_id></report_metadata></feedback>");

	ck_assert_int_eq(p.rc, DP_OK);
	ck_assert_str_eq(p.view.org_name, "A<B");
	ck_assert_ptr_null(p.view.report_id);
}
END_TEST

static Suite *
xml_suite(void)
{
	Suite *s = suite_create("xmlreport");
	TCase *tc = tcase_create("xmlreport");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, minimal_report);
	tcase_add_test(tc, dtd_and_entities_refused);
	tcase_add_test(tc, namespaces_and_extensions);
	tcase_add_test(tc, wrapper_and_second_feedback);
	tcase_add_test(tc, not_a_report);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, bad_values_refuse);
	tcase_add_test(tc, cdata_and_whitespace);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(xml_suite());
}

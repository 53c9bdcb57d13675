/* Unit tests: failure reports from ARF fields (arf.c, failure.c) and redaction (redact.c). */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "arf.h"
#include "conf.h"
#include "mime.h"
#include "redact.h"
#include "unit.h"
#include "testlib.h"

#define N(a) (sizeof a / sizeof a[0])

static const struct mime_field report_fields[] = {
	{ "Feedback-Type", "Auth-Failure" },
	{ "Version", "1" },
	{ "Source-IP", "2001:DB8::7 (host.sender.example)" },
	{ "Arrival-Date", "Thu, 8 Mar 2024 09:10:14 +0100" },
	{ "Reported-Domain", "Sender.Example." },
	{ "Reported-Domain", "other.example" },
	{ "Original-Rcpt-To", "<a@receiver.example>" },
	{ "Original-Rcpt-To", "<b@receiver.example>" },
	{ "Auth-Failure", "dkim, SPF" },
	{ "Auth-Failure", "dmarc" },
	{ "Identity-Alignment", "dkim,spf" },
	{ "Authentication-Results", "mx.example;   spf=fail\tsmtp.mailfrom=Jane.Doe+x@sender.example" },
	{ "Incidents", "4" },
};
static const struct mime_field reported_fields[] = {
	{ "From", "\"Doe, Jane\" <jane@sender.example>" },
	{ "To", "bob@Receiver.Example, carol@receiver.example" },
	{ "Subject", "Quarterly résults" },
	{ "Date", "Fri, 08 Mar 2024 09:10:11 +0100" },
};
static const struct mime_field carrier_fields[] = {
	{ "From", "reports@receiver.example" },
	{ "Date", "Fri, 08 Mar 2024 10:00:00 +0000" },
	{ "Message-ID", "<r1@receiver.example>" },
};

static struct conf conf;
static struct arena arena = ARENA_INIT(0);

static struct mime_feedback
feedback(const struct mime_field *f, size_t n)
{
	struct mime_feedback fb = { { f, n }, { reported_fields, N(reported_fields) },
				    { carrier_fields, N(carrier_fields) } };

	return fb;
}

static enum dp_status
read_arf(const struct mime_feedback *fb, bool redact, struct arf_report *r, struct dp_error *err)
{
	struct kind_parse kp;

	conf_free(&conf);	/* the last call's, if any */
	conf_defaults(&conf, CONF_PIPE);
	conf.failure_redact = redact;
	arena_reset(&arena);
	memset(err, 0, sizeof *err);
	return arf_read(fb, &conf, &arena, r, &kp, err);
}

START_TEST(fields_as_real_reporters_write_them)
{
	struct mime_feedback fb = feedback(report_fields, N(report_fields));
	struct arf_report r;
	struct dp_error err;

	ck_assert_int_eq(read_arf(&fb, false, &r, &err), DP_OK);
	ck_assert_str_eq(r.feedback_type, "auth-failure");
	ck_assert_str_eq(r.source_ip, "2001:db8::7");
	ck_assert_str_eq(r.arrival_date, "2024-03-08T08:10:14Z");
	ck_assert_str_eq(r.reported_domain, "sender.example");
	ck_assert_uint_eq(r.original_rcpt_to.n, 2);
	ck_assert_uint_eq(r.auth_failure.n, 3);
	ck_assert_str_eq(r.auth_failure.v[1], "spf");
	ck_assert_str_eq(r.auth_failure.v[2], "dmarc");
	ck_assert_uint_eq(r.identity_alignment.n, 2);
	ck_assert_str_eq(r.authentication_results, "mx.example; spf=fail smtp.mailfrom=Jane.Doe+x@sender.example");
	ck_assert(r.has_incidents && r.incidents == 4);
	ck_assert_str_eq(r.subject, "Quarterly résults");
	ck_assert_str_eq(r.date, "2024-03-08T08:10:11Z");
	ck_assert_str_eq(r.sender, "reports@receiver.example");
}
END_TEST

START_TEST(redacted)
{
	struct mime_feedback fb = feedback(report_fields, N(report_fields));
	struct arf_report r;
	struct dp_error err;

	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_OK);
	ck_assert_ptr_null(r.subject);
	ck_assert_str_eq(r.header_from, "sender.example");
	ck_assert_str_eq(r.to, "receiver.example, receiver.example");
	ck_assert_str_eq(r.original_rcpt_to.v[0], "receiver.example");
	ck_assert_str_eq(r.authentication_results, "mx.example; spf=fail smtp.mailfrom=@sender.example");
}
END_TEST

START_TEST(fallbacks_and_absences)
{
	static const struct mime_field odd[] = {
		{ "Feedback-Type", "fraud" },
		{ "Arrival-Date", "2014-04-29 02:05:14 UTC" },
		{ "Source-IP", "[192.0.2.1]" },
	};
	static const struct mime_field unreadable[] = {
		{ "Feedback-Type", "abuse" },
		{ "Arrival-Date", "yesterday, late" },
		{ "Source-IP", "host.example" },
	};
	struct mime_feedback fb = feedback(odd, N(odd));
	struct arf_report r;
	struct dp_error err;

	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_OK);
	ck_assert_str_eq(r.feedback_type, "fraud");
	ck_assert_str_eq(r.arrival_date, "2014-04-29T02:05:14Z");
	ck_assert_str_eq(r.source_ip, "192.0.2.1");
	fb = feedback(unreadable, N(unreadable));
	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_OK);
	ck_assert_str_eq(r.arrival_date, "2024-03-08T10:00:00Z");	/* the carrier's Date: */
	ck_assert_ptr_null(r.source_ip);
	ck_assert_ptr_null(r.reported_domain);
}
END_TEST

START_TEST(limits_and_refusals)
{
	struct mime_field big[] = { { "Feedback-Type", "auth-failure" }, { "Authentication-Results", NULL } };
	struct mime_feedback fb = feedback(big, 0);
	struct arf_report r;
	struct dp_error err;
	char *huge;

	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "without fields"), "%s", err.reason);
	huge = malloc(20 << 20);
	memset(huge, 'a', (20 << 20) - 1);
	huge[(20 << 20) - 1] = '\0';
	big[1].value = huge;
	fb = feedback(big, 2);
	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_REFUSE);
	ck_assert_msg(strstr(err.reason, "max_field_length"), "%s", err.reason);
	free(huge);
}
END_TEST

START_TEST(identity)
{
	static const struct mime_field other[] = { { "Feedback-Type", "auth-failure" }, { "Source-IP", "192.0.2.2" } };
	struct mime_feedback fb = feedback(report_fields, N(report_fields));
	struct arf_report r;
	struct dp_error err;
	char first[RID_HEX_LEN + 1];

	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_OK);
	strcpy(first, r.rid);
	ck_assert_int_eq(read_arf(&fb, false, &r, &err), DP_OK);
	ck_assert_str_eq(first, r.rid);		/* the same report, whatever is redacted */
	fb = feedback(other, N(other));
	ck_assert_int_eq(read_arf(&fb, true, &r, &err), DP_OK);
	ck_assert_str_ne(first, r.rid);
}
END_TEST

START_TEST(redaction_helpers)
{
	struct arena a = ARENA_INIT(0);

	ck_assert_str_eq(redact_to_domains(&a, "Jane <jane@A.example.>, b@b.example"), "a.example, b.example");
	ck_assert_str_eq(redact_to_domains(&a, "@a@b@c"), "a, b, c");
	ck_assert_str_eq(redact_to_domains(&a, "undisclosed-recipients:;"), "");
	ck_assert_str_eq(redact_local_parts(&a, "spf=pass smtp.mailfrom=\"j d\"@a.example; x=k.l@b.example"),
			 "spf=pass smtp.mailfrom=@a.example; x=@b.example");
	ck_assert_str_eq(redact_local_parts(&a, "SRS0=h=t=b.example=jane@a.example"), "SRS0=h=t=b.example=@a.example");
	arena_free(&a);
}
END_TEST

UNIT_SUITE("arf", fields_as_real_reporters_write_them, redacted, fallbacks_and_absences, limits_and_refusals, identity,
	   redaction_helpers)

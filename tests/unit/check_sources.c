/*
 * Unit tests: the sources stage without DNS or Redis: the class rules in
 * their order (classify.c), the services table (services.c), approved
 * senders (approved.c), host names (rdns.c) and base domains (sources.c).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approved.h"
#include "classify.h"
#include "rdns.h"
#include "services.h"
#include "sources.h"
#include "unit.h"

/* A file with text in the test's directory; the caller frees the path. */
static char *
file_with(const char *text)
{
	char *path = strdup("/tmp/check_sources.XXXXXX");
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* ---------------------------------------------------------------- classes */

START_TEST(rule1_pass)
{
	/* Rule 1 comes first: a pass is a pass whatever else is true of the source. */
	struct class_facts f = { .policy_pass = true, .forward_reason = true, .approved = true, .service = true };

	ck_assert_int_eq(classify(&f), CLASS_PASS);
}
END_TEST

START_TEST(rule2_forwarded)
{
	struct class_facts reason = { .forward_reason = true, .approved = true };
	struct class_facts forwarder = { .forwarder = true, .service = true };
	struct class_facts dkim_survived = { .dkim_from_pass = true, .spf_pass = false, .approved = true };
	struct class_facts dkim_and_spf = { .dkim_from_pass = true, .spf_pass = true };

	ck_assert_int_eq(classify(&reason), CLASS_FORWARDED);		/* before approved-fail */
	ck_assert_int_eq(classify(&forwarder), CLASS_FORWARDED);	/* before service-fail */
	ck_assert_int_eq(classify(&dkim_survived), CLASS_FORWARDED);
	ck_assert_int_eq(classify(&dkim_and_spf), CLASS_UNKNOWN_FAIL);	/* SPF passed too: no forwarding to explain it */
	/* The reasons that say so. */
	ck_assert(class_forward_reason("forwarded", 9, NULL, 0));
	ck_assert(class_forward_reason("Mailing_List", 12, NULL, 0));
	ck_assert(class_forward_reason("trusted_forwarder", 17, NULL, 0));
	ck_assert(class_forward_reason("local_policy", 12, "arc=pass", 8));
	ck_assert(class_forward_reason("local_policy", 12, "arc=pass as.1.google.com=pass", 29));
	ck_assert(!class_forward_reason("local_policy", 12, "arc=fail", 8));
	ck_assert(!class_forward_reason("local_policy", 12, "notarc=pass", 11));
	ck_assert(!class_forward_reason("local_policy", 12, NULL, 0));
	ck_assert(!class_forward_reason("sampled_out", 11, "arc=pass", 8));
}
END_TEST

START_TEST(rule3_approved_fail)
{
	struct class_facts f = { .approved = true, .service = true };

	ck_assert_int_eq(classify(&f), CLASS_APPROVED_FAIL);	/* before service-fail */
}
END_TEST

START_TEST(rule4_service_fail)
{
	struct class_facts f = { .service = true };

	ck_assert_int_eq(classify(&f), CLASS_SERVICE_FAIL);
}
END_TEST

START_TEST(rule5_unknown_fail)
{
	struct class_facts f = { 0 };

	ck_assert_int_eq(classify(&f), CLASS_UNKNOWN_FAIL);
	ck_assert_str_eq(class_name(CLASS_UNKNOWN_FAIL), "unknown-fail");
	ck_assert_str_eq(class_name(CLASS_APPROVED_FAIL), "approved-fail");
}
END_TEST

/* ---------------------------------------------------------------- services */

static const char table[] =
	"# comment\n"
	"Google\tmailbox\tptr:google.com dkim:gmail.com asn:15169\thttps://example.test/google\n"
	"Lists\tforwarder\tptr:lists.google.com\tsource\n"
	"ESP\tesp\tdkim:esp.example asn:64500\tsource\n";

START_TEST(services_match)
{
	char *path = file_with(table), err[256];
	struct services *s = services_load(path, NULL, err, sizeof err);
	const struct service *sv;

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(services_count(s), 3);
	ck_assert_ptr_nonnull(sv = services_by_domain(s, 1, "mail-ot1-f41.google.com", 23));
	ck_assert_str_eq(sv->name, "Google");
	ck_assert_str_eq(sv->type, "mailbox");
	/* The most specific entry wins; case and a trailing dot do not matter. */
	ck_assert_str_eq(services_by_domain(s, 1, "X.Lists.Google.COM.", 19)->name, "Lists");
	/* ptr: and dkim: are apart; label boundaries hold. */
	ck_assert_ptr_null(services_by_domain(s, 0, "google.com", 10));
	ck_assert_ptr_null(services_by_domain(s, 1, "notgoogle.com", 13));
	ck_assert_ptr_null(services_by_domain(s, 1, "com", 3));
	ck_assert_str_eq(services_by_domain(s, 0, "bounce.esp.example", 18)->name, "ESP");
	ck_assert_str_eq(services_by_asn(s, 64500)->name, "ESP");
	ck_assert_ptr_null(services_by_asn(s, 64501));
	ck_assert_ptr_null(services_by_asn(s, 0));
	ck_assert_str_eq(services_by_name(s, "google")->name, "Google");
	services_free(s);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(services_extra_overrides)
{
	char *path = file_with(table), *extra = file_with("Google\tother\tptr:googlemail.example\tours\nCRM\tcrm\tdkim:crm.example\tours\n");
	char err[256];
	struct services *s = services_load(path, extra, err, sizeof err);

	ck_assert_msg(s != NULL, "%s", err);
	ck_assert_uint_eq(services_count(s), 4);
	/* The operator's Google replaces the table's whole: its old matches are gone. */
	ck_assert_ptr_null(services_by_domain(s, 1, "google.com", 10));
	ck_assert_ptr_null(services_by_asn(s, 15169));
	ck_assert_str_eq(services_by_domain(s, 1, "a.googlemail.example", 20)->type, "other");
	ck_assert_str_eq(services_by_domain(s, 0, "crm.example", 11)->name, "CRM");
	services_free(s);
	unlink(path);
	unlink(extra);
	free(path);
	free(extra);
}
END_TEST

START_TEST(services_errors_name_the_line)
{
	static const char *const bad[] = {
		"Good\tesp\tdkim:a.example\tx\nBad\tesp\n",		/* too few columns */
		"Good\tesp\tdkim:a.example\tx\n\nBad\tnosuch\tdkim:b.example\tx\n",
		"Good\tesp\tdkim:a.example\tx\nBad\tesp\tmx:b.example\tx\n",
		"Good\tesp\tdkim:a.example\tx\nBad\tesp\tasn:12x\tx\n",
		"Good\tesp\tdkim:a.example\tx\nTwo words\tesp\tdkim:b.example\tx\n",
	};
	static const char *const where[] = { ":2: ", ":3: ", ":2: ", ":2: ", ":2: " };
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = file_with(bad[i]), err[256], want[300];

		ck_assert_ptr_null(services_load(path, NULL, err, sizeof err));
		snprintf(want, sizeof want, "%s%s", path, where[i]);
		ck_assert_msg(!strncmp(err, want, strlen(want)), "case %zu: %s", i, err);
		unlink(path);
		free(path);
	}
}
END_TEST

/* ---------------------------------------------------------------- approved */

START_TEST(approved_rules)
{
	char *path = file_with(table), *ap, err[256];
	struct services *s = services_load(path, NULL, err, sizeof err);
	const char *const crm[] = { "mail.crm.example.net" }, *const other[] = { "crm.example.org" };
	struct approved *a;

	ap = file_with("# ours\n"
		       "example.com  192.0.2.0/24  2001:db8::/32  service:Google  dkim:crm.example.net  # trailing comment\n"
		       "shop.example.com  198.51.100.7\n");
	ck_assert_msg((a = approved_load(ap, s, err, sizeof err)) != NULL, "%s", err);
	/* Networks, v4 and v6, and one address. */
	ck_assert(approved_match(a, "example.com", 11, &(struct approved_facts){ "192.0.2.200", NULL, NULL, 0 }));
	ck_assert(!approved_match(a, "example.com", 11, &(struct approved_facts){ "192.0.3.1", NULL, NULL, 0 }));
	ck_assert(approved_match(a, "example.com", 11, &(struct approved_facts){ "2001:db8:ffff::1", NULL, NULL, 0 }));
	ck_assert(!approved_match(a, "example.com", 11, &(struct approved_facts){ "2001:db9::1", NULL, NULL, 0 }));
	/* A subdomain without a line of its own has its parent's. */
	ck_assert(approved_match(a, "News.Example.COM", 16, &(struct approved_facts){ "192.0.2.1", NULL, NULL, 0 }));
	/* One with its own line has that line alone. */
	ck_assert(!approved_match(a, "shop.example.com", 16, &(struct approved_facts){ "192.0.2.1", NULL, NULL, 0 }));
	ck_assert(approved_match(a, "shop.example.com", 16, &(struct approved_facts){ "198.51.100.7", NULL, NULL, 0 }));
	ck_assert(!approved_match(a, "shop.example.com", 16, &(struct approved_facts){ "198.51.100.8", NULL, NULL, 0 }));
	/* A service, a passing DKIM domain (or one below it). */
	ck_assert(approved_match(a, "example.com", 11,
				 &(struct approved_facts){ "203.0.113.1", services_by_name(s, "Google"), NULL, 0 }));
	ck_assert(!approved_match(a, "example.com", 11,
				  &(struct approved_facts){ "203.0.113.1", services_by_name(s, "ESP"), NULL, 0 }));
	ck_assert(approved_match(a, "example.com", 11, &(struct approved_facts){ "203.0.113.1", NULL, crm, 1 }));
	ck_assert(!approved_match(a, "example.com", 11, &(struct approved_facts){ "203.0.113.1", NULL, other, 1 }));
	/* Not a domain of the file; no address. */
	ck_assert(!approved_match(a, "example.org", 11, &(struct approved_facts){ "192.0.2.1", NULL, NULL, 0 }));
	ck_assert(!approved_match(a, "example.com", 11, &(struct approved_facts){ NULL, NULL, NULL, 0 }));
	approved_free(a);
	unlink(ap);
	free(ap);
	services_free(s);
	unlink(path);
	free(path);
}
END_TEST

START_TEST(approved_errors_name_the_line)
{
	static const char *const bad[] = {
		"example.com 192.0.2.0/33\n",
		"example.com 192.0.2.0/24\n\nexample.org service:Nosuch\n",
		"example.com 192.0.2.0/24\nexample.com 192.0.2.1\n",
		"# c\nnot_a domain! 192.0.2.1\n",
		"example.com 2001:db8::/129\n",
		"example.com dkim:\n",
	};
	static const char *const where[] = { ":1: ", ":3: ", ":2: ", ":2: ", ":1: ", ":1: " };
	char *tpath = file_with(table), err[256];
	struct services *s = services_load(tpath, NULL, err, sizeof err);
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *path = file_with(bad[i]), want[300];

		ck_assert_ptr_null(approved_load(path, s, err, sizeof err));
		snprintf(want, sizeof want, "%s%s", path, where[i]);
		ck_assert_msg(!strncmp(err, want, strlen(want)), "case %zu: %s", i, err);
		unlink(path);
		free(path);
	}
	services_free(s);
	unlink(tpath);
	free(tpath);
}
END_TEST

/* ---------------------------------------------------------------- names */

START_TEST(host_names)
{
	char long_label[70], long_name[300];

	ck_assert(rdns_valid_name("mail.example.com", 16));
	ck_assert(rdns_valid_name("mail.example.com.", 17));
	ck_assert(rdns_valid_name("_dmarc.x-y.example", 18));
	ck_assert(!rdns_valid_name("", 0));
	ck_assert(!rdns_valid_name("a..b", 4));
	ck_assert(!rdns_valid_name(".a", 2));
	ck_assert(!rdns_valid_name("a b.example", 11));
	ck_assert(!rdns_valid_name("evil\x1b[31m.example", 17));
	ck_assert(!rdns_valid_name("b\xc3\xbc" "cher.example", 14));	/* not ASCII */
	ck_assert(!rdns_valid_name("a\\032b.example", 14));		/* c-ares's escape of a space */
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	snprintf(long_name, sizeof long_name, "%s.example", long_label);
	ck_assert(!rdns_valid_name(long_name, strlen(long_name)));	/* a 64-byte label */
	memset(long_name, 'a', 255);
	for (int i = 63; i < 255; i += 64)
		long_name[i] = '.';
	long_name[255] = '\0';
	ck_assert(!rdns_valid_name(long_name, 255));			/* 255 bytes */
	ck_assert(rdns_valid_name(long_name, 253));
	ck_assert_int_eq(rdns_state_parse("unresolved", 10), RDNS_UNRESOLVED);
	ck_assert_int_eq(rdns_state_parse("yes", 3), RDNS_CONFIRMED);
	ck_assert_int_eq(rdns_state_parse("maybe", 5), -1);
}
END_TEST

START_TEST(base_domains)
{
	struct conf c;
	struct sources *s;
	char err[256], out[256];

	conf_defaults(&c, CONF_CONSUME);
	free(c.services_file);
	c.services_file = NULL;
	ck_assert_msg((s = sources_open(&c, err, sizeof err)) != NULL, "%s", err);
	sources_base_domain(s, "mail-ot1-f41.google.com", 23, out, sizeof out);
	ck_assert_str_eq(out, "google.com");
	/* Case and a trailing dot would give wrong answers without lower-casing and cutting. */
	sources_base_domain(s, "A.B.Example.CO.UK.", 18, out, sizeof out);
	ck_assert_str_eq(out, "example.co.uk");
	sources_base_domain(s, "co.uk", 5, out, sizeof out);
	ck_assert_str_eq(out, "");					/* a public suffix has none */
	sources_close(s);
	conf_free(&c);
}
END_TEST

UNIT_SUITE("sources", rule1_pass, rule2_forwarded, rule3_approved_fail, rule4_service_fail, rule5_unknown_fail,
	   services_match, services_extra_overrides, services_errors_name_the_line, approved_rules,
	   approved_errors_name_the_line, host_names, base_domains)

/* Unit tests: which Authentication-Results fields count, and what they say (authres.c). */
#include "config.h"

#include <check.h>
#include <string.h>

#include "authres.h"
#include "unit.h"

#define ID "mx.example.com"
#define FROM "sender.example"

/* The judgement of a header of n (name, value) pairs. */
static enum mail_auth
judge(const struct mime_field *f, size_t n)
{
	struct mime_fields h = { f, n };

	return authres_judge(&h, ID, FROM);
}

#define AR "Authentication-Results"
#define ONE(v) judge((struct mime_field[]){ { AR, v } }, 1)

START_TEST(results_and_their_domains)
{
	ck_assert_int_eq(ONE(ID "; dmarc=pass header.from=" FROM), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID "; dmarc=pass"), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID "; dmarc=pass header.from=other.example"), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; dmarc=fail header.from=" FROM), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; dkim=pass header.d=" FROM), MAIL_AUTH_DKIM);
	ck_assert_int_eq(ONE(ID "; dkim=pass header.d=example"), MAIL_AUTH_DKIM);
	ck_assert_int_eq(ONE(ID "; dkim=pass header.d=der.example"), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; dkim=pass header.d=mail." FROM), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; dkim=fail header.d=" FROM "; dkim=pass header.d=" FROM), MAIL_AUTH_DKIM);
	ck_assert_int_eq(ONE(ID "; none"), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; spf=pass smtp.mailfrom=" FROM), MAIL_AUTH_NONE);
}
END_TEST

/* RFC 8601's syntax as milters and people write it. */
START_TEST(syntax)
{
	ck_assert_int_eq(ONE(ID " 1; dmarc=pass (p=reject dis=none) header.from=" FROM), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE("MX.Example.COM; DMARC=Pass header.from=" FROM), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID "/4AbC12; dmarc=pass header.from=" FROM), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID ";\r\n\tdkim = pass (2048-bit key; unprotected) header.d = " FROM " header.s=s1"),
			 MAIL_AUTH_DKIM);
	ck_assert_int_eq(ONE(ID "; dkim=pass reason=\"a; b (c)\" header.d=\"" FROM "\""), MAIL_AUTH_DKIM);
	ck_assert_int_eq(ONE(ID " (a comment; dmarc=fail) ; dmarc=pass header.from=" FROM), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID "; dkim/1=pass header.d=" FROM), MAIL_AUTH_DKIM);
	/* Not ours: another id, or ours as a prefix of another. */
	ck_assert_int_eq(ONE("mx.example.com.evil.example; dmarc=pass"), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE("evil.example; dmarc=pass header.from=" FROM), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE("(" ID ") evil.example; dmarc=pass"), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(""), MAIL_AUTH_NONE);
	ck_assert_int_eq(ONE(ID "; dmarc=pass (unclosed comment"), MAIL_AUTH_DMARC);
	ck_assert_int_eq(ONE(ID "; dmarc"), MAIL_AUTH_NONE);
}
END_TEST

/* Which of several fields count. */
START_TEST(which_fields)
{
	struct mime_field below[] = {
		{ AR, ID "; dmarc=fail header.from=" FROM },
		{ "Received", "from outside by " ID },
		{ AR, ID "; dmarc=pass header.from=" FROM },
	};
	struct mime_field next_to[] = {
		{ AR, ID "; dmarc=fail header.from=" FROM },
		{ AR, ID "; dmarc=pass header.from=" FROM },
	};
	struct mime_field two_milters[] = {
		{ "Return-Path", "<r@" FROM ">" },
		{ AR, ID "; dkim=fail header.d=" FROM },
		{ "X-Spam-Status", "No" },
		{ AR, ID "/1; dmarc=pass header.from=" FROM },
		{ "Received", "from outside by " ID },
		{ AR, "other.example; dmarc=fail" },
	};
	struct mime_field above_ours_foreign[] = {
		{ AR, "evil.example; dmarc=pass" },
		{ AR, ID "; dkim=pass header.d=" FROM },
	};

	ck_assert_int_eq(judge(below, 3), MAIL_AUTH_NONE);
	ck_assert_int_eq(judge(next_to, 2), MAIL_AUTH_NONE);
	ck_assert_int_eq(judge(two_milters, 6), MAIL_AUTH_DMARC);
	ck_assert_int_eq(judge(above_ours_foreign, 2), MAIL_AUTH_DKIM);
	ck_assert_int_eq(judge(below, 0), MAIL_AUTH_NONE);
}
END_TEST

START_TEST(unchecked_and_names)
{
	struct mime_fields h = { (struct mime_field[]){ { AR, ID "; dmarc=pass" } }, 1 };

	ck_assert_int_eq(authres_judge(&h, NULL, FROM), MAIL_AUTH_UNCHECKED);
	ck_assert_int_eq(authres_judge(&h, ID, ""), MAIL_AUTH_NONE);
	ck_assert_str_eq(mail_auth_name(MAIL_AUTH_UNCHECKED), "unchecked");
	ck_assert_str_eq(mail_auth_name(MAIL_AUTH_NONE), "none");
	ck_assert_str_eq(mail_auth_name(MAIL_AUTH_DKIM), "dkim");
	ck_assert_str_eq(mail_auth_name(MAIL_AUTH_DMARC), "dmarc");
}
END_TEST

UNIT_SUITE("authres", results_and_their_domains, syntax, which_fields, unchecked_and_names)

/* Unit tests: "host:port" and lists of them (hostport.c). */
#include "config.h"

#include <check.h>
#include <string.h>

#include "hostport.h"
#include "unit.h"

START_TEST(parses_what_operators_write)
{
	static const struct { const char *in; unsigned dflt; const char *host; unsigned port; } cases[] = {
		{ "redis1.example.net:6379", 0, "redis1.example.net", 6379 },
		{ "192.0.2.7:26379", 0, "192.0.2.7", 26379 },
		{ "[2001:db8::7]:26379", 0, "2001:db8::7", 26379 },
		{ "[::1]", 26379, "::1", 26379 },
		{ "sentinel-a", 26379, "sentinel-a", 26379 },
		{ "h:1", 0, "h", 1 },
		{ "h:65535", 0, "h", 65535 },
		{ "127.0.0.1:0", 0, "127.0.0.1", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hostport hp;
		char why[200] = "";

		ck_assert_msg(hostport_parse(cases[i].in, strlen(cases[i].in), cases[i].dflt, &hp, why, sizeof why) == 0,
			      "%s: %s", cases[i].in, why);
		ck_assert_str_eq(hp.host, cases[i].host);
		ck_assert_uint_eq(hp.port, cases[i].port);
	}
}
END_TEST

START_TEST(refuses_with_a_reason)
{
	static const struct { const char *in; unsigned dflt; const char *why; } cases[] = {
		{ "host", 0, "want host:port" },
		{ "host:", 0, "no port after the colon" },
		{ ":6379", 0, "no host" },
		{ "host:65536", 0, "from 0 to 65535" },
		{ "host:99999999999999999999", 0, "from 0 to 65535" },
		{ "host:63x", 0, "from 0 to 65535" },
		{ "2001:db8::7:26379", 0, "[address]:port" },
		{ "[2001:db8::7", 0, "unclosed [" },
		{ "[::1]x", 0, "want [address]:port" },
		{ "[]:1", 0, "no host" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct hostport hp;
		char why[200] = "";

		ck_assert_msg(hostport_parse(cases[i].in, strlen(cases[i].in), cases[i].dflt, &hp, why, sizeof why) < 0,
			      "%s accepted", cases[i].in);
		ck_assert_msg(strstr(why, cases[i].why), "%s: '%s' lacks '%s'", cases[i].in, why, cases[i].why);
	}
}
END_TEST

START_TEST(walks_a_list)
{
	const char *list = " a:1, [::1]:2 ,,b:3\t", *cur = list, *item;
	const char *want[] = { "a:1", "[::1]:2", "b:3" };
	size_t len, n = 0;

	while (hostport_next(&cur, &item, &len)) {
		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(len, strlen(want[n]));
		ck_assert(!memcmp(item, want[n], len));
		n++;
	}
	ck_assert_uint_eq(n, 3);
	cur = " , ";
	ck_assert(!hostport_next(&cur, &item, &len));
}
END_TEST

UNIT_SUITE("hostport", parses_what_operators_write, refuses_with_a_reason, walks_a_list)

/* Unit tests: escaping for syslog and JSON (escape.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "unit.h"
#include "testlib.h"

static char *
syslog_esc(const char *s, size_t len, size_t cap)
{
	struct buf b = BUF_INIT(0);

	ck_assert_int_eq(esc_syslog(&b, s, len, cap), 0);
	return b.data ? b.data : strdup("");
}

static char *
json_esc(const char *s, size_t len)
{
	struct buf b = BUF_INIT(0);

	ck_assert_int_eq(esc_json(&b, s, len), 0);
	return b.data ? b.data : strdup("");
}

START_TEST(syslog_specials)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "plain text", "plain text" },
		{ "a\"b", "a\\\"b" },
		{ "back\\slash", "back\\\\slash" },
		{ "sd]close", "sd\\]close" },
		{ "line\nbreak\r\ttab", "line\\nbreak\\r\\ttab" },
		{ "bell\a del\x7f", "bell\\x07 del\\x7f" },
		{ "bad \xff utf8", "bad \\xff utf8" },
		{ "c1 \xc2\x85 control", "c1 \\xc2\\x85 control" },
		{ "ok \xc3\xa9 \xe2\x82\xac", "ok \xc3\xa9 \xe2\x82\xac" },
		{ "overlong \xc0\xaf", "overlong \\xc0\\xaf" },
		{ "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = syslog_esc(cases[i].in, strlen(cases[i].in), 0);
		ck_assert_msg(!strcmp(got, cases[i].want), "case %zu: got '%s', want '%s'", i, got, cases[i].want);
		free(got);
	}
}
END_TEST

START_TEST(syslog_no_raw_control_bytes_any_byte)
{
	char in[3] = { 'x', 0, 'y' };
	int c;

	for (c = 0; c < 256; c++) {
		char *got;
		const unsigned char *p;

		in[1] = (char)c;
		got = syslog_esc(in, 3, 0);
		for (p = (const unsigned char *)got; *p; p++)
			ck_assert_msg(*p >= 0x20 && *p != 0x7f && *p < 0x80, "byte 0x%02x leaked raw for input 0x%02x", *p, c);
		free(got);
	}
}
END_TEST

START_TEST(syslog_round_trip)
{
	static const char *inputs[] = {
		"Evil \"Org\" \\ ] name\ninjected=1\r\ttab",
		"\x01\x02\x1f\x7f and \xc3\xa9",
		"\xff\xfe invalid",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		char *esc = syslog_esc(inputs[i], strlen(inputs[i]), 0);
		struct buf back = BUF_INIT(0);

		ck_assert_int_eq(unesc_syslog(&back, esc, strlen(esc)), 0);
		ck_assert_msg(back.len == strlen(inputs[i]) && !memcmp(back.data ? back.data : "", inputs[i], back.len),
			      "case %zu did not round-trip: '%s'", i, esc);
		buf_free(&back);
		free(esc);
	}
}
END_TEST

START_TEST(syslog_cap_cuts_at_character)
{
	char in[300];
	char *got;

	memset(in, '\n', sizeof in);	/* each escapes to two bytes */
	got = syslog_esc(in, sizeof in, 11);
	ck_assert_str_eq(got, "\\n\\n\\n\\n\\n...");
	free(got);
	got = syslog_esc("short", 5, 256);
	ck_assert_str_eq(got, "short");
	free(got);
}
END_TEST

START_TEST(esc_log_fixed_buffer)
{
	char small[8], big[64];

	ck_assert_str_eq(esc_log(big, sizeof big, "a\"b\n"), "a\\\"b\\n");
	ck_assert_str_eq(esc_log(big, sizeof big, NULL), "");
	ck_assert_str_eq(esc_log(small, sizeof small, "abcdefghijkl"), "abcd...");
}
END_TEST

START_TEST(json_specials)
{
	static const struct { const char *in; size_t len; const char *want; } cases[] = {
		{ "plain", 5, "plain" },
		{ "q\"b\\", 4, "q\\\"b\\\\" },
		{ "nl\ncr\rtab\t", 10, "nl\\ncr\\rtab\\t" },
		{ "\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f" },
		{ "nul\0x", 5, "nul\\u0000x" },
		{ "bad\xff", 4, "bad\\ufffd" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls\\u2028ps\\u2029" },
		{ "\xc3\xa9\xf0\x9f\x98\x80", 6, "\xc3\xa9\xf0\x9f\x98\x80" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = json_esc(cases[i].in, cases[i].len);
		ck_assert_msg(!strcmp(got, cases[i].want), "case %zu: got '%s', want '%s'", i, got, cases[i].want);
		free(got);
	}
}
END_TEST

/* Long plain runs go eight bytes at a time: each byte value, at each place in a word, must still be seen. */
START_TEST(json_every_byte_at_every_offset)
{
	static const char plain[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	char in[40], want[64];
	unsigned c, at;

	for (c = 0; c < 256; c++) {
		char one = (char)c, *alone = json_esc(&one, 1);

		for (at = 0; at < 24; at++) {
			char *got;

			memset(in, 'a', sizeof in);
			in[at] = (char)c;
			snprintf(want, sizeof want, "%.*s%s%.*s", (int)at, plain, alone, (int)(sizeof in - at - 1), plain);
			got = json_esc(in, sizeof in);
			ck_assert_msg(!strcmp(got, want), "byte 0x%02x at %u: got %s", c, at, got);
			free(got);
		}
		free(alone);
	}
}
END_TEST

static char *
html_esc(const char *s, size_t len)
{
	struct buf b = BUF_INIT(0);

	ck_assert_int_eq(esc_html(&b, s, len), 0);
	return b.data ? b.data : strdup("");
}

START_TEST(html_specials)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;" },
		{ "\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" },
		{ "' onmouseover='x", "&#39; onmouseover=&#39;x" },
		{ "</style><!-- a & b -->", "&lt;/style&gt;&lt;!-- a &amp; b --&gt;" },
		{ "tab\tline\n", "tab\tline\n" },
		{ "nul\001bell\007del\177", "nul\xef\xbf\xbd" "bell\xef\xbf\xbd" "del\xef\xbf\xbd" },
		{ "c1\xc2\x85next", "c1\xef\xbf\xbdnext" },
		{ "caf\xc3\xa9 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
		{ "bad\xff\xc3", "bad\xef\xbf\xbd\xef\xbf\xbd" },
		{ "javascript:alert(1)", "javascript:alert(1)" },	/* text: harmless outside a URL, and no URL is built from it */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = html_esc(cases[i].in, strlen(cases[i].in));

		ck_assert_msg(!strcmp(got, cases[i].want), "%s: got %s", cases[i].in, got);
		free(got);
	}
}
END_TEST

/* Whatever the bytes, the result has no markup character and no control but TAB and LF. */
START_TEST(html_any_byte)
{
	unsigned c, d;

	for (c = 0; c < 256; c++)
		for (d = 0; d < 256; d += 17) {
			char in[3] = { (char)c, (char)d, 'x' }, *got = html_esc(in, 3), *p;

			for (p = got; *p; p++) {
				unsigned char u = (unsigned char)*p;

				ck_assert_msg(!strchr("<>\"'", *p) && (u >= 0x20 || u == '\t' || u == '\n') && u != 0x7f,
					      "0x%02x 0x%02x: byte 0x%02x in %s", c, d, u, got);
			}
			free(got);
		}
}
END_TEST

START_TEST(utf8_lengths)
{
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"a", 1), 1);
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2), 2);
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"\xc3", 1), 0);	/* cut short */
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"\xe0\x80\x80", 3), 0);	/* overlong */
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);	/* > U+10FFFF */
	ck_assert_uint_eq(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
}
END_TEST

UNIT_SUITE("escape", json_every_byte_at_every_offset, syslog_specials, syslog_no_raw_control_bytes_any_byte, syslog_round_trip,
	   syslog_cap_cuts_at_character, esc_log_fixed_buffer,
	   json_specials, html_specials, html_any_byte, utf8_lengths)

/* Unit tests: the configuration file reader (conf.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "conf.h"
#include "unit.h"

static char path[64];

/* Write text to a temporary file; its name is in path. */
static void
write_conf(const char *text)
{
	int fd;

	strcpy(path, "/tmp/dmarc-pipe-conf.XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Load text as who reads it; returns the error message or "" on success. */
static const char *
load_as(struct conf *c, enum conf_program who, const char *text)
{
	static char err[512];

	err[0] = '\0';
	write_conf(text);
	conf_defaults(c, who);
	if (conf_load(c, who, path, false, err, sizeof err) == 0)
		err[0] = '\0';
	unlink(path);
	return err;
}

static const char *
load(struct conf *c, const char *text)
{
	return load_as(c, CONF_PIPE, text);
}

START_TEST(defaults)
{
	struct conf c;

	conf_defaults(&c, CONF_PIPE);
	ck_assert(c.syslog);
	ck_assert_int_eq(c.syslog_facility, LOG_MAIL);
	ck_assert_str_eq(c.syslog_ident, "dmarc-pipe");
	ck_assert_ptr_null(c.quarantine_dir);
	ck_assert_uint_eq(c.max_message_size, 64ULL << 20);
	ck_assert_uint_eq(c.max_records, 500000);
	conf_free(&c);
}
END_TEST

START_TEST(good_file)
{
	struct conf c;
	const char *err = load(&c,
		"# comment\n"
		"\n"
		"  syslog = no  \n"
		"syslog_facility = local3\n"
		"syslog_ident = dmarc-test\n"
		"quarantine_dir = /var/spool/dmarc-pipe/quarantine\n"
		"max_report_size = 16M\n"
		"max_total_size = 2g\n"
		"max_records = 1000\n");

	ck_assert_str_eq(err, "");
	ck_assert(!c.syslog);
	ck_assert_int_eq(c.syslog_facility, LOG_LOCAL3);
	ck_assert_str_eq(c.syslog_ident, "dmarc-test");
	ck_assert_str_eq(c.quarantine_dir, "/var/spool/dmarc-pipe/quarantine");
	ck_assert_uint_eq(c.max_report_size, 16ULL << 20);
	ck_assert_uint_eq(c.max_total_size, 2ULL << 30);
	ck_assert_uint_eq(c.max_records, 1000);
	conf_free(&c);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "syslog = yes\nbogus = 1\n", ":2: unknown key 'bogus'" },
		{ "syslog = maybe\n", ":1: syslog: expected yes or no" },
		{ "max_records = 12x\n", ":1: max_records: expected a whole number" },
		{ "max_records = 0\n", ":1: max_records: value out of range" },
		{ "max_report_size = 5T\n", ":1: max_report_size: expected a size" },
		{ "max_records = 99999999999999999999999\n", ":1: max_records: expected a whole number" },
		{ "syslog_facility = kern\n", ":1: syslog_facility: expected mail" },
		{ "\n\nmax_records\n", ":3: expected key = value" },
		{ "syslog = yes\nsyslog = no\n", ":2: syslog is set twice" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf c;
		const char *err = load(&c, cases[i].text);

		ck_assert_msg(strstr(err, path) && strstr(err, cases[i].want),
			      "case %zu: got '%s', want '%s' after the file name", i, err, cases[i].want);
		conf_free(&c);
	}
}
END_TEST

START_TEST(cross_checks)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "redis_socket = /run/redis.sock\nredis_host = 127.0.0.1\n", "set one of redis_socket, redis_host, redis_sentinels and redis_cluster" },
		{ "redis_sentinels = s1\nredis_master_name = m\nredis_cluster = c1\n", "set one of redis_socket" },
		{ "redis_host = r\nredis_sentinels = s1\nredis_master_name = m\n", "set one of redis_socket, redis_host" },
		{ "redis_sentinels = s1:26379\n", "redis_sentinels and redis_master_name go together" },
		{ "redis_master_name = m\n", "redis_sentinels and redis_master_name go together" },
		{ "redis_sentinels = s1, 2001:db8::1\nredis_master_name = m\n", "write an IPv6 address as [address]:port" },
		{ "redis_sentinels = s1:0\nredis_master_name = m\n", "port 0" },
		{ "redis_sentinels = ,\nredis_master_name = m\n", "redis_sentinels names no server" },
		{ "redis_cluster = c1, c2:0\n", "redis_cluster: \"c2:0\": port 0" },
		{ "redis_cluster = , ,\n", "redis_cluster names no server" },
		{ "redis_cluster = c1:7000, [2001:db8::1\n", "unclosed [" },
		{ "redis_cluster = c1:7000\nredis_db = 2\n", "redis_db must be 0 with redis_cluster" },
		{ "redis_sentinels = s1\nredis_master_name = m\nredis_sentinel_username = u\n",
		  "redis_sentinel_username needs redis_sentinel_password" },
		{ "redis_min_replicas = 1\nredis_wait_timeout_ms = 10000\n", "redis_wait_timeout_ms (10000) must be less than" },
		{ "key_prefix = a{b}\n", "key_prefix may not contain braces" },
		{ "key_prefix =\n", "key_prefix must not be empty" },
		{ "redis_username = u\n", "redis_username needs redis_password" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct conf c;
		char err[512] = "";

		ck_assert_str_eq(load(&c, cases[i].text), "");
		ck_assert_int_eq(conf_check(&c, CONF_PIPE, "test.conf", err, sizeof err), -1);
		ck_assert_msg(strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err, cases[i].want);
		conf_free(&c);
	}
	{
		struct conf c;
		char err[512] = "";

		ck_assert_str_eq(load(&c, "redis_socket = /run/redis.sock\n"), "");
		ck_assert_int_eq(conf_check(&c, CONF_PIPE, "test.conf", err, sizeof err), 0);
		ck_assert(conf_has_redis(&c));
		conf_free(&c);
	}
	{
		struct conf c;
		char err[512] = "";

		ck_assert_str_eq(load(&c, "redis_sentinels = s1, [::1]:26380 ,10.0.0.3\nredis_master_name = m\n"), "");
		ck_assert_msg(conf_check(&c, CONF_PIPE, "test.conf", err, sizeof err) == 0, "%s", err);
		ck_assert(conf_has_redis(&c));
		conf_free(&c);
	}
}
END_TEST

START_TEST(missing_file)
{
	struct conf c;
	char err[256] = "";

	conf_defaults(&c, CONF_PIPE);
	ck_assert_int_eq(conf_load(&c, CONF_PIPE, "/nonexistent/dmarc-pipe.conf", true, err, sizeof err), 0);
	ck_assert_int_eq(conf_load(&c, CONF_PIPE, "/nonexistent/dmarc-pipe.conf", false, err, sizeof err), -1);
	ck_assert_msg(strstr(err, "No such file"), "got '%s'", err);
	conf_free(&c);
}
END_TEST

START_TEST(empty_string_clears)
{
	struct conf c;
	const char *err = load(&c, "quarantine_dir =\n");

	ck_assert_str_eq(err, "");
	ck_assert_ptr_null(c.quarantine_dir);
	conf_free(&c);
}
END_TEST

/* One file, two programs: each reads its own keys and the shared ones, and accepts the other's unread. */
START_TEST(each_program_its_own_keys)
{
	struct conf c;
	char err[512] = "";

	/* dmarc-pipe skips a consumer key, even a bad value: a typo there must not defer mail. */
	ck_assert_str_eq(load_as(&c, CONF_PIPE, "consume_count = abc\nbatch_dir = /b\nmax_records = 7\n"), "");
	ck_assert_uint_eq(c.consume_count, 0);
	ck_assert_ptr_null(c.batch_dir);
	ck_assert_uint_eq(c.max_records, 7);
	conf_free(&c);
	/* dmarc-consume reads it and says where it is wrong. */
	ck_assert_msg(strstr(load_as(&c, CONF_CONSUME, "consume_count = abc\n"), ":1: consume_count: expected a whole number"),
		      "consume_count not read by dmarc-consume");
	conf_free(&c);
	/* dmarc-consume skips dmarc-pipe's keys. */
	ck_assert_str_eq(load_as(&c, CONF_CONSUME, "max_records = x\nstore = none\nconsume_count = 9\nkey_prefix = p\n"), "");
	ck_assert_uint_eq(c.max_records, 0);
	ck_assert_ptr_null(c.store);
	ck_assert_uint_eq(c.consume_count, 9);
	ck_assert_str_eq(c.key_prefix, "p");
	ck_assert_msg(conf_check(&c, CONF_CONSUME, "test.conf", err, sizeof err) == 0, "%s", err);
	conf_free(&c);
	/* A key neither program knows, or one set twice, is still an error for both. */
	ck_assert(strstr(load_as(&c, CONF_CONSUME, "\nbogus = 1\n"), ":2: unknown key 'bogus'"));
	conf_free(&c);
	ck_assert(strstr(load_as(&c, CONF_PIPE, "batch_dir = a\nbatch_dir = b\n"), ":2: batch_dir is set twice"));
	conf_free(&c);
	/* Each program's defaults are its own. */
	conf_defaults(&c, CONF_CONSUME);
	ck_assert_uint_eq(c.consume_count, 250);
	ck_assert_uint_eq(c.max_records, 0);
	ck_assert_str_eq(c.key_prefix, "dmarc");
	conf_free(&c);
	/* dmarc-consume's own checks. */
	ck_assert_str_eq(load_as(&c, CONF_CONSUME, "batch_format = xml\n"), "");
	ck_assert_int_eq(conf_check(&c, CONF_CONSUME, "test.conf", err, sizeof err), -1);
	ck_assert_msg(strstr(err, "batch_format must be tsv or csv"), "%s", err);
	conf_free(&c);
}
END_TEST

UNIT_SUITE("conf", defaults, good_file, errors_name_file_and_line, cross_checks, missing_file, empty_string_clears, each_program_its_own_keys)

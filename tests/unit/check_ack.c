/*
 * Unit tests: the Prometheus text (prom.c, the sinks' health on /metrics)
 * and the acknowledgement script's arguments (ack.c): its counters, their
 * cap and the fields label sets past it fold into.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "buf.h"
#include "conf.h"
#include "metrics_page.h"
#include "prom.h"
#include "reader_int.h"
#include "unit.h"

START_TEST(label_values_escaped)
{
	struct buf b = { 0 };

	ck_assert_int_eq(prom_label(&b, "reporter", "a\\b\"c\nd", 7, 0), 0);
	ck_assert_int_eq(prom_label(&b, "x", "", 0, 1), 0);
	ck_assert(buf_putc(&b, '\0') == 0);
	ck_assert_str_eq(b.data, "reporter=\"a\\\\b\\\"c\\nd\",x=\"\"");
	buf_reset(&b);
	ck_assert_int_eq(prom_header(&b, "m_total", "Help with \\ and\nnewline.", "counter"), 0);
	ck_assert_int_eq(prom_sample(&b, "m_total", "a=\"1\"", 5, "12", 2), 0);
	ck_assert_int_eq(prom_sample(&b, "m_total", NULL, 0, "3", 1), 0);
	ck_assert(buf_putc(&b, '\0') == 0);
	ck_assert_str_eq(b.data, "# HELP m_total Help with \\\\ and\\nnewline.\n# TYPE m_total counter\n"
				 "m_total{a=\"1\"} 12\nm_total 3\n");
	buf_free(&b);
}
END_TEST

START_TEST(sink_health_samples)
{
	struct health h = { 0 };
	struct buf b = { 0 };

	h.n = 2;
	h.sinks[0].name = "metrics";
	atomic_store(&h.sinks[0].up, 1);
	h.sinks[1].name = "batch";
	atomic_store(&h.sinks[1].failures, 3);
	ck_assert_int_eq(metrics_render_health(&h, &b), 0);
	ck_assert(buf_putc(&b, '\0') == 0);
	ck_assert(strstr(b.data, "# TYPE dmarc_consume_sink_up gauge\n"));
	ck_assert(strstr(b.data, "dmarc_consume_sink_up{sink=\"metrics\"} 1\n"));
	ck_assert(strstr(b.data, "dmarc_consume_sink_up{sink=\"batch\"} 0\n"));
	ck_assert(strstr(b.data, "dmarc_consume_sink_failures_total{sink=\"batch\"} 3\n"));
	ck_assert(strstr(b.data, "# TYPE dmarc_consume_sink_failures_total counter\n"));
	buf_free(&b);
}
END_TEST

/* The index of s in argv from 'from' on, or -1. */
static int
find(const char **argv, int argc, int from, const char *s)
{
	int i;

	for (i = from; i < argc; i++)
		if (!strcmp(argv[i], s))
			return i;
	return -1;
}

START_TEST(ack_arguments)
{
	static const char *const keys[] = { "{p}:metric:a", "{p}:metric:b" };
	static const char *const overflow[] = { "r=\"other\"", "q=\"other\"" };
	static const char labels[] = "r=\"x\"\0r=\"y\"\0q=\"z\"";
	/* (key, label offset, value, entry): two equal (key, label) increments sum; entry 1's are dropped. */
	static const struct ack_incr incr[] = {
		{ 0, 0, 5, 0 }, { 0, 6, 1, 1 }, { 0, 0, 2, 2 }, { 1, 12, 7, 0 }, { 1, 12, 9, 1 },
	};
	const struct ack_counters cn = { keys, overflow, 2, 100, labels, incr, 5, NULL };
	struct entry v[3] = { { "1-0", NULL, 1 }, { "1-1", NULL, 1 }, { "2-0", NULL, 2 } };
	struct entries es = { &aggregate_schema, 0, v, 3, false, NULL };
	const bool keep[] = { true, false, true };
	struct conf c;
	struct reader *rd;
	const char **argv;
	size_t *lens;
	char *nums;
	int argc, at;

	conf_defaults(&c, CONF_CONSUME);
	ck_assert_ptr_nonnull(rd = reader_new(NULL, &c, "metrics", "host-1"));
	ck_assert_int_eq(reader_ack_args(rd, &es, keep, &cn, &argv, &lens, &nums, &argc), 0);
	ck_assert_str_eq(argv[0], "EVALSHA");
	ck_assert_str_eq(argv[2], "4");			/* the stream, the consumed hash, two counter hashes */
	ck_assert_str_eq(argv[3], "{dmarc}:records");
	ck_assert_str_eq(argv[4], "{dmarc}:consumed");
	ck_assert_str_eq(argv[5], keys[0]);
	ck_assert_str_eq(argv[6], keys[1]);
	ck_assert_str_eq(argv[7], "dmarc-consume:metrics");
	ck_assert_str_eq(argv[8], "host-1");
	ck_assert_str_eq(argv[9], "stream=\"records\",group=\"dmarc-consume:metrics\"");
	ck_assert_str_eq(argv[10], "100");		/* the cap */
	ck_assert_str_eq(argv[11], "2");		/* two IDs kept, in order */
	ck_assert_str_eq(argv[12], "2");		/* two counter hashes */
	ck_assert_str_eq(argv[13], "1-0");
	ck_assert_str_eq(argv[14], "2-0");
	ck_assert_str_eq(argv[15], overflow[0]);	/* where label sets past the cap go, per hash */
	ck_assert_str_eq(argv[16], overflow[1]);
	/* The increments of the kept entries, (key + 1, label, sum): a r="x" 7, b q="z" 7; nothing of entry 1. */
	ck_assert_int_eq(argc, 17 + 6);
	ck_assert_int_ge(at = find(argv, argc, 17, "r=\"x\""), 0);
	ck_assert_str_eq(argv[at - 1], "1");
	ck_assert_str_eq(argv[at + 1], "7");
	ck_assert_int_ge(at = find(argv, argc, 17, "q=\"z\""), 0);
	ck_assert_str_eq(argv[at - 1], "2");
	ck_assert_str_eq(argv[at + 1], "7");
	ck_assert_int_eq(find(argv, argc, 17, "r=\"y\""), -1);
	for (at = 2; at < argc; at++)
		ck_assert_uint_eq(lens[at], strlen(argv[at]));
	free(argv);
	free(lens);
	free(nums);
	/* Without counters: cap 0 (the script then checks nothing), every ID. */
	ck_assert_int_eq(reader_ack_args(rd, &es, NULL, NULL, &argv, &lens, &nums, &argc), 0);
	ck_assert_str_eq(argv[2], "2");
	ck_assert_str_eq(argv[8], "0");
	ck_assert_str_eq(argv[9], "3");
	ck_assert_str_eq(argv[10], "0");
	ck_assert_str_eq(argv[13], "2-0");
	ck_assert_int_eq(argc, 14);
	free(argv);
	free(lens);
	free(nums);
	reader_free(rd);
	conf_free(&c);
}
END_TEST

UNIT_SUITE("ack", label_values_escaped, sink_health_samples, ack_arguments)

/* Unit tests: records laid out as JSON and rows (layout.c), and where the file sinks put them (files.c). */
#include "config.h"

#include <check.h>
#include <json-c/json.h>
#include <string.h>

#include "buf.h"
#include "entry.h"
#include "files.h"
#include "layout.h"
#include "replies.h"
#include "unit.h"

#define RID "0123456789abcdef0123456789abcdef"

static const char *const hostile[] = { "rid", RID, "ord", "7", "kind", "aggregate", "records", "2",
	"org_name", "tab\there \"quoted\", comma\nnewline\r\\ \x01 \xc3\xbc \xe2\x80\xa8", "count", "42",
	"dkim_domains", "a.example,,b\\x2cc", "dkim_results", "pass,fail,", "reason_types", "forwarded", NULL };

static void
entry_of(struct entries *es, const char *const *fields)
{
	redisReply *list = rep_arr(1, rep_arr(2, rep_str("1700000000000-3"), rep_strs(fields)));

	ck_assert_int_eq(entries_from_reply(es, list, list), 0);
}

static size_t
count_char(const char *s, size_t len, char c)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		n += s[i] == c;
	return n;
}

START_TEST(json_lines_parse)
{
	struct layout l;
	struct entries es;
	struct buf out = { 0 }, scratch = { 0 };
	json_object *o, *v, *dkim;

	ck_assert_int_eq(layout_init(&l, &aggregate_schema), 0);
	entry_of(&es, hostile);
	ck_assert_int_eq(layout_json(&l, &es.v[0], NULL, &out, &scratch), 0);
	ck_assert_int_eq(out.data[out.len - 1], '\n');
	ck_assert_uint_eq(count_char(out.data, out.len, '\n'), 1);
	ck_assert(buf_putc(&out, '\0') == 0);
	ck_assert_msg((o = json_tokener_parse(out.data)) != NULL, "not JSON: %s", out.data);
	ck_assert(json_object_object_get_ex(o, "org_name", &v));
	ck_assert_str_eq(json_object_get_string(v), "tab\there \"quoted\", comma\nnewline\r\\ \x01 \xc3\xbc \xe2\x80\xa8");
	ck_assert(json_object_object_get_ex(o, "count", &v) && json_object_get_int64(v) == 42);
	ck_assert(json_object_object_get_ex(o, "ord", &v) && json_object_get_int64(v) == 7);
	ck_assert(json_object_object_get_ex(o, "stream_id", &v));
	ck_assert_str_eq(json_object_get_string(v), "1700000000000-3");
	ck_assert(json_object_object_get_ex(o, "pct", &v) && v == NULL);	/* absent: null */
	ck_assert(json_object_object_get_ex(o, "dkim", &dkim) && json_object_array_length(dkim) == 3);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(dkim, 2), "domain")),
			 "b,c");
	json_object_put(o);
	entries_free(&es);
	buf_free(&out);
	buf_free(&scratch);
}
END_TEST

/* Every row has the header's columns, in TSV (nothing raw that splits a row) and in CSV (quoted). */
START_TEST(rows_have_the_header_columns)
{
	struct layout l;
	struct entries es;
	struct buf head = { 0 }, row = { 0 };
	size_t cols;

	ck_assert_int_eq(layout_init(&l, &aggregate_schema), 0);
	entry_of(&es, hostile);
	ck_assert_int_eq(layout_header(&l, ROW_TSV, &head), 0);
	ck_assert_int_eq(layout_row(&l, &es.v[0], NULL, ROW_TSV, &row), 0);
	cols = count_char(head.data, head.len, '\t');
	ck_assert_uint_eq(cols + 1, 4 + l.ncolumns);	/* stream_id, rid, ord, kind, the columns */
	ck_assert_uint_eq(count_char(row.data, row.len, '\t'), cols);
	ck_assert_uint_eq(count_char(row.data, row.len, '\n'), 1);
	ck_assert_uint_eq(count_char(row.data, row.len, '\r'), 0);
	ck_assert(strstr(row.data, "tab\\there") && strstr(row.data, "\\nnewline\\r\\\\"));
	ck_assert(!strncmp(row.data, "1700000000000-3\t" RID "\t7\taggregate\t", 16 + 33 + 2 + 10));
	buf_reset(&head);
	buf_reset(&row);
	ck_assert_int_eq(layout_header(&l, ROW_CSV, &head), 0);
	ck_assert_int_eq(layout_row(&l, &es.v[0], NULL, ROW_CSV, &row), 0);
	ck_assert_uint_eq(count_char(head.data, head.len, ','), cols);
	ck_assert(strstr(row.data, ",\"tab\there \"\"quoted\"\", comma\nnewline\r\\ "));
	entries_free(&es);
	buf_free(&head);
	buf_free(&row);
}
END_TEST

START_TEST(every_kind_lays_out)
{
	struct layout l;
	size_t i;

	for (i = 0; kind_schemas[i]; i++) {
		ck_assert_int_eq(layout_init(&l, kind_schemas[i]), 0);
		ck_assert_uint_gt(l.ncolumns, 0);
	}
}
END_TEST

START_TEST(days_and_batch_names)
{
	struct batch_paths p;
	char day[11];

	files_day(0, day);
	ck_assert_str_eq(day, "1970-01-01");
	files_day(1764806399999ULL, day);	/* 2025-12-03T23:59:59.999Z: the stream ID's day, UTC */
	ck_assert_str_eq(day, "2025-12-03");
	files_day(1764806400000ULL, day);
	ck_assert_str_eq(day, "2025-12-04");
	ck_assert_int_eq(files_batch_paths(&p, "/var/lib/dmarc/batch", "records", "1764806399999-4", 1764806399999ULL,
					   "tsv", 321), 0);
	ck_assert_str_eq(p.dir, "/var/lib/dmarc/batch/records/dt=2025-12-03");
	ck_assert_str_eq(p.name, "records-1764806399999-4.tsv.gz");
	ck_assert_str_eq(p.tmp, "/var/lib/dmarc/batch/records/.records-1764806399999-4.321.tmp");
	{
		char longdir[5000];

		memset(longdir, 'd', sizeof longdir - 1);
		longdir[sizeof longdir - 1] = '\0';
		ck_assert_int_eq(files_batch_paths(&p, longdir, "records", "1-0", 1, "csv", 1), -1);
	}
}
END_TEST

UNIT_SUITE("layout", json_lines_parse, rows_have_the_header_columns, every_kind_lays_out, days_and_batch_names)

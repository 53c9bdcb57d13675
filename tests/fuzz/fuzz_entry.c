/*
 * Fuzz target: dmarc-consume's entry reader.  The input is a field list
 * as anyone who may write to a stream could make it: the first byte picks
 * the stream's kind, the rest is field names and values separated by NUL
 * bytes.  Properties: the check (screen.c) never crashes; an entry it
 * passes lays out as one line of valid JSON (an object) and as one TSV
 * and one CSV row with exactly the header's columns.
 */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "entry.h"
#include "layout.h"
#include "replies.h"
#include "screen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fields of a CSV row (RFC 4180 quoting), or -1 when its quotes do not close. */
static long
csv_fields(const char *p, size_t len)
{
	long n = 1;
	size_t i;
	int quoted = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		else if (p[i] == ',' && !quoted)
			n++;
	}
	return quoted ? -1 : n;
}

static void
check_layout(const struct kind_schema *k, const struct entry *e)
{
	static struct layout layouts[KIND_COUNT];
	static int ready[KIND_COUNT];
	size_t ki = 0, i, tabs = 0;
	struct layout *l;
	struct buf out = BUF_INIT(0), scratch = BUF_INIT(0);
	json_object *o;

	while (kind_schemas[ki] != k)
		ki++;
	l = &layouts[ki];
	if (!ready[ki]++ && layout_init(l, k) < 0)
		abort();
	if (layout_json(l, e, NULL, &out, &scratch) < 0 || out.len == 0 || out.data[out.len - 1] != '\n' ||
	    memchr(out.data, '\n', out.len) != out.data + out.len - 1)
		abort();
	out.data[out.len - 1] = '\0';
	if (!(o = json_tokener_parse(out.data)) || !json_object_is_type(o, json_type_object))
		abort();
	json_object_put(o);
	buf_reset(&out);
	if (layout_row(l, e, NULL, ROW_TSV, &out) < 0 || memchr(out.data, '\n', out.len) != out.data + out.len - 1 ||
	    memchr(out.data, '\r', out.len))
		abort();
	for (i = 0; i < out.len; i++)
		tabs += out.data[i] == '\t';
	if (tabs != 3 + l->ncolumns)
		abort();
	buf_reset(&out);
	if (layout_row(l, e, NULL, ROW_CSV, &out) < 0 || csv_fields(out.data, out.len - 1) != (long)(4 + l->ncolumns))
		abort();
	buf_free(&out);
	buf_free(&scratch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct screen screens[KIND_COUNT];
	static int ready;
	const struct kind_schema *k;
	redisReply *fields, *list;
	struct entries es;
	size_t n = 0, i, at, nfields;

	if (size < 1)
		return 0;
	if (!ready++)
		for (i = 0; i < KIND_COUNT; i++)
			if (screen_init(&screens[i], kind_schemas[i]) < 0)
				abort();
	k = kind_schemas[data[0] % KIND_COUNT];
	for (i = 1; i < size; i++)
		n += data[i] == '\0';
	nfields = (n + 1) & ~(size_t)1;	/* pairs: a last name without a value is dropped */
	fields = rep_arr(0);
	free(fields->element);
	fields->element = calloc(nfields ? nfields : 1, sizeof *fields->element);
	for (i = 0, at = 1; i < nfields; i++) {
		const uint8_t *end = memchr(data + at, '\0', size - at);
		size_t len = end ? (size_t)(end - (data + at)) : size - at;

		fields->element[i] = rep_strn((const char *)data + at, len);
		fields->elements++;
		at += len + 1;
	}
	list = rep_arr(1, rep_arr(2, rep_str("1700000000000-0"), fields));
	if (entries_from_reply(&es, list, list) < 0)
		abort();
	if (!screen_entry(&screens[data[0] % KIND_COUNT], &es.v[0], NULL, 0))
		check_layout(k, &es.v[0]);
	entries_free(&es);
	return 0;
}

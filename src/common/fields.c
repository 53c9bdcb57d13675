/* fields.c - one description of a record's fields, two forms; see fields.h. */
#include "config.h"

#include <string.h>

#include "escape.h"
#include "fields.h"

void
fields_json(struct fields *f, struct buf *out)
{
	memset(f, 0, sizeof *f);
	f->json = out;
}

void
fields_flat(struct fields *f, struct buf *scratch, flat_fn fn, void *arg)
{
	memset(f, 0, sizeof *f);
	f->fn = fn;
	f->arg = arg;
	f->scratch = scratch;
}

void
fields_describe(struct fields *f, describe_fn fn, void *arg)
{
	memset(f, 0, sizeof *f);
	f->describe = fn;
	f->arg = arg;
}

static void
describe(struct fields *f, enum field_type type, const char *key, const char *member, size_t member_len,
	 const struct column *cols, size_t ncols)
{
	struct field_desc d = { type, key, member, member_len, cols, ncols };

	if (!f->rc)
		f->rc = f->describe(f->arg, &d);
}

static int
json_str(struct buf *b, const char *v)
{
	if (!v)
		return buf_append(b, "null", 4);
	if (buf_putc(b, '"') < 0 || esc_json(b, v, strlen(v)) < 0)
		return -1;
	return buf_putc(b, '"');
}

static void
fail_if(struct fields *f, int rc)
{
	if (rc && !f->rc)
		f->rc = rc;
}

void
fields_str(struct fields *f, const char *key, const char *member, size_t member_len, const char *v)
{
	if (f->rc)
		return;
	if (f->describe)
		describe(f, FIELD_TYPE_STR, key, member, member_len, NULL, 0);
	else if (f->json)
		fail_if(f, buf_append(f->json, member, member_len) < 0 || json_str(f->json, v) < 0 ? -1 : 0);
	else if (v)
		fail_if(f, f->fn(f->arg, key, v, strlen(v), false));
}

void
fields_uint(struct fields *f, const char *key, const char *member, size_t member_len, bool has, uint64_t v)
{
	char num[24];

	if (f->rc)
		return;
	if (f->describe) {
		describe(f, FIELD_TYPE_UINT, key, member, member_len, NULL, 0);
	} else if (f->json) {
		fail_if(f, buf_append(f->json, member, member_len) < 0 ||
			(has ? buf_putu(f->json, v) : buf_append(f->json, "null", 4)) < 0 ? -1 : 0);
	} else if (has) {
		fail_if(f, f->fn(f->arg, key, num, buf_uint(num, v), true));
	}
}

/* One item of a flat list, its commas and backslashes escaped. */
static int
flat_item(struct buf *b, const char *item)
{
	for (; item && *item; item++) {
		int rc = *item == ',' ? buf_append(b, "\\x2c", 4)
		       : *item == '\\' ? buf_append(b, "\\\\", 2) : buf_putc(b, *item);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The member at offset of item i, as text (num is room for a number); NULL when absent. */
static const char *
cell(const struct column *col, const char *items, size_t i, size_t size, char num[24])
{
	const char *p = items + i * size + col->offset;

	if (col->type == COLUMN_COUNT) {
		int64_t v;

		memcpy(&v, p, sizeof v);
		if (v < 0)
			return NULL;
		buf_uint(num, (uint64_t)v);
		return num;
	} else {
		const char *s;

		memcpy(&s, p, sizeof s);
		return s;
	}
}

/* The flat form of one list: the cells of column col (or the strings, when col is NULL), comma-joined. */
static void
flat_list(struct fields *f, const char *key, const struct column *col, const void *items, size_t n, size_t size)
{
	size_t i;
	char num[24];

	if (n == 0)
		return;
	buf_reset(f->scratch);
	for (i = 0; i < n; i++) {
		const char *item = col ? cell(col, items, i, size, num) : ((const char *const *)items)[i];

		if ((i && buf_putc(f->scratch, ',') < 0) || flat_item(f->scratch, item) < 0) {
			fail_if(f, -1);
			return;
		}
	}
	fail_if(f, f->fn(f->arg, key, f->scratch->data, f->scratch->len, false));
}

void
fields_strs(struct fields *f, const char *key, const char *member, size_t member_len,
	    const char *const *items, size_t n)
{
	struct buf *b = f->json;
	size_t i;

	if (f->rc)
		return;
	if (f->describe) {
		describe(f, FIELD_TYPE_STRS, key, member, member_len, NULL, 0);
		return;
	}
	if (!b) {
		flat_list(f, key, NULL, items, n, 0);
		return;
	}
	if (buf_append(b, member, member_len) < 0 || buf_putc(b, '[') < 0) {
		fail_if(f, -1);
		return;
	}
	for (i = 0; i < n; i++)
		if ((i && buf_putc(b, ',') < 0) || json_str(b, items[i]) < 0) {
			fail_if(f, -1);
			return;
		}
	fail_if(f, buf_putc(b, ']') < 0 ? -1 : 0);
}

static int
json_table(struct buf *b, const struct column *cols, size_t ncols, const char *items, size_t n, size_t size)
{
	size_t i, k;
	char num[24];

	if (buf_putc(b, '[') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((i && buf_putc(b, ',') < 0) || buf_putc(b, '{') < 0)
			return -1;
		for (k = 0; k < ncols; k++) {
			const char *v = cell(&cols[k], items, i, size, num);

			/* The object's first member has no comma before it. */
			if (buf_append(b, cols[k].json_member + (k == 0), cols[k].json_len - (k == 0)) < 0 ||
			    (cols[k].type == COLUMN_COUNT && v ? buf_puts(b, v) : json_str(b, v)) < 0)
				return -1;
		}
		if (buf_putc(b, '}') < 0)
			return -1;
	}
	return buf_putc(b, ']');
}

void
fields_table(struct fields *f, const char *key, const char *member, size_t member_len,
	     const struct column *cols, size_t ncols, const void *items, size_t n, size_t size)
{
	size_t k;

	if (f->rc)
		return;
	if (f->describe) {
		describe(f, FIELD_TYPE_TABLE, key, member, member_len, cols, ncols);
		return;
	}
	if (f->json) {
		fail_if(f, buf_append(f->json, member, member_len) < 0 ||
			json_table(f->json, cols, ncols, items, n, size) < 0 ? -1 : 0);
		return;
	}
	for (k = 0; k < ncols && !f->rc; k++)
		flat_list(f, cols[k].flat_key, &cols[k], items, n, size);
}

void
fields_items(struct flat_items *it, const char *value, size_t len)
{
	it->p = value;
	it->end = value + len;
	it->done = false;
}

int
fields_item(struct flat_items *it, struct buf *out)
{
	buf_reset(out);
	if (it->done)
		return 0;
	while (it->p < it->end && *it->p != ',') {
		const char *p = it->p;
		int rc;

		if (*p == '\\' && it->end - p >= 4 && !memcmp(p, "\\x2c", 4))
			rc = buf_putc(out, ','), it->p += 4;
		else if (*p == '\\' && it->end - p >= 2 && p[1] == '\\')
			rc = buf_putc(out, '\\'), it->p += 2;
		else
			rc = buf_putc(out, *p), it->p++;
		if (rc < 0)
			return -1;
	}
	if (it->p < it->end)
		it->p++;	/* the comma */
	else
		it->done = true;
	return 1;
}

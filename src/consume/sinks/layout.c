/* layout.c - records from flat entries, as JSON and as rows; see layout.h. */
#include "config.h"

#include <string.h>

#include "escape.h"
#include "layout.h"

static int
describe_one(void *arg, const struct field_desc *d)
{
	struct layout *l = arg;
	size_t i;

	if (l->nfields == LAYOUT_FIELDS_MAX)
		return -1;
	l->fields[l->nfields++] = *d;
	if (d->type != FIELD_TYPE_TABLE) {
		if (l->ncolumns == LAYOUT_COLUMNS_MAX)
			return -1;
		l->columns[l->ncolumns++] = d->key;
		return 0;
	}
	for (i = 0; i < d->ncols; i++) {
		if (l->ncolumns == LAYOUT_COLUMNS_MAX)
			return -1;
		l->columns[l->ncolumns++] = d->cols[i].flat_key;
	}
	return 0;
}

int
layout_init(struct layout *l, const struct kind_schema *k)
{
	struct fields f;

	memset(l, 0, sizeof *l);
	l->kind = k;
	fields_describe(&f, describe_one, l);
	k->describe(&f);
	return fields_done(&f) ? -1 : 0;
}

void
layout_add(struct layout *l, const char *const *names, const bool *numeric, size_t n)
{
	l->added = names;
	l->added_numeric = numeric;
	l->nadded = n;
}

/* ---------------------------------------------------------------- JSON */

static int
json_string(struct buf *b, const char *v, size_t len)
{
	return buf_putc(b, '"') < 0 || esc_json(b, v, len) < 0 ? -1 : buf_putc(b, '"');
}

/* A number as stored, or null when absent or empty. */
static int
json_number(struct buf *b, const char *v, size_t len)
{
	return v && len ? buf_append(b, v, len) : buf_append(b, "null", 4);
}

static int
json_list(struct buf *b, const char *v, size_t len, struct buf *item)
{
	struct flat_items it;
	int rc, first = 1;

	if (buf_putc(b, '[') < 0)
		return -1;
	if (v) {
		fields_items(&it, v, len);
		while ((rc = fields_item(&it, item)) > 0) {
			if ((!first && buf_putc(b, ',') < 0) || json_string(b, item->data ? item->data : "", item->len) < 0)
				return -1;
			first = 0;
		}
		if (rc < 0)
			return -1;
	}
	return buf_putc(b, ']');
}

/* A table from its aligned column lists. */
static int
json_table(struct buf *b, const struct field_desc *d, const struct entry *e, struct buf *item, size_t *at)
{
	struct flat_items its[LAYOUT_COLUMNS_MAX];
	struct flat_items count;
	const char *v;
	size_t len, k, n = 0, i;
	int rc;

	if (d->ncols > LAYOUT_COLUMNS_MAX)
		return -1;
	for (k = 0; k < d->ncols; k++) {
		v = entry_get_next(e, d->cols[k].flat_key, &len, at);
		fields_items(&its[k], v ? v : "", v ? len : 0);
		its[k].done = !v;
	}
	if (d->ncols && !its[0].done) {	/* as many objects as the first column has items */
		fields_items(&count, its[0].p, (size_t)(its[0].end - its[0].p));
		while ((rc = fields_item(&count, item)) > 0)
			n++;
		if (rc < 0)
			return -1;
	}
	if (buf_putc(b, '[') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((i && buf_putc(b, ',') < 0) || buf_putc(b, '{') < 0)
			return -1;
		for (k = 0; k < d->ncols; k++) {
			const struct column *c = &d->cols[k];

			if ((rc = fields_item(&its[k], item)) < 0)
				return -1;
			if (buf_append(b, c->json_member + (k == 0), c->json_len - (k == 0)) < 0)
				return -1;
			if (rc == 0 || item->len == 0)
				rc = buf_append(b, "null", 4);
			else if (c->type == COLUMN_COUNT)
				rc = buf_append(b, item->data, item->len);
			else
				rc = json_string(b, item->data, item->len);
			if (rc < 0)
				return -1;
		}
		if (buf_putc(b, '}') < 0)
			return -1;
	}
	return buf_putc(b, ']');
}

int
layout_json(const struct layout *l, const struct entry *e, const char *const *added, struct buf *out,
	    struct buf *scratch)
{
	const char *v;
	size_t len, i, at = 0;

	v = entry_get_next(e, "rid", &len, &at);
	if (buf_append(out, "{\"rid\":", 7) < 0 || (v ? json_string(out, v, len) : buf_append(out, "null", 4)) < 0)
		return -1;
	v = entry_get_next(e, "ord", &len, &at);
	if (buf_append(out, ",\"ord\":", 7) < 0 || json_number(out, v, len) < 0 ||
	    buf_append(out, ",\"kind\":", 8) < 0 || json_string(out, l->kind->name, strlen(l->kind->name)) < 0)
		return -1;
	for (i = 0; i < l->nfields; i++) {
		const struct field_desc *d = &l->fields[i];
		int rc;

		if (buf_append(out, d->member, d->member_len) < 0)
			return -1;
		v = d->type == FIELD_TYPE_TABLE ? NULL : entry_get_next(e, d->key, &len, &at);
		switch (d->type) {
		case FIELD_TYPE_STR:
			rc = v ? json_string(out, v, len) : buf_append(out, "null", 4);
			break;
		case FIELD_TYPE_UINT:
			rc = json_number(out, v, v ? len : 0);
			break;
		case FIELD_TYPE_STRS:
			rc = json_list(out, v, len, scratch);
			break;
		default:
			rc = json_table(out, d, e, scratch, &at);
			break;
		}
		if (rc < 0)
			return -1;
	}
	for (i = 0; i < l->nadded; i++) {
		v = added ? added[i] : NULL;
		if (buf_append(out, ",\"", 2) < 0 || buf_puts(out, l->added[i]) < 0 || buf_append(out, "\":", 2) < 0 ||
		    (!v ? buf_append(out, "null", 4)
			: l->added_numeric[i] ? json_number(out, v, strlen(v)) : json_string(out, v, strlen(v))) < 0)
			return -1;
	}
	if (buf_append(out, ",\"stream_id\":\"", 14) < 0 || buf_puts(out, e->id) < 0)
		return -1;
	return buf_append(out, "\"}\n", 3);
}

/* ---------------------------------------------------------------- rows */

static int
cell(struct buf *b, const char *v, size_t len, enum row_format fmt)
{
	size_t i;

	if (fmt == ROW_CSV) {
		bool quote = false;

		for (i = 0; i < len && !quote; i++)
			quote = v[i] == '"' || v[i] == ',' || v[i] == '\n' || v[i] == '\r';
		if (!quote)
			return buf_append(b, v, len);
		if (buf_putc(b, '"') < 0)
			return -1;
		for (i = 0; i < len; i++)
			if ((v[i] == '"' && buf_putc(b, '"') < 0) || buf_putc(b, v[i]) < 0)
				return -1;
		return buf_putc(b, '"');
	}
	for (i = 0; i < len; i++) {
		int rc = v[i] == '\t' ? buf_append(b, "\\t", 2)
		       : v[i] == '\n' ? buf_append(b, "\\n", 2)
		       : v[i] == '\r' ? buf_append(b, "\\r", 2)
		       : v[i] == '\\' ? buf_append(b, "\\\\", 2) : buf_putc(b, v[i]);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
layout_header(const struct layout *l, enum row_format fmt, struct buf *out)
{
	char sep = fmt == ROW_CSV ? ',' : '\t';
	size_t i;

	if (buf_puts(out, "stream_id") < 0 || buf_putc(out, sep) < 0 || buf_puts(out, "rid") < 0 ||
	    buf_putc(out, sep) < 0 || buf_puts(out, "ord") < 0 || buf_putc(out, sep) < 0 || buf_puts(out, "kind") < 0)
		return -1;
	for (i = 0; i < l->ncolumns; i++)
		if (buf_putc(out, sep) < 0 || buf_puts(out, l->columns[i]) < 0)
			return -1;
	for (i = 0; i < l->nadded; i++)
		if (buf_putc(out, sep) < 0 || buf_puts(out, l->added[i]) < 0)
			return -1;
	return buf_putc(out, '\n');
}

int
layout_row(const struct layout *l, const struct entry *e, const char *const *added, enum row_format fmt,
	   struct buf *out)
{
	char sep = fmt == ROW_CSV ? ',' : '\t';
	const char *v;
	size_t len, i, at = 0;

	if (cell(out, e->id, strlen(e->id), fmt) < 0)
		return -1;
	v = entry_get_next(e, "rid", &len, &at);
	if (buf_putc(out, sep) < 0 || (v && cell(out, v, len, fmt) < 0))
		return -1;
	v = entry_get_next(e, "ord", &len, &at);
	if (buf_putc(out, sep) < 0 || (v && cell(out, v, len, fmt) < 0) || buf_putc(out, sep) < 0 ||
	    buf_puts(out, l->kind->name) < 0)
		return -1;
	for (i = 0; i < l->ncolumns; i++) {
		v = entry_get_next(e, l->columns[i], &len, &at);
		if (buf_putc(out, sep) < 0 || (v && cell(out, v, len, fmt) < 0))
			return -1;
	}
	for (i = 0; i < l->nadded; i++) {
		v = added ? added[i] : NULL;
		if (buf_putc(out, sep) < 0 || (v && cell(out, v, strlen(v), fmt) < 0))
			return -1;
	}
	return buf_putc(out, '\n');
}

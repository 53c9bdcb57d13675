/*
 * fields.h - a record's fields, described once, written in every form.
 *
 * A report kind describes its records by calling the functions below in
 * its schema's order; the writer renders each call in one of two forms:
 *
 *   JSON (NDJSON)   ,"key":value appended to an object being built: null
 *                   for an absent value, lists as arrays (of strings, or
 *                   of objects for a table).
 *   flat (syslog,   one callback per field: absent values and empty lists
 *   Redis stream)   are left out; a list of strings is comma-joined; a
 *                   table becomes one aligned list per column
 *                   (dkim_domains, dkim_selectors, ...), item i of each
 *                   belonging together, an absent item empty.  Inside an
 *                   item '\' is written "\\" and ',' "\x2c", so splitting
 *                   on commas is always right.
 *
 * A third writer describes instead of writing: one call per field, present
 * or not, with its type (and a table's columns), so a consumer of the flat
 * form can rebuild the JSON form or lay records out in fixed columns.
 *
 * Keys are the caller's literals and are written unescaped.  Errors stick:
 * after the first failure the calls do nothing and fields_done() returns
 * it, so a schema is written as a plain sequence of calls.
 */
#ifndef DP_FIELDS_H
#define DP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The flat form's callback; value is len bytes, not NUL-terminated.  Non-zero stops the writer. */
typedef int (*flat_fn)(void *arg, const char *key, const char *value, size_t len, bool number);

enum field_type { FIELD_TYPE_STR, FIELD_TYPE_UINT, FIELD_TYPE_STRS, FIELD_TYPE_TABLE };

struct column;

/* One field as the describing writer reports it; every pointer is the schema's own (static). */
struct field_desc {
	enum field_type type;
	const char *key;		/* its flat key and JSON name (a table's flat keys are its columns') */
	const char *member;		/* ,"key": */
	size_t member_len;
	const struct column *cols;	/* FIELD_TYPE_TABLE */
	size_t ncols;
};
typedef int (*describe_fn)(void *arg, const struct field_desc *d);

struct fields {
	describe_fn describe;	/* the describing writer's callback (fn's argument too), or NULL */
	struct buf *json;	/* the JSON form's output, or NULL for the flat form */
	flat_fn fn;		/* the flat form's callback and its argument */
	void *arg;
	struct buf *scratch;	/* the flat form's working space for lists */
	int rc;			/* the first failure: fn's value, or -1 with errno */
};

/* A writer appending JSON members to out. */
void fields_json(struct fields *f, struct buf *out);
/* A writer calling fn for each field; scratch is working space the caller owns. */
void fields_flat(struct fields *f, struct buf *scratch, flat_fn fn, void *arg);
/* A writer calling fn once for each field of the schema, whatever its value. */
void fields_describe(struct fields *f, describe_fn fn, void *arg);

/*
 * A key as the writers want it: its name for the flat form, and the JSON
 * member's punctuation and name as one literal, ,"name": (so a JSON field
 * costs one append).  FIELD_KEY("name") gives the three arguments.
 */
#define FIELD_KEY(name) name, ",\"" name "\":", sizeof(",\"" name "\":") - 1

/* A text field; v NULL is absent. */
#define FIELD_STR(f, name, v) fields_str((f), FIELD_KEY(name), (v))
/* A number; has false is absent. */
#define FIELD_UINT(f, name, has, v) fields_uint((f), FIELD_KEY(name), (has), (v))
/* A list of n strings (an absent item is written null / empty). */
#define FIELD_STRS(f, name, items, n) fields_strs((f), FIELD_KEY(name), (items), (n))
/* A list of n objects of size bytes each, their members given by the array cols. */
#define FIELD_TABLE(f, name, cols, items, n, size) \
	fields_table((f), FIELD_KEY(name), (cols), sizeof(cols) / sizeof((cols)[0]), (items), (n), (size))

void fields_str(struct fields *f, const char *key, const char *member, size_t member_len, const char *v);
void fields_uint(struct fields *f, const char *key, const char *member, size_t member_len, bool has, uint64_t v);
void fields_strs(struct fields *f, const char *key, const char *member, size_t member_len,
		 const char *const *items, size_t n);

/* A column of a table: a member of each item, at offset in the item's struct. */
enum column_type {
	COLUMN_STR,	/* const char *, NULL absent */
	COLUMN_COUNT,	/* int64_t, negative absent */
};
struct column {
	const char *json_member;	/* ,"name": of the member in the JSON objects */
	size_t json_len;
	const char *flat_key;		/* the aligned list's name in the flat form */
	enum column_type type;
	size_t offset;
};

/* COLUMN("domain", "dkim_domains", COLUMN_STR, offsetof(struct auth, domain)) */
#define COLUMN(name, flat, type, offset) { ",\"" name "\":", sizeof(",\"" name "\":") - 1, flat, type, offset }

void fields_table(struct fields *f, const char *key, const char *member, size_t member_len,
		  const struct column *cols, size_t ncols, const void *items, size_t n, size_t size);

/*
 * Reading a flat list back: the items of value (len bytes; a present
 * value has at least one item), unescaped.  fields_item() puts the next
 * item in out (reset first): 1, 0 after the last, -1 on ENOMEM.
 */
struct flat_items {
	const char *p, *end;
	bool done;
};
void fields_items(struct flat_items *it, const char *value, size_t len);
int fields_item(struct flat_items *it, struct buf *out);

/* 0, or the first failure. */
static inline int
fields_done(const struct fields *f)
{
	return f->rc;
}

#endif

/*
 * layout.h - a kind's records laid out from their flat stream entries:
 * as NDJSON objects (the schema dmarc-pipe --ndjson writes, plus the
 * entry's stream_id) and as rows of fixed columns (stream_id, rid, ord,
 * kind, then the kind's flat keys in schema order: the order
 * dmarc-consume(8) documents and the BI tables in contrib/ declare).
 */
#ifndef DP_LAYOUT_H
#define DP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "entry.h"
#include "fields.h"
#include "schema.h"

#define LAYOUT_FIELDS_MAX 64
#define LAYOUT_COLUMNS_MAX 128

struct layout {
	const struct kind_schema *kind;
	struct field_desc fields[LAYOUT_FIELDS_MAX];
	size_t nfields;
	const char *columns[LAYOUT_COLUMNS_MAX];	/* the row's columns after stream_id, rid, ord and kind */
	size_t ncolumns;
	/* Columns dmarc-consume adds after the record's own (the sources stage's), their values given per record. */
	const char *const *added;
	const bool *added_numeric;	/* per added column: a number in JSON, else a string */
	size_t nadded;
};

enum row_format { ROW_TSV, ROW_CSV };

/* 0, or -1 when the schema has more fields than the layout has room for (a programming error). */
int layout_init(struct layout *l, const struct kind_schema *k);

/* Add n columns after the record's own (names and numeric must outlive l). */
void layout_add(struct layout *l, const char *const *names, const bool *numeric, size_t n);

/* The header row (column names). */
int layout_header(const struct layout *l, enum row_format fmt, struct buf *out);

/*
 * e as one NDJSON line (with its newline); added holds the values of the
 * added columns (NULL: all null; an item NULL: that one).  scratch is
 * working space.  0 or -1 on ENOMEM.
 */
int layout_json(const struct layout *l, const struct entry *e, const char *const *added, struct buf *out,
		struct buf *scratch);

/* e as one row (with its newline): TSV with \t \n \r \\ escaped, or CSV quoted as RFC 4180 says. */
int layout_row(const struct layout *l, const struct entry *e, const char *const *added, enum row_format fmt,
	       struct buf *out);

#endif

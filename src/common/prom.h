/* prom.h - the Prometheus text format 0.0.4: label values and sample lines. */
#ifndef DP_PROM_H
#define DP_PROM_H

#include <stddef.h>

#include "buf.h"

/* name="value" with \, " and newline escaped (len bytes of value); ,name="value" when comma. */
int prom_label(struct buf *b, const char *name, const char *value, size_t len, int comma);

/* # HELP and # TYPE lines; help is written escaped. */
int prom_header(struct buf *b, const char *name, const char *help, const char *type);

/* name{labels} value (labels already rendered; empty or NULL: none). */
int prom_sample(struct buf *b, const char *name, const char *labels, size_t labels_len, const char *value,
		size_t value_len);

#endif

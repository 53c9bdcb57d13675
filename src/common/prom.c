/* prom.c - the Prometheus text format 0.0.4; see prom.h. */
#include "config.h"

#include <string.h>

#include "prom.h"

int
prom_label(struct buf *b, const char *name, const char *value, size_t len, int comma)
{
	size_t i;

	if ((comma && buf_putc(b, ',') < 0) || buf_puts(b, name) < 0 || buf_append(b, "=\"", 2) < 0)
		return -1;
	for (i = 0; i < len; i++) {
		char c = value[i];
		int rc = c == '\\' ? buf_append(b, "\\\\", 2)
		       : c == '"' ? buf_append(b, "\\\"", 2)
		       : c == '\n' ? buf_append(b, "\\n", 2) : buf_putc(b, c);
		if (rc < 0)
			return -1;
	}
	return buf_putc(b, '"');
}

int
prom_header(struct buf *b, const char *name, const char *help, const char *type)
{
	if (buf_append(b, "# HELP ", 7) < 0 || buf_puts(b, name) < 0 || buf_putc(b, ' ') < 0)
		return -1;
	for (; *help; help++) {
		int rc = *help == '\\' ? buf_append(b, "\\\\", 2)
		       : *help == '\n' ? buf_append(b, "\\n", 2) : buf_putc(b, *help);
		if (rc < 0)
			return -1;
	}
	if (buf_append(b, "\n# TYPE ", 8) < 0 || buf_puts(b, name) < 0 || buf_putc(b, ' ') < 0 ||
	    buf_puts(b, type) < 0)
		return -1;
	return buf_putc(b, '\n');
}

int
prom_sample(struct buf *b, const char *name, const char *labels, size_t labels_len, const char *value,
	    size_t value_len)
{
	if (buf_puts(b, name) < 0)
		return -1;
	if (labels && labels_len &&
	    (buf_putc(b, '{') < 0 || buf_append(b, labels, labels_len) < 0 || buf_putc(b, '}') < 0))
		return -1;
	if (buf_putc(b, ' ') < 0 || buf_append(b, value, value_len) < 0)
		return -1;
	return buf_putc(b, '\n');
}

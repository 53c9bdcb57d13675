/*
 * Fuzz target: escaping.  Properties: syslog output has no raw control
 * byte and round-trips exactly; JSON output has no raw control byte and
 * is valid UTF-8.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "testlib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
no_control_bytes(const struct buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT(0), back = BUF_INIT(0), json = BUF_INIT(0);
	const char *s = (const char *)data;
	char small[64];
	size_t i, n;

	if (esc_syslog(&out, s, size, 0) < 0)
		abort();
	no_control_bytes(&out);
	if (unesc_syslog(&back, out.data ? out.data : "", out.len) < 0 || back.len != size ||
	    (size && memcmp(back.data, data, size)))
		abort();

	buf_reset(&out);
	if (esc_syslog(&out, s, size, 40) < 0 || out.len > 43)
		abort();
	no_control_bytes(&out);

	if (esc_json(&json, s, size) < 0)
		abort();
	no_control_bytes(&json);
	for (i = 0; i < json.len; i += n)
		if (!(n = utf8_seq_len((const unsigned char *)json.data + i, json.len - i)))
			abort();

	/* esc_log wants a C string: the data up to its first NUL. */
	{
		char *z = strndup(s, size);
		esc_log(small, sizeof small, z);
		if (strlen(small) >= sizeof small)
			abort();
		free(z);
	}
	buf_free(&out);
	buf_free(&back);
	buf_free(&json);
	return 0;
}

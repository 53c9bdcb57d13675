/*
 * Fuzz target: what decides which mail and which messages are taken in,
 * on text anyone can write.  The input is at once
 *  - an mbox (mbox.c): every message found lies within the file, in
 *    order, without overlap, and reads back at most as long as found;
 *  - a header of Authentication-Results fields, one per line ("R" at the
 *    start of a line makes it a Received field) judged by authres.c: the
 *    judgement is one of the four, and the same with the fields' order
 *    kept, whatever a field after the first Received says;
 *  - a report_domains list (domain.c): checking it never reads past it,
 *    and a list that passes the check has each of its items.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "authres.h"
#include "domain.h"
#include "mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
as_mbox(const uint8_t *data, size_t size)
{
	static struct mbox_scan scan;
	int fd = memfd_create("mbox", 0);
	off_t off, end = 0;
	uint64_t len;
	int more;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	mbox_scan_init(&scan, fd);
	while ((more = mbox_scan_next(&scan, &off, &len)) > 0) {
		struct buf b = BUF_INIT(0);

		if (off < end || (uint64_t)off + len > size)
			abort();
		end = off + (off_t)len;
		if (mbox_read(fd, off, len, 1 << 20, &b) == INPUT_WHOLE && b.len > len)
			abort();
		buf_free(&b);
	}
	if (more < 0)
		abort();
	close(fd);
}

static void
as_header(const uint8_t *data, size_t size)
{
	char *text = strndup((const char *)data, size), *line, *save = NULL;
	struct mime_field f[64 + 2];	/* room for the two added below */
	struct mime_fields h = { f, 0 };
	enum mail_auth a, b;

	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line && h.n < 64; line = strtok_r(NULL, "\n", &save))
		f[h.n++] = (struct mime_field){ line[0] == 'R' ? "Received" : "Authentication-Results", line };
	a = authres_judge(&h, "mx.example.com", "sender.example");
	if (a != MAIL_AUTH_NONE && a != MAIL_AUTH_DKIM && a != MAIL_AUTH_DMARC)
		abort();
	/* What comes after the first Received below our first field cannot change a judgement it passed. */
	f[h.n++] = (struct mime_field){ "Received", "from outside" };
	f[h.n++] = (struct mime_field){ "Authentication-Results", "mx.example.com; dmarc=pass" };
	b = authres_judge(&h, "mx.example.com", "sender.example");
	if (b != a && a != MAIL_AUTH_NONE)
		abort();
	free(text);
}

static void
as_domains(const uint8_t *data, size_t size)
{
	char *list = strndup((const char *)data, size), err[160];
	const char *p;

	if (!list)
		return;
	if (domain_list_check(list, err, sizeof err) == 0)
		for (p = list; *p; ) {
			size_t n = strcspn(p, ", \t");

			if (n && !domain_list_has(list, p, n))
				abort();
			p += n ? n : 1;
		}
	free(list);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_mbox(data, size);
	as_header(data, size);
	as_domains(data, size);
	return 0;
}

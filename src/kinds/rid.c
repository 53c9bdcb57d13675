/* rid.c - report identities; see rid.h. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "buf.h"
#include "rid.h"

struct rid *
rid_begin(const char *tag)
{
	GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);

	g_checksum_update(ck, (const guchar *)tag, (gssize)strlen(tag));
	return (struct rid *)ck;
}

void
rid_text(struct rid *r, const char *s)
{
	GChecksum *ck = (GChecksum *)r;

	g_checksum_update(ck, (const guchar *)"", 1);
	if (s)
		g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s));
}

void
rid_bytes(struct rid *r, const void *p, size_t len)
{
	GChecksum *ck = (GChecksum *)r;
	char num[24];

	g_checksum_update(ck, (const guchar *)"", 1);
	/* The length's digits and the NUL after them. */
	g_checksum_update(ck, (const guchar *)num, (gssize)buf_uint(num, len) + 1);
	g_checksum_update(ck, p, (gssize)len);
}

void
rid_end(struct rid *r, char out[RID_HEX_LEN + 1])
{
	GChecksum *ck = (GChecksum *)r;

	memcpy(out, g_checksum_get_string(ck), RID_HEX_LEN);
	out[RID_HEX_LEN] = '\0';
	g_checksum_free(ck);
}

/* sniff.c - content sniffing; see sniff.h. */
#include "config.h"

#include <string.h>

#include "sniff.h"

size_t
doc_leading_junk(const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

enum blob_kind
sniff(const uint8_t *p, size_t n)
{
	size_t skip;

	if (n >= 4 && !memcmp(p, "PK\3\4", 4))
		return BLOB_ZIP;
	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return BLOB_GZIP;
	/* zlib: deflate, 32K window, no preset dictionary, header check. */
	if (n >= 2 && p[0] == 0x78 && !(p[1] & 0x20) && ((p[0] << 8) | p[1]) % 31 == 0)
		return BLOB_ZLIB;
	if (n >= 262 && !memcmp(p + 257, "ustar", 5))
		return BLOB_TAR;
	/* UTF-16 with a BOM: libxml2 decodes it. */
	if (n >= 4 && ((p[0] == 0xff && p[1] == 0xfe && p[2] == '<' && p[3] == 0) ||
		       (p[0] == 0xfe && p[1] == 0xff && p[2] == 0 && p[3] == '<')))
		return BLOB_XML;
	skip = doc_leading_junk(p, n);
	if (skip < n && p[skip] == '<')
		return BLOB_XML;
	if (skip < n && p[skip] == '{')
		return BLOB_JSON;
	return BLOB_UNKNOWN;
}

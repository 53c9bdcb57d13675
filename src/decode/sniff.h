/*
 * sniff.h - what a blob of bytes is, judged by its content only.
 *
 * Reporters label attachments every which way (application/octet-stream,
 * a zip as text/plain); the first bytes are what counts.
 */
#ifndef DP_SNIFF_H
#define DP_SNIFF_H

#include <stddef.h>
#include <stdint.h>

enum blob_kind {
	BLOB_UNKNOWN = 0,
	BLOB_XML,	/* '<' after an optional BOM and white space */
	BLOB_JSON,	/* '{' after an optional BOM and white space */
	BLOB_GZIP,
	BLOB_ZLIB,
	BLOB_ZIP,
	BLOB_TAR,	/* uncompressed ustar */
};

/* How many leading bytes sniff() wants to see to be sure. */
#define SNIFF_BYTES 512

enum blob_kind sniff(const uint8_t *p, size_t n);

/* Length of the UTF-8 BOM and white space that may precede a document. */
size_t doc_leading_junk(const uint8_t *p, size_t n);

#endif

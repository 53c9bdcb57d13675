/*
 * unpack.h - from a blob of bytes to the documents (XML, JSON) inside it.
 *
 * The blob is sniffed (sniff.h) and unwrapped layer by layer: gzip, zlib,
 * zip, tar, in any nesting up to max_archive_depth, each layer streaming
 * into the next.  Every document found is handed to the visitor's
 * document callback; everything else found on the way is reported through
 * its problem callback, once, with a reason.
 */
#ifndef DP_UNPACK_H
#define DP_UNPACK_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "conf.h"
#include "sniff.h"
#include "stream.h"

enum unpack_problem {
	UP_NOT_REPORT,	/* content that is no report: a mail body, a text file */
	UP_BROKEN,	/* content that looks like a report but cannot be read */
};

struct unpack_visitor {
	/*
	 * A document (format BLOB_XML or BLOB_JSON): parse it from s.  depth
	 * is how many archive layers it came through.  Returns DP_TEMPFAIL to stop everything; a refusal
	 * is the callback's to log and clear from s->err.
	 */
	enum dp_status (*document)(void *arg, struct stream *s, enum blob_kind format, const char *label,
				   unsigned depth);
	void (*problem)(void *arg, const char *label, enum unpack_problem kind, const char *reason);
	void *arg;
	const struct conf *conf;
	struct budget *budget;
};

/* Unwrap data[0..len); DP_OK or DP_TEMPFAIL (with the reason in err). */
enum dp_status unpack_blob(const struct unpack_visitor *v, const uint8_t *data, size_t len,
			   const char *label, struct dp_error *err);

#endif

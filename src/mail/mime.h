/*
 * mime.h - finding the candidate report blobs in a mail message.
 *
 * GMime parses the message; every leaf part, at any depth of multipart
 * and message/rfc822 nesting, is decoded (base64, quoted-printable) and
 * handed to the visitor, whatever its Content-Type says: the caller
 * sniffs the content.  Depth and part counts are capped.
 */
#ifndef DP_MIME_H
#define DP_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct mime_visitor {
	/* One decoded leaf part; DP_TEMPFAIL stops the walk. */
	enum dp_status (*part)(void *arg, const uint8_t *data, size_t len, const char *label);
	void *arg;
	unsigned max_depth;
	unsigned max_parts;
	uint64_t max_decoded;	/* decoded bytes of all parts */
	unsigned max_header_fields;	/* in all header blocks together, counted before GMime parses */
};

/* Message facts for the log; filled as far as the message has them. */
struct mime_info {
	char message_id[200];	/* raw, as in the header; escape before logging */
	char from[200];
	unsigned parts;
	uint64_t decoded;
};

/* Once per process, and only when a message is to be parsed (it costs). */
void mime_init(void);

/* Walk msg[0..len), which must stay valid and unchanged during the call. */
enum dp_status mime_walk(const uint8_t *msg, size_t len, const struct mime_visitor *v,
			 struct mime_info *info, struct dp_error *err);

#endif

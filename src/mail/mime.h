/*
 * mime.h - finding the candidate reports in a mail message.
 *
 * GMime parses the message; every leaf part, at any depth of multipart
 * and message/rfc822 nesting, is decoded (base64, quoted-printable) and
 * handed to the visitor, whatever its Content-Type says: the caller
 * sniffs the content.  Depth and part counts are capped.
 *
 * A multipart that holds a message/feedback-report part (ARF, RFC 5965,
 * whether multipart/report or multipart/mixed) is a failure or feedback
 * report as a whole: its fields, the reported message's header and the
 * header of the message that carries it go to the visitor's feedback
 * callback, and none of its parts is walked further (the reported
 * message is a third party's, not a report to us).
 */
#ifndef DP_MIME_H
#define DP_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Header fields in order, values unfolded and RFC 2047-decoded; all NUL-terminated. */
struct mime_field {
	const char *name, *value;
};
struct mime_fields {
	const struct mime_field *v;
	size_t n;
};

/* A feedback report as found; valid during the callback only. */
struct mime_feedback {
	struct mime_fields fields;	/* of the message/feedback-report part */
	struct mime_fields reported;	/* the reported message's header: none when it is not there */
	struct mime_fields carrier;	/* the header of the message the report came in */
};

struct mime_info;

struct mime_visitor {
	/* One decoded leaf part; DP_TEMPFAIL stops the walk. */
	enum dp_status (*part)(void *arg, const uint8_t *data, size_t len, const char *label);
	/* One feedback report; DP_TEMPFAIL stops the walk. */
	enum dp_status (*feedback)(void *arg, const struct mime_feedback *fb, const char *label);
	void *arg;
	unsigned max_depth;
	unsigned max_parts;
	uint64_t max_decoded;	/* decoded bytes of all parts */
	unsigned max_header_fields;	/* in all header blocks together, counted before GMime parses */
	uint64_t max_header_size;	/* bytes of a feedback part's or rfc822-headers part's header block */
	/*
	 * The message's own header, once, before any part (info is filled
	 * by then); NULL: not wanted.  A status other than DP_OK stops the
	 * walk with it.
	 */
	enum dp_status (*header)(void *arg, const struct mime_fields *fields, const struct mime_info *info);
};

/* Message facts for the log; filled as far as the message has them. */
struct mime_info {
	char message_id[200];	/* raw, as in the header; escape before logging */
	char from[200];
	char from_domain[256];	/* of the first From address, lower case; "" when there is none */
	unsigned parts;
	uint64_t decoded;
};

/* Once per process, and only when a message is to be parsed (it costs). */
void mime_init(void);

/* Walk msg[0..len), which must stay valid and unchanged during the call. */
enum dp_status mime_walk(const uint8_t *msg, size_t len, const struct mime_visitor *v,
			 struct mime_info *info, struct dp_error *err);

#endif

/*
 * mime.c - walking a message's MIME tree with GMime; see mime.h.
 *
 * The message bytes are wrapped, not copied, in a GMime memory stream;
 * GMime's parser keeps parts as ranges of that stream, so only the part
 * being decoded is held twice.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "base64.h"
#include "buf.h"
#include "deadline.h"
#include "mime.h"

struct walk {
	const struct mime_visitor *v;
	struct mime_info *info;
	struct dp_error *err;
};

void
mime_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	g_mime_init();	/* GLib's messages go where fatal_init() sent them */
}

static enum dp_status walk_object(struct walk *w, GMimeObject *obj, unsigned depth);

/*
 * A part's decoded bytes, in *data[0..*len): base64 (nearly every report
 * attachment) is decoded by base64.c straight from the message buffer,
 * into *owned, for the caller to free; other encodings by GMime, into a
 * stream *held for the caller to unref.
 */
static enum dp_status
decode_part(struct walk *w, GMimeDataWrapper *content, const uint8_t **data, size_t *len, uint8_t **owned,
	    GMimeStream **held)
{
	GMimeStream *encoded = g_mime_data_wrapper_get_stream(content), *out;
	GByteArray *bytes;

	if (g_mime_data_wrapper_get_encoding(content) == GMIME_CONTENT_ENCODING_BASE64 &&
	    encoded && GMIME_IS_STREAM_MEM(encoded) &&
	    (bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(encoded)))) {
		/* GMime's parser keeps the part as a range of the buffer we lent it. */
		gint64 start = g_mime_stream_reset(encoded) == 0 ? g_mime_stream_tell(encoded) : -1;
		gint64 n = g_mime_stream_length(encoded);

		if (start >= 0 && n >= 0 && (guint64)(start + n) <= bytes->len) {
			if (!(*owned = malloc(BASE64_DECODED_MAX((size_t)n))))
				return dp_fail(w->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			mem_hint_huge(*owned, BASE64_DECODED_MAX((size_t)n));
			*len = base64_decode(bytes->data + start, (size_t)n, *owned);
			*data = *owned;
			return DP_OK;
		}
	}
	out = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(content, out) < 0) {
		g_object_unref(out);
		return dp_fail(w->err, DP_TEMPFAIL, "cannot decode MIME part %u", w->info->parts);
	}
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
	*data = bytes->data;
	*len = bytes->len;
	*held = out;
	return DP_OK;
}

static enum dp_status
walk_leaf(struct walk *w, GMimePart *part)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	const char *filename;
	const uint8_t *data = NULL;
	uint8_t *owned = NULL;
	GMimeStream *held = NULL;
	size_t len = 0;
	char label[160];
	enum dp_status rc;

	if (++w->info->parts > w->v->max_parts)
		return dp_fail(w->err, DP_REFUSE, "message has more than max_mime_parts (%u) parts",
			       w->v->max_parts);
	if (!content)
		return DP_OK;
	if (deadline_passed())
		return dp_fail(w->err, DP_REFUSE, "message takes longer than max_message_seconds (%u s)",
			       deadline_seconds());
	/* Decoding never makes base64 or quoted-printable longer: check before decoding. */
	{
		GMimeStream *encoded = g_mime_data_wrapper_get_stream(content);
		gint64 encoded_len = encoded ? g_mime_stream_length(encoded) : -1;

		if (encoded_len > 0 && (uint64_t)encoded_len > w->v->max_decoded - w->info->decoded)
			return dp_fail(w->err, DP_REFUSE, "MIME parts exceed max_decoded_size (%" PRIu64 " bytes)",
				       w->v->max_decoded);
	}
	if ((rc = decode_part(w, content, &data, &len, &owned, &held)) != DP_OK)
		return rc;
	if (len > w->v->max_decoded - w->info->decoded) {
		rc = dp_fail(w->err, DP_REFUSE, "MIME parts exceed max_decoded_size (%" PRIu64 " bytes)",
			     w->v->max_decoded);
		goto out;
	}
	w->info->decoded += len;
	filename = g_mime_part_get_filename(part);
	/* The filename is the sender's: the caller escapes labels before logging. */
	snprintf(label, sizeof label, "part %u%s%.100s", w->info->parts, filename ? " " : "",
		 filename ? filename : "");
	rc = w->v->part(w->v->arg, data, len, label);
out:
	free(owned);
	if (held)
		g_object_unref(held);
	return rc;
}

static enum dp_status
walk_object(struct walk *w, GMimeObject *obj, unsigned depth)
{
	if (!obj)
		return DP_OK;
	if (depth > w->v->max_depth)
		return dp_fail(w->err, DP_REFUSE, "MIME nesting deeper than max_mime_depth (%u)",
			       w->v->max_depth);
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int i, n = g_mime_multipart_get_count(mp);

		for (i = 0; i < n; i++) {
			enum dp_status rc = walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1);
			if (rc != DP_OK)
				return rc;
		}
		return DP_OK;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		return inner ? walk_object(w, g_mime_message_get_mime_part(inner), depth + 1) : DP_OK;
	}
	if (GMIME_IS_PART(obj))
		return walk_leaf(w, GMIME_PART(obj));
	return DP_OK;	/* message/partial and the like: not reports */
}

static void
copy_header(char *dst, size_t len, const char *value)
{
	snprintf(dst, len, "%s", value ? value : "");
}

/* Whether line[0..n) names a message/ type (an attached message's header block follows). */
static bool
names_message(const uint8_t *line, size_t n)
{
	static const char want[] = "message/";
	size_t i, k;

	for (i = 0; i + sizeof want - 1 <= n; i++) {
		for (k = 0; k < sizeof want - 1 && (line[i + k] | 0x20) == (uint8_t)want[k]; k++)
			;
		if (k == sizeof want - 1)
			return true;
	}
	return false;
}

/*
 * Header fields in the message's header blocks, counted up to stop: its
 * own header, the block after each line that starts with "--" (a part's
 * header), and the block after one that names a message/ type (an
 * attached message's header).  GMime keeps each block's fields in a hash
 * table with an unkeyed hash, so a sender who picks colliding names makes
 * it quadratic (16,384 of them cost 8 s); bounding their number bounds
 * that work.  Counting a few lines that are not fields errs on the safe
 * side.
 */
static size_t
count_header_fields(const uint8_t *p, size_t len, size_t stop)
{
	const uint8_t *end = p + len;
	bool in_header = true, attached = false;
	size_t fields = 0;

	while (p < end && fields <= stop) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		if (n && p[n - 1] == '\r')
			n--;
		if (in_header) {
			if (n == 0) {
				in_header = attached;	/* an attached message's header follows */
				attached = false;
			} else {
				if (p[0] != ' ' && p[0] != '\t')
					fields++;
				if (names_message(p, n))
					attached = true;
			}
		} else if (n >= 2 && p[0] == '-' && p[1] == '-') {
			in_header = true;
		}
		p = nl ? nl + 1 : end;
	}
	return fields;
}

enum dp_status
mime_walk(const uint8_t *msg, size_t len, const struct mime_visitor *v,
	  struct mime_info *info, struct dp_error *err)
{
	struct walk w = { v, info, err };
	GByteArray *array;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *message;
	enum dp_status rc;

	memset(info, 0, sizeof *info);
	if (count_header_fields(msg, len, v->max_header_fields) > v->max_header_fields)
		return dp_fail(err, DP_REFUSE, "message has more than max_header_fields (%u) header fields",
			       v->max_header_fields);
	/* Lend our buffer to GMime: the array and stream must not free it. */
	array = g_byte_array_new_take((guint8 *)msg, len);
	stream = g_mime_stream_mem_new_with_byte_array(array);
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(stream), FALSE);
	parser = g_mime_parser_new_with_stream(stream);
	message = g_mime_parser_construct_message(parser, NULL);
	if (!message) {
		rc = dp_fail(err, DP_REFUSE, "not a mail message");
	} else {
		copy_header(info->message_id, sizeof info->message_id, g_mime_message_get_message_id(message));
		copy_header(info->from, sizeof info->from, g_mime_object_get_header(GMIME_OBJECT(message), "From"));
		rc = walk_object(&w, g_mime_message_get_mime_part(message), 0);
		g_object_unref(message);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_free(array, FALSE);	/* gives msg back without freeing it */
	return rc;
}

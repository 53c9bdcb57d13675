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
	GMimeMessage *carrier;	/* the message whose body is being walked */
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
static size_t count_header_fields(const uint8_t *p, size_t len, size_t stop);

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

/* One more leaf part, within the part count, the deadline and the decoded-bytes budget. */
static enum dp_status
admit_part(struct walk *w, GMimeDataWrapper *content)
{
	GMimeStream *encoded;
	gint64 encoded_len;

	if (++w->info->parts > w->v->max_parts)
		return dp_fail(w->err, DP_REFUSE, "message has more than max_mime_parts (%u) parts",
			       w->v->max_parts);
	if (!content)
		return DP_OK;
	if (deadline_passed())
		return dp_fail(w->err, DP_REFUSE, "message takes longer than max_message_seconds (%u s)",
			       deadline_seconds());
	/* Decoding never makes base64 or quoted-printable longer: check before decoding. */
	encoded = g_mime_data_wrapper_get_stream(content);
	encoded_len = encoded ? g_mime_stream_length(encoded) : -1;
	if (encoded_len > 0 && (uint64_t)encoded_len > w->v->max_decoded - w->info->decoded)
		return dp_fail(w->err, DP_REFUSE, "MIME parts exceed max_decoded_size (%" PRIu64 " bytes)",
			       w->v->max_decoded);
	return DP_OK;
}

/* A leaf part's decoded bytes, counted against max_decoded_size; free with part_release(). */
struct decoded {
	bool present;		/* the part has content (possibly empty) */
	const uint8_t *data;
	size_t len;
	uint8_t *owned;
	GMimeStream *held;
};

static void
part_release(struct decoded *d)
{
	free(d->owned);
	if (d->held)
		g_object_unref(d->held);
	memset(d, 0, sizeof *d);
}

static enum dp_status
part_decode(struct walk *w, GMimePart *part, struct decoded *d)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	enum dp_status rc;

	memset(d, 0, sizeof *d);
	if ((rc = admit_part(w, content)) != DP_OK || !content)
		return rc;
	if ((rc = decode_part(w, content, &d->data, &d->len, &d->owned, &d->held)) != DP_OK)
		return rc;
	d->present = true;
	if (d->len > w->v->max_decoded - w->info->decoded) {
		part_release(d);
		return dp_fail(w->err, DP_REFUSE, "MIME parts exceed max_decoded_size (%" PRIu64 " bytes)",
			       w->v->max_decoded);
	}
	w->info->decoded += d->len;
	return DP_OK;
}

/* "part N[ filename]": the filename is the sender's, the caller escapes labels before logging. */
static void
part_label(struct walk *w, GMimePart *part, char *label, size_t size)
{
	const char *filename = g_mime_part_get_filename(part);

	snprintf(label, size, "part %u%s%.100s", w->info->parts, filename ? " " : "", filename ? filename : "");
}

static enum dp_status
walk_leaf(struct walk *w, GMimePart *part)
{
	struct decoded d;
	char label[160];
	enum dp_status rc;

	if ((rc = part_decode(w, part, &d)) != DP_OK || !d.present)
		return rc;
	part_label(w, part, label, sizeof label);
	rc = w->v->part(w->v->arg, d.data, d.len, label);
	part_release(&d);
	return rc;
}

/* ---------------------------------------------------------------- feedback reports */

static bool
is_type(GMimeObject *obj, const char *type, const char *subtype)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct && g_mime_content_type_is_type(ct, type, subtype);
}

/* text/rfc822-headers and its misspellings (text/rfc822-header, message/rfc822-headers). */
static bool
is_rfc822_headers(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;

	return sub && !g_ascii_strncasecmp(sub, "rfc822-header", 13);
}

/* The fields of a header list, into f->v (malloc'd, for the caller to free). */
static enum dp_status
list_fields(struct walk *w, GMimeHeaderList *list, struct mime_fields *f)
{
	int i, n = list ? g_mime_header_list_get_count(list) : 0;
	struct mime_field *v;

	f->v = NULL;
	f->n = 0;
	if (n <= 0)
		return DP_OK;
	if (!(v = calloc((size_t)n, sizeof *v)))
		return dp_fail(w->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	for (i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
		const char *name = h ? g_mime_header_get_name(h) : NULL, *value = h ? g_mime_header_get_value(h) : NULL;

		if (name)
			v[f->n++] = (struct mime_field){ name, value ? value : "" };
	}
	f->v = v;
	return DP_OK;
}

/*
 * A block of header fields (a feedback part's, a text/rfc822-headers
 * part's) parsed by GMime into *obj, for the caller to unref; its fields
 * are counted first, for the same reason as the message's.
 */
static enum dp_status
parse_header_block(struct walk *w, const struct decoded *d, GMimeObject **obj)
{
	GMimeStream *stream;
	GMimeParser *parser;

	*obj = NULL;
	if (d->len == 0)
		return DP_OK;
	if (d->len > w->v->max_header_size)
		return dp_fail(w->err, DP_REFUSE, "a header block exceeds max_header_size (%" PRIu64 " bytes)",
			       w->v->max_header_size);
	if (count_header_fields(d->data, d->len, w->v->max_header_fields) > w->v->max_header_fields)
		return dp_fail(w->err, DP_REFUSE, "a header block has more than max_header_fields (%u) fields",
			       w->v->max_header_fields);
	stream = g_mime_stream_mem_new_with_buffer((const char *)d->data, d->len);
	parser = g_mime_parser_new_with_stream(stream);
	*obj = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	return DP_OK;
}

/* The reported message's header in mp, if one of its parts carries it. */
static enum dp_status
reported_header(struct walk *w, GMimeMultipart *mp, GMimeObject **block, struct mime_fields *f)
{
	int i, n = g_mime_multipart_get_count(mp);

	*block = NULL;
	for (i = 0; i < n; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);
		struct decoded d;
		enum dp_status rc;

		if (GMIME_IS_MESSAGE_PART(part)) {
			GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(part));

			if (inner)
				return list_fields(w, g_mime_object_get_header_list(GMIME_OBJECT(inner)), f);
		} else if (GMIME_IS_PART(part) && is_rfc822_headers(part)) {
			if ((rc = part_decode(w, GMIME_PART(part), &d)) != DP_OK)
				return rc;
			rc = d.present ? parse_header_block(w, &d, block) : DP_OK;
			part_release(&d);
			if (rc != DP_OK)
				return rc;
			return *block ? list_fields(w, g_mime_object_get_header_list(*block), f) : DP_OK;
		}
	}
	return DP_OK;
}

/* mp holds the feedback part fb: hand the report to the visitor, walk nothing inside. */
static enum dp_status
walk_feedback(struct walk *w, GMimeMultipart *mp, GMimePart *fb)
{
	struct mime_feedback report = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
	GMimeObject *fields = NULL, *reported = NULL;
	struct decoded d;
	char label[160];
	enum dp_status rc;

	if ((rc = part_decode(w, fb, &d)) != DP_OK)
		return rc;
	part_label(w, fb, label, sizeof label);
	rc = d.present ? parse_header_block(w, &d, &fields) : DP_OK;
	part_release(&d);
	if (rc == DP_OK && fields)
		rc = list_fields(w, g_mime_object_get_header_list(fields), &report.fields);
	if (rc == DP_OK)
		rc = reported_header(w, mp, &reported, &report.reported);
	if (rc == DP_OK && w->carrier)
		rc = list_fields(w, g_mime_object_get_header_list(GMIME_OBJECT(w->carrier)), &report.carrier);
	if (rc == DP_OK)
		rc = w->v->feedback(w->v->arg, &report, label);
	free((void *)report.fields.v);
	free((void *)report.reported.v);
	free((void *)report.carrier.v);
	if (fields)
		g_object_unref(fields);
	if (reported)
		g_object_unref(reported);
	return rc;
}

/* The message/feedback-report part among mp's parts, or NULL. */
static GMimePart *
feedback_part(GMimeMultipart *mp)
{
	int i, n = g_mime_multipart_get_count(mp);

	for (i = 0; i < n; i++) {
		GMimeObject *part = g_mime_multipart_get_part(mp, i);

		if (GMIME_IS_PART(part) && is_type(part, "message", "feedback-report"))
			return GMIME_PART(part);
	}
	return NULL;
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
		GMimePart *fb = feedback_part(mp);

		if (fb)
			return walk_feedback(w, mp, fb);
		for (i = 0; i < n; i++) {
			enum dp_status rc = walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1);
			if (rc != DP_OK)
				return rc;
		}
		return DP_OK;
	}
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj)), *outer = w->carrier;
		enum dp_status rc;

		if (!inner)
			return DP_OK;
		w->carrier = inner;
		rc = walk_object(w, g_mime_message_get_mime_part(inner), depth + 1);
		w->carrier = outer;
		return rc;
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

/* The domain of the message's first From mailbox, lower case. */
static void
from_domain(GMimeMessage *message, struct mime_info *info)
{
	InternetAddressList *from = g_mime_message_get_from(message);
	InternetAddress *a = from && internet_address_list_length(from) > 0 ?
			     internet_address_list_get_address(from, 0) : NULL;
	const char *addr = a && INTERNET_ADDRESS_IS_MAILBOX(a) ?
			   internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)) : NULL;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t i;

	info->from_domain[0] = '\0';
	if (!at || !at[1] || strlen(at + 1) >= sizeof info->from_domain)
		return;
	for (i = 0; at[1 + i]; i++)
		info->from_domain[i] = (char)g_ascii_tolower(at[1 + i]);
	info->from_domain[i] = '\0';
	if (i && info->from_domain[i - 1] == '.')
		info->from_domain[i - 1] = '\0';
}

enum dp_status
mime_walk(const uint8_t *msg, size_t len, const struct mime_visitor *v,
	  struct mime_info *info, struct dp_error *err)
{
	struct walk w = { v, info, err, NULL };
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
		from_domain(message, info);
		w.carrier = message;
		rc = DP_OK;
		if (v->header) {
			struct mime_fields top;

			rc = list_fields(&w, g_mime_object_get_header_list(GMIME_OBJECT(message)), &top);
			if (rc == DP_OK)
				rc = v->header(v->arg, &top, info);
			free((void *)top.v);
		}
		if (rc == DP_OK)
			rc = walk_object(&w, g_mime_message_get_mime_part(message), 0);
		g_object_unref(message);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	g_byte_array_free(array, FALSE);	/* gives msg back without freeing it */
	return rc;
}

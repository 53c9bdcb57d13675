/*
 * Fuzz target: failure reports.  The input's first byte picks
 * failure_redact (odd: on), the rest is a mail message: the MIME walk
 * finds its feedback parts, and each is read by the failure kind and its
 * record written in both forms.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "kind.h"
#include "log.h"
#include "mime.h"
#include "testlib.h"

static struct conf conf;
static void *state;
static struct buf scratch = BUF_INIT(0), json = BUF_INIT(0);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum dp_status
ignore_part(void *arg, const uint8_t *data, size_t len, const char *label)
{
	(void)arg; (void)data; (void)len; (void)label;
	return DP_OK;
}

static enum dp_status
on_feedback(void *arg, const struct mime_feedback *fb, const char *label)
{
	struct kind_input in = { .feedback = fb };
	struct dp_error err = { DP_OK, "" };
	struct kind_parse kp;
	struct kind_report r;
	struct kind_cursor c = { 0, 0 };
	struct fields f;
	const void *rec;
	enum dp_status rc;

	(void)arg; (void)label;
	rc = kind_failure.parse(state, &in, &conf, NULL, &kp, &err);
	if (rc != DP_OK && err.reason[0] == '\0')
		abort();
	if (rc != DP_OK || !kp.complete)
		return DP_OK;
	kind_failure.view(state, &r);
	if (r.nrecords != 1 || kind_failure.next(state, &c, &rec) != 1 ||
	    record_flatten(&r, 0, rec, &scratch, check_flat_pair, NULL) != 0)
		abort();
	buf_reset(&json);
	fields_json(&f, &json);
	kind_failure.record_fields(state, rec, &f);
	if (fields_done(&f) || kind_failure.next(state, &c, &rec) != 0)
		abort();
	return DP_OK;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	conf_defaults(&conf, CONF_PIPE);
	log_open("fuzz", 0, false, false, NULL);
	mime_init();
	if (!(state = kind_failure.state_new(&conf)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_visitor v = { ignore_part, on_feedback, NULL, conf.max_mime_depth, conf.max_mime_parts,
				  conf.max_decoded_size, conf.max_header_fields, conf.max_header_size };
	struct mime_info info;
	struct dp_error err = { DP_OK, "" };
	uint8_t *msg;

	if (size < 1)
		return 0;
	conf.failure_redact = data[0] & 1;
	/* mime_walk lends the buffer to GMime: a copy of our own. */
	if (!(msg = malloc(size)))
		return 0;
	memcpy(msg, data + 1, size - 1);
	mime_walk(msg, size - 1, &v, &info, &err);
	free(msg);
	return 0;
}

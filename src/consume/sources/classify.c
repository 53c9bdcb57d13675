/* classify.c - the class rules of classify.h, in their order. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "classify.h"

static const char *const names[CLASS_COUNT] = {
	[CLASS_PASS] = "pass",
	[CLASS_FORWARDED] = "forwarded",
	[CLASS_APPROVED_FAIL] = "approved-fail",
	[CLASS_SERVICE_FAIL] = "service-fail",
	[CLASS_UNKNOWN_FAIL] = "unknown-fail",
};

const char *
class_name(enum source_class c)
{
	return c < CLASS_COUNT ? names[c] : "unknown-fail";
}

enum source_class
classify(const struct class_facts *f)
{
	if (f->policy_pass)
		return CLASS_PASS;
	if (f->forward_reason || f->forwarder || (f->dkim_from_pass && !f->spf_pass))
		return CLASS_FORWARDED;
	if (f->approved)
		return CLASS_APPROVED_FAIL;
	if (f->service)
		return CLASS_SERVICE_FAIL;
	return CLASS_UNKNOWN_FAIL;
}

static bool
is(const char *s, size_t len, const char *want)
{
	return len == strlen(want) && !strncasecmp(s, want, len);
}

/* "arc=pass" as a word of the comment (Google and Microsoft write it so). */
static bool
says_arc_pass(const char *c, size_t len)
{
	size_t i;

	for (i = 0; i + 8 <= len; i++)
		if (!strncasecmp(c + i, "arc=pass", 8) && (i == 0 || c[i - 1] == ' ' || c[i - 1] == ';' || c[i - 1] == ',') &&
		    (i + 8 == len || c[i + 8] == ' ' || c[i + 8] == ';' || c[i + 8] == ','))
			return true;
	return false;
}

bool
class_forward_reason(const char *type, size_t tlen, const char *comment, size_t clen)
{
	if (is(type, tlen, "forwarded") || is(type, tlen, "trusted_forwarder") || is(type, tlen, "mailing_list"))
		return true;
	return is(type, tlen, "local_policy") && comment && says_arc_pass(comment, clen);
}

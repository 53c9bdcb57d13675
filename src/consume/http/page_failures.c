/* page_failures.c - /failures: the newest failure reports, as stored; see pages.h. */
#include "config.h"

#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pages.h"
#include "schema.h"
#include "view.h"

/* The fields shown, in this order, with their labels; the others stay in the stream. */
static const struct { const char *field, *label; } shown[] = {
	{ "arrival_date", "Arrived" },
	{ "reported_domain", "Reported domain" },
	{ "source_ip", "Source" },
	{ "feedback_type", "Type" },
	{ "auth_failure", "Failed" },
	{ "identity_alignment", "Alignment" },
	{ "header_from", "From" },
	{ "original_mail_from", "Envelope from" },
	{ "original_rcpt_to", "Envelope to" },
	{ "dkim_domain", "DKIM d=" },
	{ "dkim_selector", "DKIM s=" },
	{ "spf_dns", "SPF" },
	{ "delivery_result", "Delivery" },
	{ "subject", "Subject" },
	{ "reporting_mta", "Reporter" },
	{ "user_agent", "User agent" },
};

static const redisReply *
field(const redisReply *fields, const char *name)
{
	size_t i;

	for (i = 0; i + 1 < fields->elements; i += 2)
		if (fields->element[i]->type == REDIS_REPLY_STRING && !strcmp(fields->element[i]->str, name) &&
		    fields->element[i + 1]->type == REDIS_REPLY_STRING)
			return fields->element[i + 1];
	return NULL;
}

enum page_result
page_failures(struct html *h, const struct page_args *a, struct dp_error *err)
{
	char *key = view_key(a->conf, "%s", FAILURE_STREAM), count[12];
	const char *argv[] = { "XREVRANGE", key, "+", "-", "COUNT", count };
	redisReply *r;
	size_t i, k;

	if (!key) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return PAGE_FAILED;
	}
	snprintf(count, sizeof count, "%d", PAGE_FAILURES_MAX);
	r = view_command(a->redis, 6, argv, NULL, err);
	free(key);
	if (!r)
		return PAGE_FAILED;
	html_begin(h, "Failure reports", "/failures");
	html_raw(h, "<h1>Failure reports</h1>");
	if (r->type != REDIS_REPLY_ARRAY || !r->elements)
		html_raw(h, "<p>No failure report is stored.</p>");
	else
		html_printf(h, "<p class=\"muted\">The newest %zu, as dmarc-pipe stored them (redacted unless "
			       "failure_redact = no).</p>", r->elements);
	for (i = 0; r->type == REDIS_REPLY_ARRAY && i < r->elements; i++) {
		const redisReply *e = r->element[i], *fields;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
			continue;
		fields = e->element[1];
		html_raw(h, "<section class=\"domain failure\"><dl class=\"failure\">");
		html_raw(h, "<dt>Stored</dt><dd>");
		html_time(h, e->element[0]->type == REDIS_REPLY_STRING ? atoll(e->element[0]->str) / 1000 : -1);
		html_raw(h, "</dd>");
		for (k = 0; k < sizeof shown / sizeof shown[0]; k++) {
			const redisReply *v = field(fields, shown[k].field);

			if (!v || !v->len)
				continue;
			html_printf(h, "<dt>%s</dt><dd>", shown[k].label);
			html_text(h, v->str, v->len);
			html_raw(h, "</dd>");
		}
		html_raw(h, "</dl></section>");
	}
	freeReplyObject(r);
	html_end(h);
	return PAGE_OK;
}

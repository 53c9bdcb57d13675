/* dnscache.c - reverse DNS results in Redis; see dnscache.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dnscache.h"
#include "script.h"

/* KEYS: the addresses' keys; ARGV: value, seconds, value, seconds, ... */
static struct script put_script = {
	"for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[2 * i - 1], 'EX', ARGV[2 * i]) end\n"
	"return #KEYS\n", ""
};

/* The keys of q[0..n) into keys (NUL-separated), their offsets into off[]. */
static int
make_keys(const struct conf *c, const struct rdns_query *q, size_t n, struct buf *keys, size_t *off)
{
	size_t i;

	for (i = 0; i < n; i++) {
		off[i] = keys->len;
		if (buf_putc(keys, '{') < 0 || buf_puts(keys, c->key_prefix) < 0 || buf_puts(keys, "}:rdns:") < 0 ||
		    buf_puts(keys, q[i].addr) < 0 || buf_putc(keys, '\0') < 0)
			return -1;
	}
	return 0;
}

static void
parse_value(const char *v, size_t len, struct rdns_query *q, bool *hit)
{
	const char *sp = memchr(v, ' ', len);
	size_t wl = sp ? (size_t)(sp - v) : len, nl = sp ? len - wl - 1 : 0;
	int state = rdns_state_parse(v, wl);

	*hit = false;
	if (state < 0 || state == RDNS_OFF || nl >= sizeof q->name || (nl && !rdns_valid_name(sp + 1, nl)))
		return;	/* not ours to trust: looked up again */
	q->state = (enum rdns_state)state;
	memcpy(q->name, sp ? sp + 1 : "", nl);
	q->name[nl] = '\0';
	*hit = true;
}

enum dp_status
dnscache_get(struct redis *r, const struct conf *c, struct rdns_query *q, size_t n, bool *hit, struct dp_error *err)
{
	struct buf keys = BUF_INIT(0);
	const char **argv = calloc(n + 1, sizeof *argv);
	size_t *lens = calloc(n + 1, sizeof *lens), *off = calloc(n ? n : 1, sizeof *off), i;
	redisReply *reply = NULL;
	enum dp_status rc = DP_TEMPFAIL;

	memset(hit, 0, n * sizeof *hit);
	if (n == 0) {
		rc = DP_OK;
		goto out;
	}
	if (!argv || !lens || !off || make_keys(c, q, n, &keys, off) < 0) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	argv[0] = "MGET";
	lens[0] = 4;
	for (i = 0; i < n; i++) {
		argv[i + 1] = keys.data + off[i];
		lens[i + 1] = strlen(argv[i + 1]);
	}
	if (!(reply = redis_command(r, (int)n + 1, argv, lens, "reading the DNS cache", err)))
		goto out;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
		rc = redis_reply_fail(r, reply, "reading the DNS cache", err);
		goto out;
	}
	for (i = 0; i < n; i++)
		if (reply->element[i]->type == REDIS_REPLY_STRING)
			parse_value(reply->element[i]->str, reply->element[i]->len, &q[i], &hit[i]);
	rc = DP_OK;
out:
	if (reply)
		freeReplyObject(reply);
	buf_free(&keys);
	free(argv);
	free(lens);
	free(off);
	return rc;
}

static unsigned
lifetime(const struct conf *c, enum rdns_state s)
{
	if (s == RDNS_UNRESOLVED)
		return DNSCACHE_UNRESOLVED_SECONDS;
	if (s == RDNS_NONE)
		return DNSCACHE_NONE_SECONDS < c->dns_cache_days * 86400u ? DNSCACHE_NONE_SECONDS : c->dns_cache_days * 86400u;
	return c->dns_cache_days * 86400u;
}

enum dp_status
dnscache_put(struct redis *r, const struct conf *c, const struct rdns_query *q, size_t n, struct dp_error *err)
{
	struct buf keys = BUF_INIT(0), vals = BUF_INIT(0);
	size_t max = 3 + 3 * n, *off = calloc(2 * n + 1, sizeof *off), i, k = 0, argc = 0;
	const char **argv = calloc(max, sizeof *argv);
	size_t *lens = calloc(max, sizeof *lens);
	char nkeys[24];
	redisReply *reply = NULL;
	enum dp_status rc = DP_TEMPFAIL;

	if (!argv || !lens || !off) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto out;
	}
	/* Keys first, then (value, seconds) pairs, as offsets: the buffers may move while they grow. */
	for (i = 0; i < n; i++) {
		if (q[i].state == RDNS_OFF)
			continue;
		off[2 * k] = vals.len;
		if (buf_puts(&vals, rdns_state_word(q[i].state)) < 0 ||
		    (q[i].name[0] && (buf_putc(&vals, ' ') < 0 || buf_puts(&vals, q[i].name) < 0)) ||
		    buf_putc(&vals, '\0') < 0 || buf_putu(&vals, lifetime(c, q[i].state)) < 0 ||
		    buf_putc(&vals, '\0') < 0 || make_keys(c, &q[i], 1, &keys, &off[2 * k + 1]) < 0) {
			dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			goto out;
		}
		k++;
	}
	if (k == 0) {
		rc = DP_OK;
		goto out;
	}
	snprintf(nkeys, sizeof nkeys, "%zu", k);
	argc = 2;
	argv[argc++] = nkeys;
	for (i = 0; i < k; i++)
		argv[argc++] = keys.data + off[2 * i + 1];
	for (i = 0; i < k; i++) {
		argv[argc++] = vals.data + off[2 * i];
		argv[argc++] = vals.data + off[2 * i] + strlen(vals.data + off[2 * i]) + 1;
	}
	for (i = 2; i < argc; i++)
		lens[i] = strlen(argv[i]);
	if (!(reply = script_run(r, &put_script, (int)argc, argv, lens, "writing the DNS cache", err)))
		goto out;
	rc = reply->type == REDIS_REPLY_INTEGER ? DP_OK : redis_reply_fail(r, reply, "writing the DNS cache", err);
out:
	if (reply)
		freeReplyObject(reply);
	buf_free(&keys);
	buf_free(&vals);
	free(argv);
	free(lens);
	free(off);
	return rc;
}

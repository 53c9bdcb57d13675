/* cluster.c - the node serving our slot, and its redirections; see cluster.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cluster.h"
#include "log.h"

/* CRC16-CCITT (XMODEM): polynomial 0x1021, initial 0, as Redis Cluster's key hashing. */
unsigned
cluster_slot(const char *tag, size_t len)
{
	uint16_t crc = 0;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)tag[i] << 8);
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
	}
	return crc & (CLUSTER_SLOTS - 1);
}

static bool
starts(const char *text, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && !memcmp(text, word, n) && (len == n || text[n] == ' ');
}

enum cluster_reply
cluster_reply_parse(const char *text, size_t len, struct hostport *to)
{
	const char *p, *q, *colon, *end = text + len;
	unsigned port;
	size_t n;

	if (starts(text, len, "TRYAGAIN"))
		return CLUSTER_TRYAGAIN;
	if (starts(text, len, "CLUSTERDOWN"))
		return CLUSTER_DOWN;
	if (!starts(text, len, "MOVED") && !starts(text, len, "ASK"))
		return CLUSTER_OTHER;
	/* "MOVED 3999 127.0.0.1:6381": skip the word and the slot. */
	if (!(p = memchr(text, ' ', len)) || !(p = memchr(p + 1, ' ', (size_t)(end - p - 1))))
		return CLUSTER_OTHER;
	p++;
	/* The port follows the last colon: Redis writes IPv6 addresses without brackets. */
	for (colon = end; colon > p && colon[-1] != ':'; colon--)
		;
	if (colon == p || colon == end || end - colon > 5)
		return CLUSTER_OTHER;
	for (q = colon, port = 0; q < end; q++) {
		if (*q < '0' || *q > '9')
			return CLUSTER_OTHER;
		port = port * 10 + (unsigned)(*q - '0');
	}
	n = (size_t)(colon - 1 - p);
	if (port == 0 || port > 65535 || n >= sizeof to->host)
		return CLUSTER_OTHER;
	/* An empty host: no address is known for the node; it is the one that replied. */
	memcpy(to->host, p, n);
	to->host[n] = '\0';
	to->port = port;
	return text[0] == 'M' ? CLUSTER_MOVED : CLUSTER_ASK;
}

int
cluster_slots_owner(const redisReply *reply, unsigned slot, const char *asked_host, struct hostport *owner)
{
	size_t i;

	if (!reply || reply->type != REDIS_REPLY_ARRAY)
		return -1;
	for (i = 0; i < reply->elements; i++) {
		/* [start, end, [host, port, id, ...] of the master, replicas ...] */
		const redisReply *range = reply->element[i], *node;

		if (range->type != REDIS_REPLY_ARRAY || range->elements < 3 ||
		    range->element[0]->type != REDIS_REPLY_INTEGER || range->element[1]->type != REDIS_REPLY_INTEGER)
			return -1;
		if (slot < range->element[0]->integer || slot > range->element[1]->integer)
			continue;
		node = range->element[2];
		if (node->type != REDIS_REPLY_ARRAY || node->elements < 2 || node->element[0]->type != REDIS_REPLY_STRING ||
		    node->element[1]->type != REDIS_REPLY_INTEGER || node->element[1]->integer <= 0 ||
		    node->element[1]->integer > 65535 || node->element[0]->len >= sizeof owner->host)
			return -1;
		if (node->element[0]->len == 0 || !strcmp(node->element[0]->str, "?"))
			snprintf(owner->host, sizeof owner->host, "%s", asked_host);
		else
			memcpy(owner->host, node->element[0]->str, node->element[0]->len + 1);
		owner->port = (unsigned)node->element[1]->integer;
		return 0;
	}
	return -1;
}

/* ---------------------------------------------------------------- ASKING */

/* A decimal number ended by CRLF at *p (moved past it); -1 when there is none. */
static long
resp_number(const char **p, const char *end)
{
	long v = 0;
	const char *s = *p;

	if (s >= end || *s < '0' || *s > '9')
		return -1;
	while (s < end && *s >= '0' && *s <= '9') {
		if (v > 100000000L)
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	if (end - s < 2 || s[0] != '\r' || s[1] != '\n')
		return -1;
	*p = s + 2;
	return v;
}

/*
 * One command at *p: its end goes to *p, its first argument to
 * name/namelen.  -1 when it is not an array of bulk strings.
 */
static int
resp_command(const char **p, const char *end, const char **name, size_t *namelen)
{
	const char *s = *p;
	long argc, i, n;

	if (s >= end || *s++ != '*' || (argc = resp_number(&s, end)) < 1)
		return -1;
	for (i = 0; i < argc; i++) {
		if (s >= end || *s++ != '$' || (n = resp_number(&s, end)) < 0 || end - s < n + 2 ||
		    s[n] != '\r' || s[n + 1] != '\n')
			return -1;
		if (i == 0) {
			*name = s;
			*namelen = (size_t)n;
		}
		s += n + 2;
	}
	*p = s;
	return 0;
}

static bool
is_word(const char *name, size_t len, const char *word)
{
	return len == strlen(word) && !strncasecmp(name, word, len);
}

int
cluster_add_asking(const char *resp, size_t len, bool *in_multi, struct buf *out, struct buf *marks)
{
	static const char asking[] = "*1\r\n$6\r\nASKING\r\n";
	const char *p = resp, *end = resp + len;

	while (p < end) {
		const char *start = p, *name = NULL;
		size_t namelen = 0;
		bool ask;

		if (resp_command(&p, end, &name, &namelen) < 0) {
			errno = EINVAL;
			return -1;
		}
		ask = !*in_multi;
		if (is_word(name, namelen, "MULTI"))
			*in_multi = true;
		else if (is_word(name, namelen, "EXEC") || is_word(name, namelen, "DISCARD"))
			*in_multi = false;
		if ((ask && buf_append(out, asking, sizeof asking - 1) < 0) ||
		    buf_append(out, start, (size_t)(p - start)) < 0 || buf_putc(marks, ask) < 0)
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- finding the owner */

/* What the node at seed says serves slot; 0, or -1 with a reason. */
static int
ask_slots(const struct dial_opts *data, const struct hostport *seed, unsigned slot, struct hostport *owner,
	  struct dp_error *err)
{
	/* A node answers CLUSTER SLOTS at once or not at all: the connect timeout serves for both. */
	struct dial_opts o = *data;
	const char *argv[] = { "CLUSTER", "SLOTS" };
	redisContext *ctx;
	redisReply *reply;
	char addr[300];
	int rc = -1;

	o.command_ms = o.connect_ms;
	dial_addr(addr, sizeof addr, seed->host, seed->port);
	if (!(ctx = dial_tcp(seed->host, seed->port, &o, err)))
		return -1;
	if (!(reply = dial_command(&ctx, &o, addr, 2, argv, "asking for the slots", err)))
		return -1;
	if (reply->type == REDIS_REPLY_ERROR)
		dp_fail(err, DP_TEMPFAIL, "redis at %s: %s (asking for the slots)", addr, reply->str);
	else if ((rc = cluster_slots_owner(reply, slot, seed->host, owner)) < 0)
		dp_fail(err, DP_TEMPFAIL, "redis at %s: no node serves slot %u (asking for the slots)", addr, slot);
	freeReplyObject(reply);
	redisFree(ctx);
	return rc;
}

redisContext *
cluster_connect(const struct conf *c, const struct dial_opts *data, unsigned slot, struct hostport *owner,
		char *addr, size_t addrlen, struct dp_error *err)
{
	const char *cur = c->redis_cluster, *item;
	struct dp_error why = { DP_OK, "" };
	size_t len;
	unsigned asked = 0;

	while (hostport_next(&cur, &item, &len)) {
		struct hostport seed;
		redisContext *ctx;

		/* conf_check() has parsed the list already. */
		if (hostport_parse(item, len, REDIS_PORT, &seed, NULL, 0) < 0)
			continue;
		asked++;
		dp_error_clear(&why);
		if (ask_slots(data, &seed, slot, owner, &why) == 0) {
			dial_addr(addr, addrlen, owner->host, owner->port);
			if ((ctx = dial_tcp(owner->host, owner->port, data, &why)))
				return ctx;
		}
		log_debug("cluster node %.*s: %s", (int)len, item, why.reason);
	}
	dp_fail(err, DP_TEMPFAIL, "no node of redis_cluster led to the master of slot %u (%u asked; the last: %s)",
		slot, asked, asked ? why.reason : "none");
	return NULL;
}

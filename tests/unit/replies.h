/*
 * replies.h - hiredis replies made by hand, for dmarc-consume's unit
 * tests: what a Redis server could send, well-formed or not.  Each is
 * allocated as hiredis allocates, so freeReplyObject() frees it.
 */
#ifndef DP_REPLIES_H
#define DP_REPLIES_H

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static inline redisReply *
rep_strn(const char *s, size_t len)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_STRING;
	r->str = malloc(len + 1);
	memcpy(r->str, s, len);
	r->str[len] = '\0';
	r->len = len;
	return r;
}

static inline redisReply *
rep_str(const char *s)
{
	return rep_strn(s, strlen(s));
}

static inline redisReply *
rep_int(long long v)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_INTEGER;
	r->integer = v;
	return r;
}

static inline redisReply *
rep_nil(void)
{
	redisReply *r = calloc(1, sizeof *r);

	r->type = REDIS_REPLY_NIL;
	return r;
}

/* An array of n replies (taken). */
static inline redisReply *
rep_arr(size_t n, ...)
{
	redisReply *r = calloc(1, sizeof *r);
	va_list ap;
	size_t i;

	r->type = REDIS_REPLY_ARRAY;
	r->elements = n;
	r->element = calloc(n ? n : 1, sizeof *r->element);
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->element[i] = va_arg(ap, redisReply *);
	va_end(ap);
	return r;
}

/* An array of strings from a NULL-terminated list. */
static inline redisReply *
rep_strs(const char *const *v)
{
	size_t n = 0, i;
	redisReply *r;

	while (v[n])
		n++;
	r = rep_arr(0);
	free(r->element);
	r->element = calloc(n ? n : 1, sizeof *r->element);
	r->elements = n;
	for (i = 0; i < n; i++)
		r->element[i] = rep_str(v[i]);
	return r;
}

#endif

/*
 * isotime.h - times as the records write them: ISO 8601 in UTC,
 * "2024-01-01T00:00:00Z", and back.
 */
#ifndef DP_ISOTIME_H
#define DP_ISOTIME_H

#include <stdint.h>

#define ISO8601_LEN 20
/* 9999-12-31T23:59:59Z */
#define ISO8601_MAX 253402300799LL

/* Seconds since the epoch to "YYYY-MM-DDTHH:MM:SSZ"; -1 for a time that has no such form. */
int iso8601_utc(int64_t t, char out[ISO8601_LEN + 1]);

/* The Monday that begins the week of day, both in days since the epoch (1970-01-01 was a Thursday). */
int64_t iso8601_monday(int64_t day);

/*
 * "YYYY-MM-DDTHH:MM:SS" (T, t or a space) with an optional fraction and
 * an optional zone: Z, +HH:MM, -HHMM, +HH or " UTC"; no zone means UTC.
 * To seconds since the epoch: 0, or -1 for anything else.
 */
int iso8601_parse(const char *s, int64_t *out);

#endif

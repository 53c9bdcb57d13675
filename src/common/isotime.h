/*
 * isotime.h - times as the records write them: ISO 8601 in UTC,
 * "2024-01-01T00:00:00Z", and back.
 */
#ifndef DP_ISOTIME_H
#define DP_ISOTIME_H

#include <stdint.h>

#define ISO8601_LEN 20

/* Seconds since the epoch to "YYYY-MM-DDTHH:MM:SSZ"; -1 for a time that has no such form. */
int iso8601_utc(int64_t t, char out[ISO8601_LEN + 1]);

#endif

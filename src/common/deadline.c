/* deadline.c - the per-message time limit; see deadline.h. */
#include "config.h"

#include <limits.h>
#include <time.h>

#include "deadline.h"

static struct timespec deadline_at;
static unsigned deadline_secs;

void
deadline_start(unsigned seconds)
{
	deadline_secs = seconds;
	clock_gettime(CLOCK_MONOTONIC, &deadline_at);
	deadline_at.tv_sec += seconds;
}

bool
deadline_passed(void)
{
	struct timespec now;

	if (!deadline_secs)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline_at.tv_sec ||
	       (now.tv_sec == deadline_at.tv_sec && now.tv_nsec >= deadline_at.tv_nsec);
}

unsigned
deadline_remaining_ms(void)
{
	struct timespec now;
	long long ms;

	if (!deadline_secs)
		return UINT_MAX;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline_at.tv_sec - now.tv_sec) * 1000 + (deadline_at.tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms >= UINT_MAX ? UINT_MAX - 1 : (unsigned)ms;
}

unsigned
deadline_seconds(void)
{
	return deadline_secs;
}

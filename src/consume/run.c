/* run.c - the consumer's loop, each sink failing and recovering on its own; see run.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "log.h"
#include "notify.h"
#include "run.h"
#include "trim.h"

#define BACKOFF_MAX_SECONDS 30
#define TRIM_EVERY_SECONDS 60

volatile sig_atomic_t run_stopping, run_reopening;

/* Sleep until t, waking early when asked to stop. */
static void
nap_until(time_t t)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };

	while (!run_stopping && time(NULL) < t) {
		nanosleep(&tick, NULL);
		notify_watchdog();
	}
}

/* Hand entries to a sink (all of them freed here). */
static enum dp_status
feed(struct run_sink *s, struct entries *es, size_t n, bool *progress, struct dp_error *err)
{
	enum dp_status rc = DP_OK;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rc == DP_OK && es[i].n) {
			*progress = true;
			rc = s->sink->take(s->state, s->reader, &es[i], err);
		}
		entries_free(&es[i]);
	}
	return rc;
}

/* Take over what dead consumers left pending, one owner's entries at a time. */
static enum dp_status
claim(struct run_sink *s, const struct conf *c, bool *progress, struct dp_error *err)
{
	size_t stream;

	for (stream = 0; stream < KIND_COUNT; stream++)
		for (;;) {
			struct entries es;
			bool found;

			if (reader_claim(s->reader, stream, c->consume_count, &es, &found, err) != DP_OK)
				return DP_TEMPFAIL;
			if (!found)
				break;
			if (feed(s, &es, 1, progress, err) != DP_OK)
				return DP_TEMPFAIL;
			if (run_stopping)
				return DP_OK;
		}
	return DP_OK;
}

/* One turn of one sink: open it if it is not, claim when due, read, write, close what is due. */
static enum dp_status
turn(struct run_sink *s, const struct conf *c, time_t now, unsigned block_ms, bool *progress, struct dp_error *err)
{
	struct entries es[KIND_COUNT];
	size_t n;

	if (!s->state && !(s->state = s->sink->open(c, err)))
		return DP_TEMPFAIL;
	if (now >= s->next_claim) {
		if (claim(s, c, progress, err) != DP_OK)
			return DP_TEMPFAIL;
		s->next_claim = now + (c->claim_idle_seconds / 4 ? c->claim_idle_seconds / 4 : 1);
	}
	if (reader_read(s->reader, block_ms, es, &n, err) != DP_OK)
		return DP_TEMPFAIL;
	if (feed(s, es, n, progress, err) != DP_OK)
		return DP_TEMPFAIL;
	return s->sink->flush(s->state, s->reader, false, err);
}

/*
 * A sink failed: what it holds unacknowledged is still pending in Redis,
 * so drop it here and read it again after the wait.  The error is logged
 * when it differs from the last one logged.
 */
static bool
failed(struct run_sink *s, const struct dp_error *err, time_t now)
{
	bool changed = false;

	if (s->state)
		s->sink->abandon(s->state);
	reader_recover(s->reader);
	s->backoff = !s->backoff ? 1 : s->backoff * 2 > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : s->backoff * 2;
	s->retry_at = now + s->backoff;
	if (atomic_exchange(&s->health->up, 0))
		atomic_fetch_add(&s->health->failures, 1);
	if (strcmp(s->error, err->reason)) {
		log_err("event=error sink=%s reason=\"%s\" retry_in=%us", s->sink->name, err->reason, s->backoff);
		snprintf(s->error, sizeof s->error, "%s", err->reason);
		s->repeats = 0;
		changed = true;
	} else
		log_debug("event=error sink=%s repeated=%u retry_in=%us (as logged before)", s->sink->name, ++s->repeats,
			  s->backoff);
	return changed;
}

static bool
succeeded(struct run_sink *s)
{
	if (!s->backoff)
		return false;
	log_notice("event=recovered sink=%s after=\"%s\"", s->sink->name, s->error);
	s->backoff = 0;
	s->error[0] = '\0';
	atomic_store(&s->health->up, 1);
	return true;
}

/* Trim when due (and at the end of --once); a failure is logged and retried next time. */
static void
maybe_trim(struct redis *r, const struct conf *c, time_t *next, bool now)
{
	struct dp_error err = { 0 };
	unsigned long long removed;

	if (!c->stream_trim || (!now && time(NULL) < *next))
		return;
	*next = time(NULL) + TRIM_EVERY_SECONDS;
	if (trim_streams(r, c, &removed, &err) != DP_OK)
		log_warn("event=trim reason=\"%s\"", err.reason);
}

/* Close every open batch of the sinks that are up; false when one failed (then it is backing off). */
static bool
flush_all(struct run_sink *sinks, size_t n)
{
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		struct dp_error err = { 0 };

		if (!sinks[i].state || sinks[i].backoff || sinks[i].gave_up)
			continue;
		if (sinks[i].sink->flush(sinks[i].state, sinks[i].reader, true, &err) != DP_OK) {
			failed(&sinks[i], &err, time(NULL));
			ok = false;
		}
	}
	return ok;
}

/*
 * One round: every sink not backing off takes its turn.  The first of
 * them waits for new entries when the last round found none, but never
 * past the time a failing sink is due again.  *waiting is how many sinks
 * are backing off.
 */
static bool
round_once(struct run_sink *sinks, size_t n, const struct conf *c, bool may_block, bool once, bool *progress,
	   size_t *waiting)
{
	bool changed = false;
	time_t now = time(NULL), due = 0;
	bool blocked = !may_block;
	size_t i;

	*waiting = 0;
	for (i = 0; i < n; i++)
		if (!sinks[i].gave_up && sinks[i].retry_at > now && (!due || sinks[i].retry_at < due))
			due = sinks[i].retry_at;
	for (i = 0; i < n && !run_stopping; i++) {
		struct run_sink *s = &sinks[i];
		struct dp_error err = { 0 };
		unsigned block = 0;

		if (s->gave_up || s->retry_at > now) {
			(*waiting)++;
			continue;
		}
		if (!blocked) {
			blocked = true;
			block = c->consume_block_ms;
			if (due && (unsigned long long)(due - now) * 1000 < block)
				block = (unsigned)(due - now) * 1000;
		}
		if (turn(s, c, now, block, progress, &err) == DP_OK) {
			changed |= succeeded(s);
			continue;
		}
		changed |= failed(s, &err, now);
		s->gave_up = once;	/* --once does not wait for it: the others drain, the exit status tells */
		(*waiting)++;
	}
	return changed;
}

/*
 * Tell the service manager: READY=1 once a sink has talked to Redis,
 * and STATUS= whenever a sink's state changed (systemctl status shows it).
 */
static void
tell_manager(const struct run_sink *sinks, size_t n, bool *ready, bool changed)
{
	char msg[64 + SINKS_MAX * (DP_REASON_MAX + 32)];
	size_t i, len, up = 0;

	for (i = 0; i < n; i++)
		up += !sinks[i].backoff && !sinks[i].gave_up;
	if ((*ready || !up) && !changed)
		return;
	len = (size_t)snprintf(msg, sizeof msg, "%sSTATUS=", *ready || !up ? "" : "READY=1\n");
	*ready = *ready || up;
	for (i = 0; i < n && len < sizeof msg; i++)
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s %s%s", i ? "; " : "", sinks[i].sink->name,
					sinks[i].backoff ? "failing: " : "consuming", sinks[i].backoff ? sinks[i].error : "");
	for (i = 1; msg[i]; i++)	/* one line: a newline would start another assignment */
		if (msg[i] == '\n' && strncmp(msg, "READY=1\n", 8) | (i != 7))
			msg[i] = ' ';
	notify_send(msg);
}

int
run_sinks(struct run_sink *sinks, size_t n, struct redis *redis, const struct conf *c, bool once)
{
	time_t next_trim = 0;
	bool progress = true, ready = false, changed;
	size_t i, waiting;

	for (i = 0; i < n; i++)
		atomic_store(&sinks[i].health->up, 1);
	while (!run_stopping) {
		bool was = progress;

		if (run_reopening) {
			run_reopening = 0;
			for (i = 0; i < n; i++)
				if (sinks[i].state)
					sinks[i].sink->reopen(sinks[i].state);
			log_info("event=reopen");
		}
		progress = false;
		changed = round_once(sinks, n, c, !was && !once, once, &progress, &waiting);
		tell_manager(sinks, n, &ready, changed);
		notify_watchdog();
		if (once && (!progress || waiting == n)) {
			/* Drained: close the batches, and say whether every sink got everything. */
			bool all = flush_all(sinks, n) && waiting == 0;

			maybe_trim(redis, c, &next_trim, true);
			return all ? EX_OK : EX_TEMPFAIL;
		}
		maybe_trim(redis, c, &next_trim, false);
		if (waiting == n) {
			/* Every sink is backing off: wait for the first that is due. */
			time_t due = sinks[0].retry_at;

			for (i = 1; i < n; i++)
				if (sinks[i].retry_at < due)
					due = sinks[i].retry_at;
			nap_until(due);
			progress = true;	/* do not block in the round after */
		}
	}
	/* SIGTERM: finish the batches in hand; what cannot be closed stays pending for the next start. */
	notify_send("STOPPING=1\nSTATUS=closing the batches in hand");
	for (i = 0; i < n; i++) {
		struct dp_error err = { 0 };

		if (sinks[i].state && !sinks[i].backoff &&
		    sinks[i].sink->flush(sinks[i].state, sinks[i].reader, true, &err) != DP_OK)
			log_err("event=stop sink=%s reason=\"%s\" (left pending: consumed on the next start)",
				sinks[i].sink->name, err.reason);
	}
	log_info("event=stop");
	return EX_OK;
}

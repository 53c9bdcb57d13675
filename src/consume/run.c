/* run.c - the consumer's loop, a thread per sink, each failing and recovering on its own; see run.h. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "run.h"
#include "trim.h"

#define BACKOFF_MAX_SECONDS 30
#define TRIM_EVERY_SECONDS 60
#define TICK_NS (100 * 1000 * 1000)

atomic_int run_stopping, run_reopening;

static long long
monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec;
}

static void
tick(void)
{
	const struct timespec t = { 0, TICK_NS };

	nanosleep(&t, NULL);
}

/* The sink's thread is alive (the main thread pings the watchdog only while every one is). */
static void
heartbeat(struct run_sink *s)
{
	atomic_store(&s->health->heartbeat, monotonic_seconds());
}

/* Sleep until t, waking early when asked to stop. */
static void
nap_until(struct run_sink *s, time_t t)
{
	while (!atomic_load(&run_stopping) && time(NULL) < t) {
		tick();
		heartbeat(s);
	}
}

/* Hand entries to the sink (all of them freed here). */
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
claim(struct run_sink *s, bool *progress, struct dp_error *err)
{
	size_t stream;

	for (stream = 0; stream < KIND_COUNT; stream++)
		for (;;) {
			struct entries es;
			bool found;

			if (reader_claim(s->reader, stream, s->conf->consume_count, &es, &found, err) != DP_OK)
				return DP_TEMPFAIL;
			if (!found)
				break;
			if (feed(s, &es, 1, progress, err) != DP_OK)
				return DP_TEMPFAIL;
			if (atomic_load(&run_stopping))
				return DP_OK;
		}
	return DP_OK;
}

/* One turn: open the sink if it is not, claim when due, read (waiting up to block_ms), write, close what is due. */
static enum dp_status
turn(struct run_sink *s, unsigned block_ms, bool *progress, struct dp_error *err)
{
	const struct conf *c = s->conf;
	struct entries es[KIND_COUNT];
	time_t now = time(NULL);
	size_t n;

	if (!s->state && !(s->state = s->sink->open(c, s->sources, err)))
		return DP_TEMPFAIL;
	if (now >= s->next_claim) {
		if (claim(s, progress, err) != DP_OK)
			return DP_TEMPFAIL;
		s->next_claim = now + (c->claim_idle_seconds / 4 ? c->claim_idle_seconds / 4 : 1);
	}
	if (reader_read(s->reader, block_ms, es, &n, err) != DP_OK)
		return DP_TEMPFAIL;
	if (feed(s, es, n, progress, err) != DP_OK)
		return DP_TEMPFAIL;
	return s->sink->flush(s->state, s->reader, false, err);
}

/* The sink's error for STATUS ("" when it is up), and a nudge to the main thread. */
static void
publish(struct run_sink *s, const char *error)
{
	pthread_mutex_lock(&s->all->lock);
	snprintf(s->health->error, sizeof s->health->error, "%s", error);
	pthread_mutex_unlock(&s->all->lock);
	atomic_fetch_add(&s->all->version, 1);
}

/*
 * The sink failed: what it holds unacknowledged is still pending in
 * Redis, so drop it here and read it again after the wait.  The error is
 * logged when it differs from the last one logged.
 */
static void
failed(struct run_sink *s, const struct dp_error *err)
{
	if (s->state)
		s->sink->abandon(s->state);
	reader_recover(s->reader);
	s->backoff = !s->backoff ? 1 : s->backoff * 2 > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : s->backoff * 2;
	s->retry_at = time(NULL) + s->backoff;
	if (atomic_exchange(&s->health->up, 0))
		atomic_fetch_add(&s->health->failures, 1);
	if (strcmp(s->error, err->reason)) {
		log_err("event=error sink=%s reason=\"%s\" retry_in=%us", s->sink->name, err->reason, s->backoff);
		snprintf(s->error, sizeof s->error, "%s", err->reason);
		s->repeats = 0;
		publish(s, s->error);
	} else
		log_debug("event=error sink=%s repeated=%u retry_in=%us (as logged before)", s->sink->name, ++s->repeats,
			  s->backoff);
}

static void
succeeded(struct run_sink *s)
{
	if (!atomic_exchange(&s->health->ready, 1))
		atomic_fetch_add(&s->all->version, 1);	/* the first sign of Redis: READY is due */
	if (!s->backoff)
		return;
	log_notice("event=recovered sink=%s after=\"%s\"", s->sink->name, s->error);
	s->backoff = 0;
	s->error[0] = '\0';
	atomic_store(&s->health->up, 1);
	publish(s, "");
}

/* Close the batches in hand: at SIGTERM, and at the end of --once.  false when that failed. */
static bool
close_batches(struct run_sink *s)
{
	struct dp_error err = { 0 };

	if (!s->state || s->backoff || s->sink->flush(s->state, s->reader, true, &err) == DP_OK)
		return !s->backoff;
	if (s->once)
		failed(s, &err);
	else
		log_err("event=stop sink=%s reason=\"%s\" (left pending: consumed on the next start)", s->sink->name,
			err.reason);
	return false;
}

/*
 * The sinks' work is batch work: when the CPU is short (Redis, four sinks
 * and the listener on two cores), the listener's /metrics and pages, and
 * the deliveries dmarc-pipe stores, should run first.  On Linux a thread's
 * nice value is its own, and raising it needs no privilege.
 */
static void
lower_priority(const struct run_sink *s)
{
	pid_t tid = gettid();
	int now;

	if (!s->conf->sink_nice)
		return;
	errno = 0;
	now = getpriority(PRIO_PROCESS, (id_t)tid);
	if ((now == -1 && errno) || setpriority(PRIO_PROCESS, (id_t)tid, now + (int)s->conf->sink_nice) < 0)
		log_warn("event=priority sink=%s reason=\"cannot lower the thread's priority: %s\"", s->sink->name,
			 strerror(errno));
}

/*
 * A sink's thread.  It waits for new entries (consume_block_ms) only when
 * its last turn found none; --once ends it at the first turn that finds
 * nothing (or at its first failure: the others go on, the exit status
 * tells).
 */
static void *
sink_thread(void *arg)
{
	struct run_sink *s = arg;
	bool progress = true;
	char name[16];	/* what top -H and /proc/<pid>/task/<tid>/comm show */

	snprintf(name, sizeof name, "sink %s", s->sink->name);
	pthread_setname_np(pthread_self(), name);
	s->result = EX_OK;
	lower_priority(s);
	while (!atomic_load(&run_stopping)) {
		struct dp_error err = { 0 };
		bool was = progress;

		heartbeat(s);
		if (atomic_exchange(&s->reopen, 0) && s->state)
			s->sink->reopen(s->state);
		if (s->backoff && time(NULL) < s->retry_at) {
			nap_until(s, s->retry_at);
			continue;
		}
		progress = false;
		if (turn(s, !was && !s->once ? s->conf->consume_block_ms : 0, &progress, &err) != DP_OK) {
			failed(s, &err);
			if (s->once) {
				s->result = EX_TEMPFAIL;
				break;
			}
			continue;
		}
		succeeded(s);
		if (s->once && !progress) {
			if (!close_batches(s))
				s->result = EX_TEMPFAIL;
			break;
		}
	}
	if (!s->once)
		close_batches(s);
	atomic_store(&s->done, 1);
	return NULL;
}

/*
 * Tell the service manager: READY=1 once a sink has talked to Redis,
 * and STATUS= whenever a sink's state changed (systemctl status shows it).
 */
static void
tell_manager(struct health *h, bool *ready, unsigned *seen)
{
	char msg[64 + SINKS_MAX * (DP_REASON_MAX + 32)];
	unsigned version = atomic_load(&h->version);
	size_t i, len, any = 0;

	if (version == *seen)
		return;
	*seen = version;
	for (i = 0; i < h->n; i++)
		any += atomic_load(&h->sinks[i].ready);
	if (!*ready && !any)
		return;
	len = (size_t)snprintf(msg, sizeof msg, "%sSTATUS=", *ready ? "" : "READY=1\n");
	*ready = true;
	pthread_mutex_lock(&h->lock);
	for (i = 0; i < h->n && len < sizeof msg; i++) {
		const struct sink_health *s = &h->sinks[i];

		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s %s%s", i ? "; " : "", s->name,
					s->error[0] ? "failing: " : "consuming", s->error);
	}
	pthread_mutex_unlock(&h->lock);
	for (i = 0; msg[i]; i++)	/* one line: a newline in an error would start another assignment */
		if (msg[i] == '\n' && (i != 7 || strncmp(msg, "READY=1\n", 8)))
			msg[i] = ' ';
	notify_send(msg);
}

/* The watchdog is fed while every sink's thread showed life within the last minute. */
static void
feed_watchdog(const struct health *h)
{
	long long now = monotonic_seconds();
	size_t i;

	for (i = 0; i < h->n; i++)
		if (now - atomic_load(&h->sinks[i].heartbeat) > 60)
			return;
	notify_watchdog();
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

static bool
all_done(const struct run_sink *sinks, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!atomic_load(&sinks[i].done))
			return false;
	return true;
}

int
run_sinks(struct run_sink *sinks, size_t n, struct health *health, struct redis *redis, const struct conf *c,
	  bool once)
{
	sigset_t block, old;
	time_t next_trim = time(NULL) + TRIM_EVERY_SECONDS;
	bool ready = false, stopping = false;
	unsigned seen = 0;
	size_t i, started = 0;
	int rc = EX_OK;

	/* The signals are the main thread's: the sinks' threads start with them blocked. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < n; i++) {
		sinks[i].once = once;
		atomic_store(&sinks[i].health->up, 1);
		atomic_store(&sinks[i].health->heartbeat, monotonic_seconds());
		if (pthread_create(&sinks[i].thread, NULL, sink_thread, &sinks[i]) != 0) {
			log_err("event=error reason=\"cannot start a thread for the %s sink\"", sinks[i].sink->name);
			atomic_store(&run_stopping, 1);
			rc = EX_TEMPFAIL;
			break;
		}
		started++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	while (started == n && !all_done(sinks, n)) {
		if (atomic_exchange(&run_reopening, 0)) {
			for (i = 0; i < n; i++)
				atomic_store(&sinks[i].reopen, 1);
			log_info("event=reopen");
		}
		if (atomic_load(&run_stopping) && !stopping) {
			stopping = true;
			notify_send("STOPPING=1\nSTATUS=closing the batches in hand");
		}
		tell_manager(health, &ready, &seen);
		feed_watchdog(health);
		if (!once && !stopping)
			maybe_trim(redis, c, &next_trim, false);
		tick();
	}
	for (i = 0; i < started; i++) {
		pthread_join(sinks[i].thread, NULL);
		if (once && sinks[i].result != EX_OK)
			rc = EX_TEMPFAIL;
	}
	if (once)
		maybe_trim(redis, c, &next_trim, true);
	if (!once)
		log_info("event=stop");
	return rc;
}

/*
 * main.c - dmarc-consume: reads the streams dmarc-pipe writes through
 * consumer groups and feeds the sinks (metrics, batch files, daily
 * NDJSON); see dmarc-consume(8).
 *
 * One thread reads and writes; /metrics is served by libmicrohttpd's own
 * thread.  Any error (Redis away, a full disk) drops what the sinks hold
 * unacknowledged, waits with a growing backoff, and reads this consumer's
 * pending entries again: they are still in Redis.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "reader.h"
#include "redis.h"
#include "consume_sink.h"
#include "trim.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/dmarc-pipe.conf"
#define BACKOFF_MAX_SECONDS 30
#define TRIM_EVERY_SECONDS 60

static volatile sig_atomic_t stopping, reopening;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		reopening = 1;
	else
		stopping = 1;
}

struct active {
	const struct consume_sink *sink;
	void *state;
	struct reader *reader;
	time_t next_claim;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: dmarc-consume [-c FILE] [--once] [-v]\n"
		"  -c, --config FILE  settings (default %s)\n"
		"      --once         consume what is there, close every batch, and exit\n"
		"  -v, --verbose      log to stderr as well\n"
		"  -V, --version      print the version and exit\n"
		"  -h, --help         this help\n"
		"See dmarc-consume(8) and dmarc-pipe.conf(5).\n"
		"\n"
		"Settings and their defaults:\n", DEFAULT_CONF);
	conf_print_defaults(CONF_CONSUME);
}

/* Sleep up to seconds, waking early when asked to stop. */
static void
nap(unsigned seconds)
{
	while (seconds-- && !stopping)
		sleep(1);
}

/* Hand entries to a sink; recovered ones are closed off on their own. */
static enum dp_status
feed(struct active *a, struct entries *es, size_t n, bool *progress, struct dp_error *err)
{
	enum dp_status rc = DP_OK;
	size_t i;

	for (i = 0; i < n; i++) {
		if (rc == DP_OK && es[i].n) {
			*progress = true;
			rc = a->sink->take(a->state, a->reader, &es[i], err);
		}
		entries_free(&es[i]);
	}
	return rc;
}

/* Take over what dead consumers left pending, one owner's entries at a time. */
static enum dp_status
claim(struct active *a, const struct conf *c, bool *progress, struct dp_error *err)
{
	size_t s;

	for (s = 0; s < KIND_COUNT; s++)
		for (;;) {
			struct entries es;
			bool found;

			if (reader_claim(a->reader, s, c->consume_count, &es, &found, err) != DP_OK)
				return DP_TEMPFAIL;
			if (!found)
				break;
			if (feed(a, &es, 1, progress, err) != DP_OK)
				return DP_TEMPFAIL;
			if (stopping)
				return DP_OK;
		}
	return DP_OK;
}

/* One round: every sink claims (when due), reads and flushes what is due. */
static enum dp_status
round_once(struct active *act, size_t nact, const struct conf *c, bool may_block, bool *progress,
	   struct dp_error *err)
{
	time_t now = time(NULL);
	size_t i, n;

	for (i = 0; i < nact && !stopping; i++) {
		struct active *a = &act[i];
		struct entries es[KIND_COUNT];

		if (now >= a->next_claim) {
			if (claim(a, c, progress, err) != DP_OK)
				return DP_TEMPFAIL;
			a->next_claim = now + (c->claim_idle_seconds / 4 ? c->claim_idle_seconds / 4 : 1);
		}
		/* Only the first sink waits for new entries, and only when a whole round found none. */
		if (reader_read(a->reader, i == 0 && may_block ? c->consume_block_ms : 0, es, &n, err) != DP_OK)
			return DP_TEMPFAIL;
		if (feed(a, es, n, progress, err) != DP_OK)
			return DP_TEMPFAIL;
		if (a->sink->flush(a->state, a->reader, false, err) != DP_OK)
			return DP_TEMPFAIL;
	}
	return DP_OK;
}

static enum dp_status
flush_all(struct active *act, size_t nact, struct dp_error *err)
{
	size_t i;

	for (i = 0; i < nact; i++)
		if (act[i].sink->flush(act[i].state, act[i].reader, true, err) != DP_OK)
			return DP_TEMPFAIL;
	return DP_OK;
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

static int
run(struct active *act, size_t nact, struct redis *redis, const struct conf *c, bool once)
{
	time_t next_trim = 0;
	unsigned backoff = 0;
	bool progress = true;
	size_t i;

	while (!stopping) {
		struct dp_error err = { 0 };
		bool was = progress;

		if (reopening) {
			reopening = 0;
			for (i = 0; i < nact; i++)
				act[i].sink->reopen(act[i].state);
			log_info("event=reopen");
		}
		progress = false;
		if (round_once(act, nact, c, !was && !once, &progress, &err) == DP_OK &&
		    (progress || !once || flush_all(act, nact, &err) == DP_OK)) {
			backoff = 0;
			if (once && !progress) {
				maybe_trim(redis, c, &next_trim, true);
				return EX_OK;
			}
			maybe_trim(redis, c, &next_trim, false);
			continue;
		}
		/* Whatever is unacknowledged is still pending in Redis: drop it here, read it again. */
		for (i = 0; i < nact; i++) {
			act[i].sink->abandon(act[i].state);
			reader_recover(act[i].reader);
		}
		if (once) {
			log_err("event=error reason=\"%s\"", err.reason);
			return EX_TEMPFAIL;
		}
		backoff = backoff ? (backoff * 2 > BACKOFF_MAX_SECONDS ? BACKOFF_MAX_SECONDS : backoff * 2) : 1;
		log_err("event=error reason=\"%s\" retry_in=%us", err.reason, backoff);
		progress = true;
		nap(backoff);
	}
	/* SIGTERM: finish the batches in hand. */
	{
		struct dp_error err = { 0 };

		if (flush_all(act, nact, &err) != DP_OK) {
			log_err("event=stop reason=\"%s\" (left pending: consumed on the next start)", err.reason);
			return EX_OK;
		}
	}
	log_info("event=stop");
	return EX_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "once", no_argument, NULL, 'o' },
		{ "verbose", no_argument, NULL, 'v' },     { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	static const struct consume_sink *const all[] = { &sink_metrics, &sink_batch, &sink_daily };
	const char *conf_path = DEFAULT_CONF;
	bool explicit = false, once = false, verbose = false;
	struct active act[3];
	size_t nact = 0, i;
	struct conf conf;
	struct redis *redis = NULL;
	struct http *http = NULL;
	struct sigaction sa;
	char errbuf[512], consumer[300], host[256];
	int ch, rc = 1;

	conf_defaults(&conf, CONF_CONSUME);
	while ((ch = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c':
			conf_path = optarg;
			explicit = true;
			break;
		case 'o':
			once = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("dmarc-consume %s\n", PACKAGE_VERSION);
			return EX_OK;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	if (optind < argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (conf_load(&conf, CONF_CONSUME, conf_path, !explicit, errbuf, sizeof errbuf) < 0 ||
	    conf_check(&conf, CONF_CONSUME, conf_path, errbuf, sizeof errbuf) < 0) {
		fprintf(stderr, "dmarc-consume: config: %s\n", errbuf);
		conf_free(&conf);
		return EX_CONFIG;
	}
	log_open("dmarc-consume", conf.syslog_facility, conf.syslog, verbose, conf.syslog_socket);
	if (!conf_has_redis(&conf)) {
		log_err("event=config reason=\"%s: none of redis_socket, redis_host and redis_sentinels is set\"", conf_path);
		fprintf(stderr, "dmarc-consume: config: %s: none of redis_socket, redis_host and redis_sentinels is set\n", conf_path);
		rc = EX_CONFIG;
		goto out;
	}
	if (conf.consumer_name)
		snprintf(consumer, sizeof consumer, "%s", conf.consumer_name);
	else {
		if (gethostname(host, sizeof host) < 0)
			strcpy(host, "localhost");
		host[sizeof host - 1] = '\0';
		snprintf(consumer, sizeof consumer, "%s-%ld", host, (long)getpid());
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!(redis = redis_new(&conf)))
		goto oom;
	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		struct dp_error err = { 0 };

		if (!all[i]->enabled(&conf))
			continue;
		act[nact].sink = all[i];
		act[nact].next_claim = 0;
		if (!(act[nact].reader = reader_new(redis, &conf, all[i]->name, consumer)))
			goto oom;
		if (!(act[nact].state = all[i]->open(&conf, &err))) {
			reader_free(act[nact].reader);
			log_err("event=error sink=%s reason=\"%s\"", all[i]->name, err.reason);
			fprintf(stderr, "dmarc-consume: %s: %s\n", all[i]->name, err.reason);
			rc = EX_TEMPFAIL;
			goto out;
		}
		nact++;
	}
	if (nact == 0) {
		fprintf(stderr, "dmarc-consume: no sink is on (set metrics_listen, batch_dir or ndjson_dir)\n");
		rc = EX_CONFIG;
		goto out;
	}
	if (conf.metrics_listen && !once) {
		struct dp_error err = { 0 };

		if (!(http = http_start(&conf, &err))) {
			log_err("event=error reason=\"%s\"", err.reason);
			fprintf(stderr, "dmarc-consume: %s\n", err.reason);
			rc = EX_TEMPFAIL;
			goto out;
		}
	}
	log_info("event=start consumer=%s sinks=%zu once=%s", consumer, nact, once ? "yes" : "no");
	rc = run(act, nact, redis, &conf, once);
	goto out;
oom:
	fprintf(stderr, "dmarc-consume: out of memory\n");
	rc = EX_TEMPFAIL;
out:
	http_stop(http);
	for (i = 0; i < nact; i++) {
		act[i].sink->close(act[i].state);
		reader_free(act[i].reader);
	}
	redis_free(redis);
	log_close();
	conf_free(&conf);
	return rc;
}

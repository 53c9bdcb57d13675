/*
 * main.c - dmarc-consume: reads the streams dmarc-pipe writes through
 * consumer groups and feeds the sinks (metrics, batch files, daily
 * NDJSON); see dmarc-consume(8).
 *
 * The stages are folders: read/ (consumer groups: reading, taking over,
 * acknowledging, parking, trimming), sinks/ (what records become),
 * http/ (/metrics); run.c drives the sinks, a thread each, with its own
 * Redis connection; /metrics is served by libmicrohttpd's own thread.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "conf.h"
#include "consume_sink.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "reader.h"
#include "redis.h"
#include "run.h"
#include "sources.h"
#include "sources_table.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/dmarc-pipe.conf"

static const struct consume_sink *const all_sinks[] = { &sink_metrics, &sink_sources, &sink_batch, &sink_daily };

struct options {
	const char *conf_path;
	bool conf_explicit;	/* -c given: the file must exist */
	bool once;
	bool verbose;
	const char *sources;	/* --sources DOMAIN: print its table and exit */
	unsigned days;		/* ... over this many days */
	bool json;		/* ... as JSON */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: dmarc-consume [-c FILE] [--once] [-v]\n"
		"       dmarc-consume [-c FILE] --sources DOMAIN [--days N] [--json]\n"
		"  -c, --config FILE  settings (default %s)\n"
		"      --once         consume what is there, close every batch, and exit\n"
		"      --sources DOMAIN  print who sent as DOMAIN, from the rollups, and exit\n"
		"      --days N       ... over the N days (default 30) up to the newest with reports\n"
		"      --json         ... as JSON\n"
		"  -v, --verbose      log to stderr as well\n"
		"  -V, --version      print the version and exit\n"
		"  -h, --help         this help\n"
		"See dmarc-consume(8) and dmarc-pipe.conf(5).\n"
		"\n"
		"Settings and their defaults:\n", DEFAULT_CONF);
	conf_print_defaults(CONF_CONSUME);
}

/* The command line into *o: -1 to go on, else the exit status. */
static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "once", no_argument, NULL, 'o' },
		{ "sources", required_argument, NULL, 's' }, { "days", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },     { "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	int ch;
	char *end;
	unsigned long days;

	o->conf_path = DEFAULT_CONF;
	o->days = 30;
	while ((ch = getopt_long(argc, argv, "c:vVh", longopts, NULL)) != -1)
		switch (ch) {
		case 'c': o->conf_path = optarg; o->conf_explicit = true; break;
		case 'o': o->once = true; break;
		case 's': o->sources = optarg; break;
		case 'j': o->json = true; break;
		case 'd':
			days = strtoul(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || days < 1 || days > 3660) {
				fprintf(stderr, "dmarc-consume: --days wants a number of days from 1 to 3660\n");
				return EX_USAGE;
			}
			o->days = (unsigned)days;
			break;
		case 'v': o->verbose = true; break;
		case 'V': printf("dmarc-consume %s\n", PACKAGE_VERSION); return EX_OK;
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	if (optind < argc || ((o->json || o->days != 30) && !o->sources) || (o->sources && o->once)) {
		usage(stderr);
		return EX_USAGE;
	}
	return -1;
}

/* The settings, checked, with logging opened: -1 to go on, else the exit status. */
static int
load_settings(const struct options *o, struct conf *c)
{
	char errbuf[512];

	if (conf_load(c, CONF_CONSUME, o->conf_path, !o->conf_explicit, errbuf, sizeof errbuf) < 0 ||
	    conf_check(c, CONF_CONSUME, o->conf_path, errbuf, sizeof errbuf) < 0) {
		fprintf(stderr, "dmarc-consume: config: %s\n", errbuf);
		return EX_CONFIG;
	}
	log_open("dmarc-consume", c->syslog_facility, c->syslog, o->verbose, c->syslog_socket);
	if (!conf_has_redis(c)) {
		snprintf(errbuf, sizeof errbuf, "%s: none of redis_socket, redis_host and redis_sentinels is set",
			 o->conf_path);
		log_err("event=config reason=\"%s\"", errbuf);
		fprintf(stderr, "dmarc-consume: config: %s\n", errbuf);
		return EX_CONFIG;
	}
	return -1;
}

/* consumer_name, or <host name>-<pid>: a name no other process uses at the same time. */
static void
consumer_name(const struct conf *c, char *out, size_t len)
{
	char host[256];

	if (c->consumer_name) {
		snprintf(out, len, "%s", c->consumer_name);
		return;
	}
	if (gethostname(host, sizeof host) < 0)
		strcpy(host, "localhost");
	host[sizeof host - 1] = '\0';
	snprintf(out, len, "%s-%ld", host, (long)getpid());
}

static void
on_signal(int sig)
{
	/* Lock-free atomics: safe in a handler, seen by the sinks' threads. */
	if (sig == SIGHUP)
		atomic_store(&run_reopening, 1);
	else
		atomic_store(&run_stopping, 1);
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);	/* past RLIMIT_FSIZE a write fails (EFBIG) like on a full disk */
}

/*
 * The sinks the settings turn on, each with its own Redis connection and
 * reader; they open in their threads (a sink that cannot open yet backs
 * off like one that fails).  *n of them; false on ENOMEM.
 */
static bool
prepare_sinks(const struct conf *c, const struct sources *sources, const char *consumer, struct run_sink *sinks,
	      size_t *n, struct health *health)
{
	size_t i;

	*n = 0;
	for (i = 0; i < sizeof all_sinks / sizeof all_sinks[0]; i++) {
		struct run_sink *s = &sinks[*n];

		if (!all_sinks[i]->enabled(c))
			continue;
		memset(s, 0, sizeof *s);
		s->sink = all_sinks[i];
		s->conf = c;
		s->sources = sources;
		s->all = health;
		s->health = &health->sinks[*n];
		s->health->name = all_sinks[i]->name;
		if (!(s->redis = redis_new(c)) || !(s->reader = reader_new(s->redis, c, all_sinks[i]->name, consumer))) {
			redis_free(s->redis);
			return false;
		}
		health->n = ++*n;
	}
	return true;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run_sink sinks[SINKS_MAX];
	struct health health = { 0 };
	struct conf conf;
	struct redis *redis = NULL;
	struct http *http = NULL;
	struct sources *sources = NULL;
	char consumer[300], why[512];
	size_t n = 0, i;
	int rc;

	if ((rc = parse_options(argc, argv, &o)) >= 0)
		return rc;
	conf_defaults(&conf, CONF_CONSUME);
	if ((rc = load_settings(&o, &conf)) >= 0)
		goto out;
	if (o.sources) {
		rc = sources_table(&conf, o.sources, o.days, o.json, stdout);
		goto out;
	}
	if (!(sources = sources_open(&conf, why, sizeof why))) {
		log_err("event=config reason=\"%s\"", why);
		fprintf(stderr, "dmarc-consume: config: %s\n", why);
		rc = EX_CONFIG;
		goto out;
	}
	consumer_name(&conf, consumer, sizeof consumer);
	catch_signals();
	notify_init();
	if (!(redis = redis_new(&conf)) || !prepare_sinks(&conf, sources, consumer, sinks, &n, &health)) {
		fprintf(stderr, "dmarc-consume: out of memory\n");
		rc = EX_TEMPFAIL;
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "dmarc-consume: no sink is on (set metrics_listen, batch_dir or ndjson_dir)\n");
		rc = EX_CONFIG;
		goto out;
	}
	if (conf.metrics_listen && !o.once) {
		struct dp_error err = { 0 };

		if (!(http = http_start(&conf, &health, &err))) {
			log_err("event=error reason=\"%s\"", err.reason);
			fprintf(stderr, "dmarc-consume: %s\n", err.reason);
			rc = EX_TEMPFAIL;
			goto out;
		}
	}
	log_info("event=start consumer=%s sinks=%zu once=%s", consumer, n, o.once ? "yes" : "no");
	rc = run_sinks(sinks, n, &health, redis, &conf, o.once);
out:
	http_stop(http);
	for (i = 0; i < n; i++) {
		if (sinks[i].state)
			sinks[i].sink->close(sinks[i].state);
		reader_free(sinks[i].reader);
		redis_free(sinks[i].redis);
	}
	redis_free(redis);
	sources_close(sources);
	log_close();
	conf_free(&conf);
	return rc;
}

/*
 * main.c - dmarc-pipe: DMARC and SMTP TLS reports from the MTA to records.
 *
 * The MTA runs us once per message with the message on stdin.  The exit
 * status is our contract with it (Postfix pipe(8) bounces on anything but
 * 0 and 75, and a bounce goes back to the reporter):
 *   0   the message was handled: records emitted, or it was permanently
 *       unusable (logged, quarantined if configured);
 *   75  try again later; stdout then holds one line "4.3.0 dmarc-pipe: why".
 * Only this file exits, and nothing but that line goes to stdout under
 * the MTA.
 *
 * Given FILE or DIR arguments instead, it backfills (backfill.h): every
 * message in them, with its own exit status (dmarc-pipe(1)).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sys/stat.h>

#include "backfill.h"
#include "conf.h"
#include "deliver.h"
#include "escape.h"
#include "fatal.h"
#include "input.h"
#include "kind.h"
#include "log.h"
#include "message.h"
#include "sink.h"
#include "store.h"

/* Exit status (sysexits.h): EX_OK, the message is handled (stored or refused); EX_TEMPFAIL, try again later. */

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_CONF SYSCONFDIR "/dmarc-pipe.conf"

struct options {
	const char *conf_path;
	bool conf_explicit;
	bool no_syslog;
	bool verbose;
	const char *ndjson;
	struct deliver_opts deliver;
	struct backfill_opts backfill;
	int progress;		/* -1: when standard error is a terminal */
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: dmarc-pipe [-c FILE] [--dry-run] [--ndjson PATH|-] [--no-syslog] [-v]\n"
		"                  [--queue-id ID] [--sender ADDR] [--recipient ADDR]\n"
		"       dmarc-pipe [options] [--jobs N] [--[no-]progress] FILE|DIR...\n"
		"\n"
		"Reads one report message (mail, or a bare .xml, .json, .gz, .zip, .tar.gz)\n"
		"from standard input and emits the records of its DMARC aggregate, SMTP TLS\n"
		"and DMARC failure reports.  Given files and directories, reads every message\n"
		"in them: a file is one message or an mbox of many, a directory (a Maildir,\n"
		"or any tree of files) is walked.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -n, --dry-run       parse only: records go to --ndjson, nothing else\n"
		"  -j, --ndjson PATH   also write records as NDJSON to PATH (appended; - = stdout)\n"
		"  -S, --no-syslog     do not log to syslog\n"
		"  -v, --verbose       diagnostics on standard error\n"
		"  --queue-id ID, --sender ADDR, --recipient ADDR\n"
		"                      the MTA's queue ID and envelope, logged in the summary\n"
		"  --jobs N            FILE|DIR: N worker processes (default 1, at most %d)\n"
		"  --progress, --no-progress\n"
		"                      FILE|DIR: a progress line on standard error (default:\n"
		"                      when it is a terminal); the summary is always written\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n"
		"\n"
		"Exit status: 0 handled (also when the message holds no usable report),\n"
		"75 temporary failure (the MTA retries).  FILE|DIR: 0 every message handled,\n"
		"75 some deferred (run again: nothing is stored twice), 64 bad arguments,\n"
		"66 a path could not be read.\n"
		"\n"
		"Settings and their defaults:\n", DEFAULT_CONF, BACKFILL_MAX_JOBS);
	conf_print_defaults(CONF_PIPE);
}

/* Give up on the whole run: tell the MTA to retry, and why. */
static int
tempfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
tempfail(const char *fmt, ...)
{
	char why[DP_REASON_MAX + 64], clean[2 * DP_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	esc_log(clean, sizeof clean, why);
	fflush(stdout);
	fatal_mta_line(clean);
	return EX_TEMPFAIL;
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "ndjson", required_argument, NULL, 'j' },
		{ "no-syslog", no_argument, NULL, 'S' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "queue-id", required_argument, NULL, 'Q' },
		{ "sender", required_argument, NULL, 'F' },
		{ "recipient", required_argument, NULL, 'R' },
		{ "jobs", required_argument, NULL, 'J' },
		{ "progress", no_argument, NULL, 'P' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *end;
	long n;
	bool bad = false;

	o->conf_path = DEFAULT_CONF;
	o->backfill.jobs = 1;
	o->progress = -1;
	opterr = 0;	/* our own message, on stdout for the MTA */
	while ((c = getopt_long(argc, argv, "c:nj:SvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf_path = optarg; o->conf_explicit = true; break;
		case 'n': o->deliver.dry_run = true; break;
		case 'j': o->ndjson = optarg; break;
		case 'S': o->no_syslog = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(EX_OK);
		case 'V': printf("dmarc-pipe %s\n", PACKAGE_VERSION); exit(EX_OK);
		case 'Q': o->deliver.queue_id = optarg; break;
		case 'F': o->deliver.sender = optarg; break;
		case 'R': o->deliver.recipient = optarg; break;
		case 'J':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || n < 1 || n > BACKFILL_MAX_JOBS)
				bad = true;
			else
				o->backfill.jobs = (unsigned)n;
			break;
		case 'P': o->progress = 1; break;
		case 'N': o->progress = 0; break;
		default: bad = true; break;	/* read on: whether FILEs follow decides how to fail */
		}
	}
	return bad ? -1 : 0;
}

/*
 * A usage error: a message on standard input (the MTA's) must wait until
 * the command line is fixed; a backfill (FILE|DIR...) exits 64.
 */
static int
usage_error(bool from_stdin)
{
	if (from_stdin) {
		input_drain(STDIN_FILENO);
		return tempfail("usage error in the command line (see dmarc-pipe --help)");
	}
	fprintf(stderr, "dmarc-pipe: usage error in the command line (see dmarc-pipe --help)\n");
	return EX_USAGE;
}

/* Every path on the command line, before anything is read: 0, or EX_NOINPUT. */
static int
check_paths(char *const *paths, int n)
{
	int i, rc = 0;

	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) < 0 || access(paths[i], R_OK) < 0) {
			fprintf(stderr, "dmarc-pipe: cannot read %s: %s\n", paths[i], strerror(errno));
			rc = EX_NOINPUT;
		} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "dmarc-pipe: %s is neither a file nor a directory\n", paths[i]);
			rc = EX_NOINPUT;
		}
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct conf conf;
	struct sink *sinks[2];
	size_t nsinks = 0, i;
	struct pipeline pl = { 0 };
	struct store *store = NULL;
	char errbuf[512];
	int ndjson_fd = -1, rc = EX_OK;
	bool from_stdin, bad;

	fatal_init();
	signal(SIGPIPE, SIG_IGN);
	conf_defaults(&conf, CONF_PIPE);
	bad = parse_options(argc, argv, &o) < 0;
	from_stdin = optind >= argc;
	if (bad) {
		rc = usage_error(from_stdin);
		goto out;
	}
	if (!from_stdin && (rc = check_paths(argv + optind, argc - optind)) != 0)
		goto out;
	fatal_stdin_pending(from_stdin);
	if (conf_load(&conf, CONF_PIPE, o.conf_path, !o.conf_explicit, errbuf, sizeof errbuf) < 0 ||
	    conf_check(&conf, CONF_PIPE, o.conf_path, errbuf, sizeof errbuf) < 0) {
		if (from_stdin)
			input_drain(STDIN_FILENO);
		rc = tempfail("config: %s", errbuf);
		goto out;
	}
	/* Settings that store nothing would lose every report without a word: defer until they are fixed. */
	if (!o.deliver.dry_run && !o.ndjson && !conf_has_redis(&conf) && !conf_store_none(&conf)) {
		if (from_stdin)
			input_drain(STDIN_FILENO);
		rc = tempfail("config: no Redis server in %s (set redis_socket, or store = none to only log records)",
			      o.conf_path);
		goto out;
	}
	log_open(conf.syslog_ident ? conf.syslog_ident : "dmarc-pipe", conf.syslog_facility,
		 conf.syslog && !o.deliver.dry_run && !o.no_syslog, o.verbose || o.deliver.dry_run,
		 conf.syslog_socket);
	kinds_init();
	if (o.deliver.dry_run || !conf_has_redis(&conf))
		log_debug("records are not stored: %s", o.deliver.dry_run ? "--dry-run" :
			  conf_store_none(&conf) ? "store = none" : "no Redis server, --ndjson only");

	if (o.ndjson) {
		struct stat st;

		if (!strcmp(o.ndjson, "-"))
			ndjson_fd = STDOUT_FILENO;
		else if ((ndjson_fd = open(o.ndjson, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) {
			if (from_stdin)
				input_drain(STDIN_FILENO);
			rc = tempfail("cannot open %s: %s", o.ndjson, strerror(errno));
			goto out;
		}
		/* Workers' writes interleave whole only in a file opened for appending. */
		if (o.backfill.jobs > 1 && (fstat(ndjson_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
					    !(fcntl(ndjson_fd, F_GETFL) & O_APPEND))) {
			fprintf(stderr, "dmarc-pipe: --jobs %u with --ndjson needs a file (not a pipe or a terminal)\n",
				o.backfill.jobs);
			rc = EX_USAGE;
			goto out;
		}
		if (!(sinks[nsinks++] = sink_ndjson_new(ndjson_fd, o.ndjson)))
			goto oom;
	}
	if (conf.syslog && !o.deliver.dry_run && !o.no_syslog && !(sinks[nsinks++] = sink_syslog_new()))
		goto oom;
	/* Connecting waits for the first report: a message without one costs no round trip (and a backfill's workers connect each their own). */
	if (conf_has_redis(&conf) && !o.deliver.dry_run && !(store = store_new(&conf)))
		goto oom;
	if (pipeline_init(&pl, &conf, store, sinks, nsinks) < 0)
		goto oom;

	if (from_stdin) {
		struct message_result res;

		deliver_fd(&pl, &o.deliver, STDIN_FILENO, "stdin", &res);
		fatal_stdin_pending(false);
		if (res.status == MSG_TEMPFAIL)
			rc = tempfail("%s", res.reason);
	} else {
		o.backfill.progress = o.progress < 0 ? isatty(STDERR_FILENO) : o.progress;
		rc = backfill_run(&pl, &o.deliver, argv + optind, argc - optind, &o.backfill);
	}
	goto out;
oom:
	if (from_stdin)
		input_drain(STDIN_FILENO);
	rc = tempfail("%s", DP_REASON_OOM);
out:
	pipeline_free(&pl);
	store_free(store);
	for (i = 0; i < nsinks; i++)
		sink_free(sinks[i]);
	if (ndjson_fd > STDOUT_FILENO)
		close(ndjson_fd);
	log_close();
	conf_free(&conf);
	return rc;
}

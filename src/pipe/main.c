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

#include "buf.h"
#include "conf.h"
#include "escape.h"
#include "fatal.h"
#include "input.h"
#include "kind.h"
#include "log.h"
#include "message.h"
#include "quarantine.h"
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
	bool dry_run;
	bool no_syslog;
	bool verbose;
	const char *ndjson;
	/* What the MTA tells us about the delivery, for the summary line. */
	const char *queue_id, *sender, *recipient;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: dmarc-pipe [-c FILE] [--dry-run] [--ndjson PATH|-] [--no-syslog] [-v]\n"
		"                  [--queue-id ID] [--sender ADDR] [--recipient ADDR] [FILE...]\n"
		"\n"
		"Reads one report message (mail, or a bare .xml, .json, .gz, .zip, .tar.gz)\n"
		"from standard input, or from each FILE, and emits the records of its DMARC\n"
		"aggregate, SMTP TLS and DMARC failure reports.\n"
		"\n"
		"  -c, --config FILE   configuration file (default %s)\n"
		"  -n, --dry-run       parse only: records go to --ndjson, nothing else\n"
		"  -j, --ndjson PATH   also write records as NDJSON to PATH (appended; - = stdout)\n"
		"  -S, --no-syslog     do not log to syslog\n"
		"  -v, --verbose       diagnostics on standard error\n"
		"  --queue-id ID, --sender ADDR, --recipient ADDR\n"
		"                      the MTA's queue ID and envelope, logged in the summary\n"
		"  -h, --help          this text\n"
		"  -V, --version       the version\n"
		"\n"
		"Exit status: 0 handled (also when the message holds no usable report),\n"
		"75 temporary failure (the MTA retries).\n"
		"\n"
		"Settings and their defaults:\n", DEFAULT_CONF);
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
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->conf_path = DEFAULT_CONF;
	opterr = 0;	/* our own message, on stdout for the MTA */
	while ((c = getopt_long(argc, argv, "c:nj:SvhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->conf_path = optarg; o->conf_explicit = true; break;
		case 'n': o->dry_run = true; break;
		case 'j': o->ndjson = optarg; break;
		case 'S': o->no_syslog = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(EX_OK);
		case 'V': printf("dmarc-pipe %s\n", PACKAGE_VERSION); exit(EX_OK);
		case 'Q': o->queue_id = optarg; break;
		case 'F': o->sender = optarg; break;
		case 'R': o->recipient = optarg; break;
		default: return -1;
		}
	}
	return 0;
}

/* The summary line of one message: what an operator greps for. */
static void
log_summary(const struct options *o, const char *input, bool stored, const struct message_result *r)
{
	char in[128], why[DP_REASON_MAX * 2], mid[256], from[256], qid[64], sender[256], rcpt[256];
	int pri = r->status == MSG_REJECTED ? LOG_NOTICE : r->status == MSG_TEMPFAIL ? LOG_ERR : LOG_INFO;
	char line[2048], per_kind[128];
	size_t i, n = 0;

	/* Reports of each kind, "aggregate=1 tlsrpt=0 failure=0". */
	per_kind[0] = '\0';
	for (i = 0; kinds[i] && n < sizeof per_kind; i++)
		n += (size_t)snprintf(per_kind + n, sizeof per_kind - n, " %s=%u", kinds[i]->name, r->per_kind[i]);
	/* Every value but the counts comes from the sender or the MTA: escaped. */
	snprintf(line, sizeof line,
		 "event=summary status=%s reason=\"%s\" reports=%u%s records=%llu duplicates=%u refused=%u%s"
		 " queue_id=\"%s\" sender=\"%s\" recipient=\"%s\" input=\"%s\" message_id=\"%s\" from=\"%s\"",
		 message_status_name(r->status), esc_log(why, sizeof why, r->reason[0] ? r->reason : "-"),
		 r->reports, per_kind, (unsigned long long)r->records, r->duplicates, r->refused,
		 stored ? "" : " stored=no",
		 esc_log(qid, sizeof qid, o->queue_id), esc_log(sender, sizeof sender, o->sender),
		 esc_log(rcpt, sizeof rcpt, o->recipient), esc_log(in, sizeof in, input),
		 esc_log(mid, sizeof mid, r->mime.message_id), esc_log(from, sizeof from, r->mime.from));
	log_line(pri, line);
}

/* One input; returns true when it must be retried. */
static bool
process_input(struct pipeline *pl, const struct conf *conf, const struct options *o,
	      int fd, const char *name, char *why, size_t whylen)
{
	struct buf msg = BUF_INIT(0);
	struct message_result res;
	enum input_result in = input_read(fd, conf->max_message_size, &msg);
	bool unread = in != INPUT_WHOLE;	/* the rest of fd is still to be read */
	const char *data = msg.data ? msg.data : "";

	memset(&res, 0, sizeof res);
	if (in == INPUT_ERROR) {
		res.status = MSG_TEMPFAIL;
		if (errno == ENOMEM)
			snprintf(res.reason, sizeof res.reason, "%s", DP_REASON_OOM);
		else
			snprintf(res.reason, sizeof res.reason, "cannot read %s: %s", name, strerror(errno));
	} else if (in == INPUT_TOO_BIG) {
		res.status = MSG_REJECTED;
		snprintf(res.reason, sizeof res.reason, "message exceeds max_message_size (%llu bytes)",
			 (unsigned long long)conf->max_message_size);
	} else {
		message_process(pl, (const uint8_t *)data, msg.len, &res);
	}

	/* Keep what we could not use, if asked; if we cannot, retry rather than lose it. */
	if (!o->dry_run && conf->quarantine_dir && res.status != MSG_TEMPFAIL &&
	    (res.status == MSG_REJECTED || res.refused > 0)) {
		char path[4096], clean[512];

		/* An oversized message goes in whole: the rest comes straight from the input. */
		if (quarantine_save(conf->quarantine_dir, data, msg.len, unread ? fd : -1, path, sizeof path) < 0) {
			res.status = MSG_TEMPFAIL;
			snprintf(res.reason, sizeof res.reason, "cannot quarantine in %s: %s",
				 conf->quarantine_dir, strerror(errno));
		} else {
			unread = false;
			log_notice("event=quarantine file=\"%s\"", esc_log(clean, sizeof clean, path));
		}
	}
	/* For dmarc-consume's dmarc_invalid_reports_total, once the outcome is final (a retry would count again). */
	if (pl->store && res.refused > 0 && res.status != MSG_TEMPFAIL)
		store_count_refused(pl->store, res.refused_per_kind);
	if (unread && input_drain(fd) < 0)
		log_err("cannot read %s to its end: %s", name, strerror(errno));
	log_summary(o, name, pl->store != NULL, &res);
	buf_free(&msg);
	if (res.status != MSG_TEMPFAIL)
		return false;
	snprintf(why, whylen, "%s", res.reason);
	return true;
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
	char errbuf[512], why[DP_REASON_MAX + 64] = "";
	int ndjson_fd = -1, rc = EX_OK;
	bool from_stdin;

	fatal_init();
	signal(SIGPIPE, SIG_IGN);
	conf_defaults(&conf, CONF_PIPE);
	if (parse_options(argc, argv, &o) < 0) {
		input_drain(STDIN_FILENO);
		rc = tempfail("usage error in the command line (see dmarc-pipe --help)");
		goto out;
	}
	from_stdin = optind >= argc;
	fatal_stdin_pending(from_stdin);
	if (conf_load(&conf, CONF_PIPE, o.conf_path, !o.conf_explicit, errbuf, sizeof errbuf) < 0 ||
	    conf_check(&conf, CONF_PIPE, o.conf_path, errbuf, sizeof errbuf) < 0) {
		if (from_stdin)
			input_drain(STDIN_FILENO);
		rc = tempfail("config: %s", errbuf);
		goto out;
	}
	/* Settings that store nothing would lose every report without a word: defer until they are fixed. */
	if (!o.dry_run && !o.ndjson && !conf_has_redis(&conf) && !conf_store_none(&conf)) {
		if (from_stdin)
			input_drain(STDIN_FILENO);
		rc = tempfail("config: no Redis server in %s (set redis_socket, or store = none to only log records)",
			      o.conf_path);
		goto out;
	}
	log_open(conf.syslog_ident ? conf.syslog_ident : "dmarc-pipe", conf.syslog_facility,
		 conf.syslog && !o.dry_run && !o.no_syslog, o.verbose || o.dry_run, conf.syslog_socket);
	kinds_init();
	if (o.dry_run || !conf_has_redis(&conf))
		log_debug("records are not stored: %s", o.dry_run ? "--dry-run" :
			  conf_store_none(&conf) ? "store = none" : "no Redis server, --ndjson only");

	if (o.ndjson) {
		if (!strcmp(o.ndjson, "-"))
			ndjson_fd = STDOUT_FILENO;
		else if ((ndjson_fd = open(o.ndjson, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) {
			if (from_stdin)
				input_drain(STDIN_FILENO);
			rc = tempfail("cannot open %s: %s", o.ndjson, strerror(errno));
			goto out;
		}
		if (!(sinks[nsinks++] = sink_ndjson_new(ndjson_fd, o.ndjson)))
			goto oom;
	}
	if (conf.syslog && !o.dry_run && !o.no_syslog && !(sinks[nsinks++] = sink_syslog_new()))
		goto oom;
	/* Connecting waits for the first report: a message without one costs no round trip. */
	if (conf_has_redis(&conf) && !o.dry_run && !(store = store_new(&conf)))
		goto oom;
	if (pipeline_init(&pl, &conf, store, sinks, nsinks) < 0)
		goto oom;

	if (from_stdin) {
		if (process_input(&pl, &conf, &o, STDIN_FILENO, "stdin", why, sizeof why))
			rc = EX_TEMPFAIL;
		fatal_stdin_pending(false);
	} else {
		int k;

		for (k = optind; k < argc; k++) {
			int fd = open(argv[k], O_RDONLY | O_CLOEXEC);

			if (fd < 0) {
				snprintf(why, sizeof why, "cannot open %s: %s", argv[k], strerror(errno));
				log_err("%s", why);
				rc = EX_TEMPFAIL;
				continue;
			}
			if (process_input(&pl, &conf, &o, fd, argv[k], why, sizeof why))
				rc = EX_TEMPFAIL;
			close(fd);
		}
	}
	if (rc == EX_TEMPFAIL)
		tempfail("%s", why);
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

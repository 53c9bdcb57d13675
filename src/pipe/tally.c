/* tally.c - a backfill's counts, progress line and summary; see tally.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "message.h"
#include "tally.h"

double
tally_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
tally_init(struct tally *t)
{
	memset(t, 0, sizeof *t);
	t->started = tally_now();
}

void
outcomes_add(struct outcomes *o, const struct message_result *r)
{
	size_t i;

	o->messages++;
	for (i = 0; i < KIND_COUNT; i++)
		o->per_kind[i] += r->per_kind[i];
	o->records += r->records;
	o->duplicates += r->duplicates;
	o->refused += r->refused;
	if (r->status == MSG_REJECTED)
		o->rejected++;
	if (r->status != MSG_TEMPFAIL) {
		o->deferred_tail = 0;
		return;
	}
	o->deferred++;
	o->deferred_tail++;
	if (!o->first_deferral[0])
		snprintf(o->first_deferral, sizeof o->first_deferral, "%s", r->reason);
}

void
tally_add(struct tally *t, const struct outcomes *o)
{
	size_t i;

	t->done += o->messages;
	for (i = 0; i < KIND_COUNT; i++)
		t->per_kind[i] += o->per_kind[i];
	t->records += o->records;
	t->duplicates += o->duplicates;
	t->refused += o->refused;
	t->rejected += o->rejected;
	t->deferred += o->deferred;
	/* In a row: across workers, as the notes arrive. */
	if (o->deferred_tail == o->messages)
		t->deferred_in_a_row += o->deferred_tail;
	else
		t->deferred_in_a_row = o->deferred_tail;
	if (o->deferred && !t->first_deferral[0])
		snprintf(t->first_deferral, sizeof t->first_deferral, "%s", o->first_deferral);
}

void
tally_unreadable(struct tally *t, const char *path, int err)
{
	t->unreadable++;
	if (!t->first_unreadable[0])
		snprintf(t->first_unreadable, sizeof t->first_unreadable, "%s: %s", path, strerror(err));
}

/* "1h02m", "4m05s", "12s". */
static void
duration(char *out, size_t len, double s)
{
	unsigned long n = s < 0 ? 0 : (unsigned long)(s + 0.5);

	if (n >= 3600)
		snprintf(out, len, "%luh%02lum", n / 3600, n / 60 % 60);
	else if (n >= 60)
		snprintf(out, len, "%lum%02lus", n / 60, n % 60);
	else
		snprintf(out, len, "%lus", n);
}

/* The counts both lines share: "reports aggregate=3 ..., records 9, ...". */
static void
counts(const struct tally *t, char *out, size_t len)
{
	size_t i, n;

	n = (size_t)snprintf(out, len, "reports");
	for (i = 0; i < KIND_COUNT && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, " %s=%llu", kinds[i]->name, (unsigned long long)t->per_kind[i]);
	if (n < len)
		snprintf(out + n, len - n, ", records %llu, duplicates %llu, refused %llu, rejected %llu, deferred %llu",
			 (unsigned long long)t->records, (unsigned long long)t->duplicates,
			 (unsigned long long)t->refused, (unsigned long long)t->rejected,
			 (unsigned long long)t->deferred);
}

void
tally_progress(const struct tally *t, FILE *fp, bool tty)
{
	double elapsed = tally_now() - t->started, rate = elapsed > 0 ? (double)t->done / elapsed : 0;
	char of[64], c[384], eta[48] = "";

	if (t->counted)
		snprintf(of, sizeof of, "%llu/%llu (%llu%%)", (unsigned long long)t->done,
			 (unsigned long long)t->total,
			 (unsigned long long)(t->total ? t->done * 100 / t->total : 100));
	else
		snprintf(of, sizeof of, "%llu/?", (unsigned long long)t->done);
	if (t->counted && rate > 0 && t->total > t->done) {
		char d[32];

		duration(d, sizeof d, (double)(t->total - t->done) / rate);
		snprintf(eta, sizeof eta, ", ETA %s", d);
	}
	counts(t, c, sizeof c);
	fprintf(fp, "%sdmarc-pipe: %s messages, %s, %.0f/s%s%s", tty ? "\r" : "", of, c, rate, eta,
		tty ? "\033[K" : "\n");
	fflush(fp);
}

void
tally_progress_clear(FILE *fp, bool tty)
{
	if (tty) {
		fputs("\r\033[K", fp);
		fflush(fp);
	}
}

void
tally_summary(const struct tally *t, char *line, size_t len)
{
	double elapsed = tally_now() - t->started;
	char c[384], d[32];
	size_t n;

	counts(t, c, sizeof c);
	duration(d, sizeof d, elapsed);
	n = (size_t)snprintf(line, len, "%llu messages in %s (%.0f/s), %s", (unsigned long long)t->done, d,
			     elapsed > 0 ? (double)t->done / elapsed : 0, c);
	if (t->counted && t->total > t->done && n < len)
		n += (size_t)snprintf(line + n, len - n, ", not tried %llu", (unsigned long long)(t->total - t->done));
	if (t->unreadable && n < len)
		n += (size_t)snprintf(line + n, len - n, ", unreadable %llu (first: %s)",
				      (unsigned long long)t->unreadable, t->first_unreadable);
	if (t->deferred && n < len)
		snprintf(line + n, len - n, "; first deferral: %s", t->first_deferral);
}

void
tally_log_line(const struct tally *t, bool stopped, char *line, size_t len)
{
	char deferral[2 * DP_REASON_MAX], unreadable[2 * DP_REASON_MAX];
	size_t i, n;

	n = (size_t)snprintf(line, len, "event=backfill messages=%llu seconds=%.1f", (unsigned long long)t->done,
			     tally_now() - t->started);
	for (i = 0; i < KIND_COUNT && n < len; i++)
		n += (size_t)snprintf(line + n, len - n, " %s=%llu", kinds[i]->name, (unsigned long long)t->per_kind[i]);
	if (n < len)
		snprintf(line + n, len - n,
			 " records=%llu duplicates=%llu refused=%llu rejected=%llu deferred=%llu unreadable=%llu"
			 " not_tried=%llu stopped=%s reason=\"%s\" first_unreadable=\"%s\"",
			 (unsigned long long)t->records, (unsigned long long)t->duplicates,
			 (unsigned long long)t->refused, (unsigned long long)t->rejected,
			 (unsigned long long)t->deferred, (unsigned long long)t->unreadable,
			 (unsigned long long)(t->counted && t->total > t->done ? t->total - t->done : 0),
			 stopped ? "yes" : "no", esc_log(deferral, sizeof deferral, t->first_deferral[0] ? t->first_deferral : "-"),
			 esc_log(unreadable, sizeof unreadable, t->first_unreadable[0] ? t->first_unreadable : "-"));
}

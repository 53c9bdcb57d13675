/*
 * sink_daily.c - daily NDJSON files: <ndjson_dir>/YYYY-MM-DD.ndjson, the
 * UTC day the record was stored (its stream ID's time, so a record
 * redelivered after midnight goes to the same file), one object per line,
 * appended and fsynced before the acknowledgement.  Each line ends with
 * its stream_id, and entries that may be in the file already are looked
 * up there first: those delivered before (recovered), and those no newer
 * than the newest of their kind in the file.  The second catches what
 * Redis forgot: a failover or a restart that loses an acknowledgement (and
 * the read before it) delivers the entries again as new.  Writers hold an
 * flock(2) on the file; a line cut short by a crash is cut off before the
 * next append.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "enrich.h"
#include "files.h"
#include "layout.h"
#include "log.h"
#include "consume_sink.h"

struct stream_pos {
	uint64_t ms, seq;
};

struct daily {
	const struct conf *conf;
	struct layout layouts[KIND_COUNT];
	struct buf out, scratch, line;
	/* The day file written last: read up to known_to, and the newest stream ID of each kind in it. */
	char day[11];
	off_t known_to;
	struct stream_pos newest[KIND_COUNT];
	struct enricher *enricher;	/* owned: aggregate records' sources */
	const struct source_info *sources;	/* the entries' in hand (the enricher's), NULL for other kinds */
};

static bool
enabled(const struct conf *c)
{
	return c->ndjson_dir != NULL;
}

static void
daily_close(void *state)
{
	struct daily *d = state;

	if (!d)
		return;
	buf_free(&d->out);
	buf_free(&d->scratch);
	buf_free(&d->line);
	enricher_free(d->enricher);
	free(d);
}

static void *
daily_open(const struct conf *c, const struct sources *sources, struct dp_error *err)
{
	struct daily *d = calloc(1, sizeof *d);
	char why[DP_REASON_MAX];
	size_t i;

	if (!d) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return NULL;
	}
	d->conf = c;
	if (!(d->enricher = enricher_new(sources, why, sizeof why))) {
		dp_fail(err, DP_TEMPFAIL, "%s", why);
		daily_close(d);
		return NULL;
	}
	for (i = 0; i < KIND_COUNT; i++) {
		if (layout_init(&d->layouts[i], kind_schemas[i]) < 0) {
			dp_fail(err, DP_TEMPFAIL, "the %s schema does not fit the layout", kind_schemas[i]->name);
			daily_close(d);
			return NULL;
		}
		if (kind_schemas[i] == &aggregate_schema)
			layout_add(&d->layouts[i], source_columns, source_column_numeric, SOURCE_COLUMNS);
	}
	if (mkdir_p(c->ndjson_dir) < 0) {
		dp_fail(err, DP_TEMPFAIL, "ndjson_dir %s: %s", c->ndjson_dir, strerror(errno));
		daily_close(d);
		return NULL;
	}
	return d;
}

/* Cut a last line that has no newline (a write cut short by a crash). */
static int
cut_torn_line(int fd)
{
	char block[4096], last;
	off_t end = lseek(fd, 0, SEEK_END), at = end;
	size_t n, i;

	if (end <= 0)
		return end < 0 ? -1 : 0;
	if (pread(fd, &last, 1, end - 1) != 1)
		return -1;
	if (last == '\n')
		return 0;
	while (at > 0) {
		n = at > (off_t)sizeof block ? sizeof block : (size_t)at;
		if (pread(fd, block, n, at - (off_t)n) != (ssize_t)n)
			return -1;
		at -= (off_t)n;
		for (i = n; i > 0; i--)
			if (block[i - 1] == '\n') {
				at += (off_t)i;
				goto cut;
			}
	}
cut:
	log_warn("event=torn file=ndjson bytes=%lld reason=\"an unfinished line cut off\"", (long long)(end - at));
	return ftruncate(fd, at);
}

static int
id_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
pos_after(struct stream_pos a, struct stream_pos b)
{
	return a.ms > b.ms || (a.ms == b.ms && a.seq > b.seq);
}

/*
 * Call fn for every complete line of fd from offset at on, the line
 * NUL-terminated without its newline (fn may write into it).
 */
static int
for_each_line(int fd, off_t at, struct buf *line, int (*fn)(char *line, void *arg), void *arg)
{
	char block[65536];
	ssize_t got;

	buf_reset(line);
	while ((got = pread(fd, block, sizeof block, at)) > 0) {
		char *p = block, *end = block + got, *nl;

		at += got;
		for (; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1) {
			if (buf_append(line, p, (size_t)(nl - p)) < 0 || buf_putc(line, '\0') < 0 ||
			    fn(line->data, arg) < 0)
				return -1;
			buf_reset(line);
		}
		if (buf_append(line, p, (size_t)(end - p)) < 0)
			return -1;
	}
	return got < 0 ? -1 : 0;
}

/* In a line, the kind (index into kind_schemas[]) and the stream ID; -1 when it has none. */
static int
line_id(char *s, const char **id)
{
	const char *k, *q;
	size_t i;

	if (!(k = strstr(s, ",\"kind\":\"")) || !(*id = strstr(s, ",\"stream_id\":\"")) || !(q = strchr(*id + 14, '"')))
		return -1;
	*(char *)q = '\0';
	*id += 14;
	k += 9;
	for (i = 0; i < KIND_COUNT; i++) {
		size_t n = strlen(kind_schemas[i]->name);

		if (!strncmp(k, kind_schemas[i]->name, n) && k[n] == '"')
			return (int)i;
	}
	return -1;
}

static int
note_newest(char *s, void *arg)
{
	struct daily *d = arg;
	struct stream_pos p;
	const char *id;
	int kind = line_id(s, &id);

	if (kind >= 0 && stream_id_parse(id, &p.ms, &p.seq) == 0 && pos_after(p, d->newest[kind]))
		d->newest[kind] = p;
	return 0;
}

/* Bring d's view of the day file up to its end: the lines others (or an earlier run) wrote. */
static int
catch_up(struct daily *d, int fd, const char *day)
{
	off_t end = lseek(fd, 0, SEEK_END);

	if (end < 0)
		return -1;
	if (strcmp(d->day, day) || end < d->known_to) {
		memcpy(d->day, day, sizeof d->day);
		memset(d->newest, 0, sizeof d->newest);
		d->known_to = 0;
	}
	if (end > d->known_to && for_each_line(fd, d->known_to, &d->line, note_newest, d) < 0)
		return -1;
	d->known_to = end;
	return 0;
}

struct lookup {
	int kind;
	const char **ids;		/* sorted */
	size_t n;
	const struct entries *es;
	bool *seen;
};

static int
mark_seen(char *s, void *arg)
{
	struct lookup *lk = arg;
	const char *id, **hit;
	size_t k;

	if (line_id(s, &id) != lk->kind || !(hit = bsearch(&id, lk->ids, lk->n, sizeof *lk->ids, id_cmp)))
		return 0;
	for (k = 0; k < lk->es->n; k++)
		if (lk->es->v[k].id == *hit)
			lk->seen[k] = true;
	return 0;
}

/* Which of es's entries stored on day may be in the file already: sorted into ids, *n of them. */
static size_t
suspects(const struct daily *d, const struct entries *es, const char *day, const char **ids)
{
	size_t i, n = 0;

	for (i = 0; i < es->n; i++) {
		struct stream_pos p;
		char dd[11];

		files_day(es->v[i].ms, dd);
		if (strcmp(dd, day))
			continue;
		if (es->recovered || stream_id_parse(es->v[i].id, &p.ms, &p.seq) < 0 ||
		    !pos_after(p, d->newest[es->stream]))
			ids[n++] = es->v[i].id;
	}
	qsort(ids, n, sizeof *ids, id_cmp);
	return n;
}

/* Append the entries of es stored on day to that day's file. */
static enum dp_status
write_day(struct daily *d, const struct entries *es, const char *day, const struct layout *l, struct dp_error *err)
{
	char path[4096], num[12];
	const char *added[SOURCE_COLUMNS];
	const char **ids = NULL;
	bool *seen = NULL;
	size_t i, n = 0;
	int fd;
	enum dp_status rc = DP_TEMPFAIL;

	snprintf(path, sizeof path, "%s/%s.ndjson", d->conf->ndjson_dir, day);
	if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX) < 0 || cut_torn_line(fd) < 0 || catch_up(d, fd, day) < 0)
		goto io;
	if (!(seen = calloc(es->n, sizeof *seen)) || !(ids = calloc(es->n, sizeof *ids)))
		goto oom;
	if ((n = suspects(d, es, day, ids)) > 0) {
		struct lookup lk = { (int)es->stream, ids, n, es, seen };

		log_debug("ndjson %s: looking up %zu %s entries that may be written already", day, n, es->kind->name);
		if (for_each_line(fd, 0, &d->line, mark_seen, &lk) < 0)
			goto io;
	}
	buf_reset(&d->out);
	for (i = n = 0; i < es->n; i++) {
		char dd[11];

		files_day(es->v[i].ms, dd);
		if (seen[i] || strcmp(dd, day) || !es->v[i].fields)
			continue;
		if (d->sources)
			source_values(&d->sources[i], added, num);
		if (layout_json(l, &es->v[i], d->sources ? added : NULL, &d->out, &d->scratch) < 0)
			goto oom;
		n++;
	}
	if (d->out.len && (files_write_all(fd, d->out.data, d->out.len) < 0 || fdatasync(fd) < 0))
		goto io;	/* a line cut short is cut off before the next append */
	/* What we wrote is in the file now: no need to read it back. */
	d->known_to += (off_t)d->out.len;
	for (i = 0; i < es->n; i++) {
		struct stream_pos p;
		char dd[11];

		files_day(es->v[i].ms, dd);
		if (!seen[i] && !strcmp(dd, day) && es->v[i].fields &&
		    stream_id_parse(es->v[i].id, &p.ms, &p.seq) == 0 && pos_after(p, d->newest[es->stream]))
			d->newest[es->stream] = p;
	}
	rc = DP_OK;
	goto out;
oom:
	dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	goto out;
io:
	dp_fail(err, DP_TEMPFAIL, "%s: %s", path, strerror(errno));
out:
	close(fd);
	free(seen);
	free(ids);
	return rc;
}

static enum dp_status
daily_take(void *state, struct reader *rd, const struct entries *es, struct dp_error *err)
{
	struct daily *d = state;
	const struct layout *l = &d->layouts[es->stream];
	bool *handled = calloc(es->n ? es->n : 1, sizeof *handled);
	struct source_info *sources = NULL;
	size_t i, k, acked;

	if (!handled)
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	if (es->kind == &aggregate_schema && enrich_entries(d->enricher, reader_redis(rd), es, &sources, err) != DP_OK) {
		free(handled);
		return DP_TEMPFAIL;
	}
	d->sources = sources;
	/* Each day the entries were stored on, once (a read rarely spans more than one). */
	for (i = 0; i < es->n; i++) {
		char day[11], dk[11];

		if (handled[i])
			continue;
		files_day(es->v[i].ms, day);
		if (write_day(d, es, day, l, err) != DP_OK) {
			free(handled);
			return DP_TEMPFAIL;
		}
		for (k = i; k < es->n; k++) {
			files_day(es->v[k].ms, dk);
			handled[k] |= !strcmp(dk, day);
		}
	}
	free(handled);
	return reader_ack(rd, es, NULL, &acked, err);
}

static enum dp_status
daily_flush(void *state, struct reader *rd, bool force, struct dp_error *err)
{
	(void)state, (void)rd, (void)force, (void)err;
	return DP_OK;	/* every take is written and acknowledged at once */
}

static void
daily_nothing(void *state)
{
	(void)state;	/* files are opened for each write: logrotate needs nothing */
}

const struct consume_sink sink_daily = {
	.name = "ndjson",
	.enabled = enabled,
	.open = daily_open,
	.take = daily_take,
	.flush = daily_flush,
	.abandon = daily_nothing,
	.reopen = daily_nothing,
	.close = daily_close,
};

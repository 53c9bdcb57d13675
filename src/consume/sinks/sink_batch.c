/*
 * sink_batch.c - TSV or CSV batch files for BI engines: one gzip'd file
 * per batch of batch_records records (or batch_seconds), per stream, in a
 * Hive-style partition:
 *
 *   <batch_dir>/<stream>/dt=YYYY-MM-DD/<stream>-<first stream ID>.<tsv|csv>.gz
 *
 * The day and the name come from the batch's first entry (the day it was
 * stored), not from the clock, and a batch is written to a temporary name,
 * fsynced, renamed, then acknowledged: after a crash between the rename
 * and the acknowledgement the same entries come back first in line (ours,
 * or taken over with the consumer's other entries, in ID order, closed
 * straight away) and rewrite the same file instead of adding a copy.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "enrich.h"
#include "files.h"
#include "layout.h"
#include "log.h"
#include "consume_sink.h"

struct open_batch {
	int fd;				/* -1 when none is open */
	gzFile gz;
	struct batch_paths at;		/* where it goes */
	char **ids;			/* owned copies, in order */
	size_t n, cap;
	time_t opened;
};

struct batch {
	const struct conf *conf;
	enum row_format fmt;
	struct layout layouts[KIND_COUNT];
	struct open_batch open[KIND_COUNT];
	struct buf row;
	struct enricher *enricher;	/* owned: aggregate records' sources */
};

static bool
enabled(const struct conf *c)
{
	return c->batch_dir != NULL;
}

static void
forget(struct open_batch *b, bool unlink_tmp)
{
	size_t i;

	if (b->gz)
		gzclose(b->gz);
	b->gz = NULL;
	if (b->fd >= 0) {
		close(b->fd);
		if (unlink_tmp)
			unlink(b->at.tmp);
	}
	b->fd = -1;
	for (i = 0; i < b->n; i++)
		free(b->ids[i]);
	b->n = 0;
}

static void
batch_abandon(void *state)
{
	struct batch *bt = state;
	size_t i;

	for (i = 0; i < KIND_COUNT; i++)
		forget(&bt->open[i], true);
}

static void
batch_close(void *state)
{
	struct batch *bt = state;
	size_t i;

	if (!bt)
		return;
	batch_abandon(bt);
	for (i = 0; i < KIND_COUNT; i++)
		free(bt->open[i].ids);
	buf_free(&bt->row);
	enricher_free(bt->enricher);
	free(bt);
}

/*
 * Remove the temporary files of batches whose writer died (kill -9, a
 * crash): their entries are still pending and will be written again.
 * The writer's PID is the name's last part; live writers' files stay.
 */
static void
remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		const char *dot;
		char path[4400];
		long pid;

		if (de->d_name[0] != '.' || len < 5 || strcmp(de->d_name + len - 4, ".tmp"))
			continue;
		for (dot = de->d_name + len - 5; dot > de->d_name && *dot != '.'; dot--)
			;
		pid = strtol(dot + 1, NULL, 10);
		if (pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno == EPERM))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (unlink(path) == 0)
			log_info("event=stale file=%s reason=\"its writer (pid %ld) is gone\"", path, pid);
	}
	closedir(d);
}

static void *
batch_open(const struct conf *c, const struct sources *sources, struct dp_error *err)
{
	struct batch *bt = calloc(1, sizeof *bt);
	char why[DP_REASON_MAX];
	size_t i;

	if (!bt) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		return NULL;
	}
	if (!(bt->enricher = enricher_new(sources, why, sizeof why))) {
		dp_fail(err, DP_TEMPFAIL, "%s", why);
		free(bt);
		return NULL;
	}
	bt->conf = c;
	bt->fmt = strcmp(c->batch_format, "csv") ? ROW_TSV : ROW_CSV;
	for (i = 0; i < KIND_COUNT; i++) {
		bt->open[i].fd = -1;
		if (layout_init(&bt->layouts[i], kind_schemas[i]) < 0) {
			dp_fail(err, DP_TEMPFAIL, "the %s schema does not fit the layout", kind_schemas[i]->name);
			batch_close(bt);
			return NULL;
		}
		if (kind_schemas[i] == &aggregate_schema)
			layout_add(&bt->layouts[i], source_columns, source_column_numeric, SOURCE_COLUMNS);
	}
	if (mkdir_p(c->batch_dir) < 0) {
		dp_fail(err, DP_TEMPFAIL, "batch_dir %s: %s", c->batch_dir, strerror(errno));
		batch_close(bt);
		return NULL;
	}
	for (i = 0; i < KIND_COUNT; i++) {
		char dir[4096];

		snprintf(dir, sizeof dir, "%s/%s", c->batch_dir, kind_schemas[i]->stream);
		remove_stale(dir);
	}
	return bt;
}

/* Why writing through gzip failed: the system's error (a full disk), or zlib's. */
static const char *
gz_why(gzFile gz)
{
	int e = Z_OK;
	const char *m = gz ? gzerror(gz, &e) : "cannot write";

	return e == Z_ERRNO ? strerror(errno) : m;
}

static enum dp_status
start(struct batch *bt, size_t stream, const struct entry *first, struct dp_error *err)
{
	struct open_batch *b = &bt->open[stream];
	const char *ext = bt->fmt == ROW_CSV ? "csv" : "tsv";

	if (files_batch_paths(&b->at, bt->conf->batch_dir, kind_schemas[stream]->stream, first->id, first->ms, ext,
			      getpid()) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s: %s", bt->conf->batch_dir, strerror(errno));
	if (mkdir_p(b->at.dir) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s: %s", b->at.dir, strerror(errno));
	if ((b->fd = open(b->at.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640)) < 0)
		return dp_fail(err, DP_TEMPFAIL, "%s: %s", b->at.tmp, strerror(errno));
	{
		int gfd = dup(b->fd);

		if (gfd < 0 || !(b->gz = gzdopen(gfd, "wb6"))) {
			if (gfd >= 0)
				close(gfd);
			forget(b, true);
			return dp_fail(err, DP_TEMPFAIL, "%s: cannot start gzip", b->at.tmp);
		}
	}
	b->opened = time(NULL);
	buf_reset(&bt->row);
	if (layout_header(&bt->layouts[stream], bt->fmt, &bt->row) < 0 ||
	    gzwrite(b->gz, bt->row.data, (unsigned)bt->row.len) != (int)bt->row.len) {
		dp_fail(err, DP_TEMPFAIL, "%s: %s", b->at.tmp, gz_why(b->gz));
		forget(b, true);
		return DP_TEMPFAIL;
	}
	return DP_OK;
}

/* Close the open batch of stream: fsync, rename into its partition, acknowledge. */
static enum dp_status
finish(struct batch *bt, struct reader *rd, size_t stream, struct dp_error *err)
{
	struct open_batch *b = &bt->open[stream];
	struct entries es = { 0 };
	char path[4400];
	size_t i, acked;
	int dfd, zrc;
	enum dp_status rc;

	if (b->fd < 0)
		return DP_OK;
	zrc = gzclose(b->gz);
	b->gz = NULL;
	snprintf(path, sizeof path, "%s/%s", b->at.dir, b->at.name);
	if (zrc != Z_OK || fsync(b->fd) < 0 || rename(b->at.tmp, path) < 0) {
		dp_fail(err, DP_TEMPFAIL, "%s: %s", zrc != Z_OK ? b->at.tmp : path,
			zrc == Z_ERRNO ? strerror(errno) : zrc != Z_OK ? "cannot finish gzip" : strerror(errno));
		forget(b, true);
		return DP_TEMPFAIL;
	}
	if ((dfd = open(b->at.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);	/* the rename itself must survive a crash */
		close(dfd);
	}
	if (!(es.v = calloc(b->n ? b->n : 1, sizeof *es.v))) {
		forget(b, false);
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	for (i = 0; i < b->n; i++)
		es.v[i].id = b->ids[i];
	es.n = b->n;
	es.stream = stream;
	es.kind = kind_schemas[stream];
	rc = reader_ack(rd, &es, NULL, &acked, err);
	if (rc == DP_OK)
		log_info("event=batch file=%s records=%zu", path, b->n);
	free(es.v);
	forget(b, false);
	return rc;
}

static enum dp_status
batch_flush(void *state, struct reader *rd, bool force, struct dp_error *err)
{
	struct batch *bt = state;
	time_t now = time(NULL);
	size_t i;

	for (i = 0; i < KIND_COUNT; i++)
		if (bt->open[i].fd >= 0 && (force || now - bt->open[i].opened >= (time_t)bt->conf->batch_seconds) &&
		    finish(bt, rd, i, err) != DP_OK)
			return DP_TEMPFAIL;
	return DP_OK;
}

static enum dp_status
batch_take(void *state, struct reader *rd, const struct entries *es, struct dp_error *err)
{
	struct batch *bt = state;
	struct open_batch *b = &bt->open[es->stream];
	struct source_info *sources = NULL;
	const char *added[SOURCE_COLUMNS];
	char num[12];
	size_t i;

	if (es->kind == &aggregate_schema && enrich_entries(bt->enricher, reader_redis(rd), es, &sources, err) != DP_OK)
		return DP_TEMPFAIL;
	/* Entries delivered before are batched on their own, as they were the first time. */
	if (es->recovered && finish(bt, rd, es->stream, err) != DP_OK)
		return DP_TEMPFAIL;
	for (i = 0; i < es->n; i++) {
		const struct entry *e = &es->v[i];

		if (b->fd < 0 && start(bt, es->stream, e, err) != DP_OK)
			return DP_TEMPFAIL;
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 1024;
			char **ids = realloc(b->ids, cap * sizeof *ids);

			if (!ids)
				return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
			b->ids = ids;
			b->cap = cap;
		}
		if (!(b->ids[b->n] = strdup(e->id)))
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		b->n++;
		buf_reset(&bt->row);
		if (sources)
			source_values(&sources[i], added, num);
		if (e->fields && (layout_row(&bt->layouts[es->stream], e, sources ? added : NULL, bt->fmt, &bt->row) < 0 ||
				  gzwrite(b->gz, bt->row.data, (unsigned)bt->row.len) != (int)bt->row.len))
			return dp_fail(err, DP_TEMPFAIL, "%s: %s", b->at.tmp, gz_why(b->gz));
		if (b->n >= bt->conf->batch_records && finish(bt, rd, es->stream, err) != DP_OK)
			return DP_TEMPFAIL;
	}
	if (es->recovered)
		return finish(bt, rd, es->stream, err);
	return DP_OK;
}

static void
batch_reopen(void *state)
{
	(void)state;	/* files are closed for good when a batch is: nothing held open to rotate */
}

const struct consume_sink sink_batch = {
	.name = "batch",
	.enabled = enabled,
	.open = batch_open,
	.take = batch_take,
	.flush = batch_flush,
	.abandon = batch_abandon,
	.reopen = batch_reopen,
	.close = batch_close,
};

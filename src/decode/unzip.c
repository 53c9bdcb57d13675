/*
 * unzip.c - zip archives through libzip, counting the bytes ourselves.
 *
 * libzip 1.7 returns whatever the deflate data holds, whatever sizes the
 * headers declared, so each entry's output is charged to the message's
 * budget as it is produced.  Encrypted entries and compression methods
 * libzip cannot decode are skipped, never given a password.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include <zlib.h>

#include "archive.h"

/*
 * libzip's own allocations fail quietly with ZIP_ER_MEMORY (or zlib's
 * Z_MEM_ERROR inside it): that is a reason to retry, never to refuse the
 * archive.
 */
static bool
zip_oom(zip_error_t *e)
{
	return zip_error_code_zip(e) == ZIP_ER_MEMORY ||
	       (zip_error_code_zip(e) == ZIP_ER_ZLIB && zip_error_code_system(e) == Z_MEM_ERROR);
}

struct zip_entry_state {
	zip_file_t *zf;
	struct budget *budget;
	uint64_t comp_size;	/* libzip reads no more than this for the entry */
	uint64_t out;
};

static ssize_t
zip_entry_fill(struct stream *s, uint8_t *dst, size_t room)
{
	struct zip_entry_state *st = s->state;
	zip_int64_t n = zip_fread(st->zf, dst, room);

	if (n < 0) {
		if (zip_oom(zip_file_get_error(st->zf)))
			dp_fail(s->err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		else
			dp_fail(s->err, DP_REFUSE, "corrupt zip entry: %s", zip_file_strerror(st->zf));
		return -1;
	}
	st->out += (uint64_t)n;
	if (n > 0 && (budget_take(st->budget, (uint64_t)n, s->err) < 0 ||
		      budget_ratio(st->budget, st->comp_size, st->out, s->err) < 0))
		return -1;
	return (ssize_t)n;
}

static void
zip_entry_close(struct stream *s)
{
	struct zip_entry_state *st = s->state;

	zip_fclose(st->zf);
	free(st);
}

static const struct stream_ops zip_entry_ops = {
	.name = "zip entry",
	.fill = zip_entry_fill,
	.close = zip_entry_close,
};

static enum dp_status
zip_entry(zip_t *za, zip_uint64_t i, const struct archive_visitor *v, struct dp_error *err)
{
	struct zip_entry_state *st;
	struct stream *s;
	zip_stat_t sb;
	const char *name;
	enum dp_status rc;

	zip_stat_init(&sb);
	if (zip_stat_index(za, i, 0, &sb) < 0) {
		if (zip_oom(zip_get_error(za)))
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		v->skipped(v->arg, "?", zip_strerror(za));
		return DP_OK;
	}
	name = (sb.valid & ZIP_STAT_NAME) && sb.name ? sb.name : "?";
	if (*name && name[strlen(name) - 1] == '/')
		return DP_OK;	/* a directory */
	if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE) {
		v->skipped(v->arg, name, "encrypted zip entry");
		return DP_OK;
	}
	if ((sb.valid & ZIP_STAT_COMP_METHOD) && !zip_compression_method_supported(sb.comp_method, 0)) {
		v->skipped(v->arg, name, "unsupported zip compression method");
		return DP_OK;
	}
	if (!(st = calloc(1, sizeof *st)))
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	st->budget = v->budget;
	st->comp_size = (sb.valid & ZIP_STAT_COMP_SIZE) ? sb.comp_size : 0;
	if (!(st->zf = zip_fopen_index(za, i, 0))) {
		free(st);
		if (zip_oom(zip_get_error(za)))
			return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		v->skipped(v->arg, name, zip_strerror(za));
		return DP_OK;
	}
	if (!(s = stream_new(&zip_entry_ops, st, err))) {
		zip_fclose(st->zf);
		free(st);
		return dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
	}
	rc = v->entry(v->arg, name, s);
	stream_free(s);
	return rc == DP_TEMPFAIL ? DP_TEMPFAIL : DP_OK;
}

enum dp_status
zip_walk(const void *data, size_t len, const struct archive_visitor *v, struct dp_error *err)
{
	zip_error_t zerr;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n, i;
	enum dp_status rc = DP_OK;

	zip_error_init(&zerr);
	if (!(src = zip_source_buffer_create(data, len, 0, &zerr))) {
		rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);	/* it only allocates */
		goto out;
	}
	if (!(za = zip_open_from_source(src, ZIP_RDONLY, &zerr))) {
		zip_source_free(src);
		if (zip_oom(&zerr))
			rc = dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		else
			rc = dp_fail(err, DP_REFUSE, "unreadable zip archive: %s", zip_error_strerror(&zerr));
		goto out;
	}
	n = zip_get_num_entries(za, 0);
	if (n < 0 || (zip_uint64_t)n > v->max_entries) {
		rc = dp_fail(err, DP_REFUSE, "zip archive has %lld entries, more than max_archive_entries (%u)",
			     (long long)n, v->max_entries);
	} else {
		for (i = 0; i < n && rc == DP_OK; i++)
			rc = zip_entry(za, (zip_uint64_t)i, v, err);
	}
	zip_discard(za);	/* read-only: nothing to write back */
out:
	zip_error_fini(&zerr);
	return rc;
}

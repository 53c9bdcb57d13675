/*
 * archive.h - walking the entries of zip and tar archives.
 *
 * Both walkers call fn once per regular file entry with a stream of its
 * bytes (valid only during the call; fn must not free it).  Directory
 * entries are skipped, entries that cannot be read safely (encrypted,
 * unknown compression) are reported through fn's skipped callback so the
 * caller can count them as refused.  Nothing touches the filesystem.
 *
 * Return convention: DP_OK when the archive was walked to its end;
 * DP_REFUSE when the archive itself is broken (reason in err); DP_TEMPFAIL
 * when fn said so or memory ran out.
 */
#ifndef DP_ARCHIVE_H
#define DP_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "stream.h"

struct archive_visitor {
	/* One regular file; returns DP_TEMPFAIL to stop the walk, anything else goes on. */
	enum dp_status (*entry)(void *arg, const char *name, struct stream *s);
	/* An entry not read, and why. */
	void (*skipped)(void *arg, const char *name, const char *why);
	void *arg;
	unsigned max_entries;
	struct budget *budget;
};

/* A zip archive held in memory, data[0..len). */
enum dp_status zip_walk(const void *data, size_t len, const struct archive_visitor *v,
			struct dp_error *err);

/* A tar archive read from src (not freed). */
enum dp_status tar_walk(struct stream *src, const struct archive_visitor *v, struct dp_error *err);

#endif

/*
 * quarantine.h - keeping a copy of a message that could not be used.
 *
 * A file is named by its content, <first 32 hex digits of its SHA-256>.eml,
 * so a message kept again (a backfill run twice, a redelivery) is still
 * one file.  It is written under a temporary name of its own (.new.*,
 * O_EXCL, never following a link), mode 0600, fsync'ed, then renamed:
 * under its name a file is always whole.
 */
#ifndef DP_QUARANTINE_H
#define DP_QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Save data[0..len) in dir, followed by at most rest_max bytes of rest_fd,
 * up to its end, when rest_fd is not -1 (an oversized message: what was
 * not kept in memory).  Returns 0 with the file's name in path, or -1
 * with errno (the caller must then not drop the message: tempfail).
 */
int quarantine_save(const char *dir, const void *data, size_t len, int rest_fd, uint64_t rest_max, char *path,
		    size_t pathlen);

#endif

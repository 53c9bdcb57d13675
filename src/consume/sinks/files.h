/* files.h - what the file sinks share: directories, and where a record's file is. */
#ifndef DP_FILES_H
#define DP_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Write all len bytes, through partial writes; 0, or -1 with errno (ENOSPC when the disk took no more). */
int files_write_all(int fd, const void *p, size_t len);

/* The UTC day of a stream ID's time (ms since the epoch), YYYY-MM-DD. */
void files_day(uint64_t ms, char day[11]);

/* Where a batch goes (sink_batch.c): its partition, its name, and the temporary name it is written under. */
struct batch_paths {
	char dir[4096];		/* <batch_dir>/<stream>/dt=YYYY-MM-DD */
	char name[256];		/* <stream>-<first ID>.<ext>.gz */
	char tmp[4096];		/* <batch_dir>/<stream>/.<stream>-<first ID>.<pid>.tmp */
};
/* 0, or -1 (ENAMETOOLONG) when a path does not fit. */
int files_batch_paths(struct batch_paths *p, const char *batch_dir, const char *stream, const char *first_id,
		      uint64_t first_ms, const char *ext, pid_t pid);

/* mkdir -p with mode 0750; 0, or -1 with errno. */
int mkdir_p(const char *path);

#endif

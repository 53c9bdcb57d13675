/* files.h - what the file sinks share. */
#ifndef DP_FILES_H
#define DP_FILES_H

/* mkdir -p with mode 0750; 0, or -1 with errno. */
int mkdir_p(const char *path);

#endif

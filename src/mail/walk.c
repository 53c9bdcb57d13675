/* walk.c - a directory tree's files; see walk.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "walk.h"

/* Whether the directory dfd is a Maildir: it has cur/ or new/. */
static bool
is_maildir(int dfd)
{
	struct stat st;

	return (fstatat(dfd, "cur", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) ||
	       (fstatat(dfd, "new", &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
}

/* The directory dfd (owned: closed here), whose path is path[0..len). */
static int
walk_dir(int dfd, char *path, size_t len, unsigned depth, const struct walk_visitor *v)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int rc = 0, maildir = -1;

	if (!d) {
		v->problem(v->arg, path, errno);
		close(dfd);
		return 0;
	}
	while (rc == 0 && (errno = 0, e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat st;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		if (len + 1 + n >= PATH_MAX) {
			v->problem(v->arg, path, ENAMETOOLONG);
			continue;
		}
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)	/* gone since readdir: moved or expunged meanwhile */
				v->problem(v->arg, path, errno);
		} else if (S_ISREG(st.st_mode)) {
			rc = v->file(v->arg, path);
		} else if (S_ISDIR(st.st_mode)) {
			if (!strcmp(e->d_name, "tmp") && (maildir < 0 ? (maildir = is_maildir(dirfd(d))) : maildir))
				;	/* a Maildir's deliveries in progress */
			else if (depth >= WALK_MAX_DEPTH)
				v->problem(v->arg, path, ELOOP);
			else if ((fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				v->problem(v->arg, path, errno);
			else
				rc = walk_dir(fd, path, len + 1 + n, depth + 1, v);
		}
		path[len] = '\0';
	}
	if (rc == 0 && errno)
		v->problem(v->arg, path, errno);
	closedir(d);
	return rc;
}

int
walk_tree(const char *root, const struct walk_visitor *v)
{
	char path[PATH_MAX];
	size_t len = strlen(root);
	int fd;

	if (len >= sizeof path) {
		v->problem(v->arg, root, ENAMETOOLONG);
		return 0;
	}
	memcpy(path, root, len + 1);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		v->problem(v->arg, path, errno);
		return 0;
	}
	return walk_dir(fd, path, len, 0, v);
}

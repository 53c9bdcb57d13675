/*
 * walk.h - the files of a directory tree, for a backfill.
 *
 * Every regular file under the root, at any depth, in directory order.
 * Dotfiles and dot-directories are left out, and so is the tmp/ of a
 * Maildir (a directory tmp beside cur/ or new/: deliveries still being
 * written).  Symbolic links below the root are not followed, so a link
 * can neither loop nor lead out of the tree.  Nothing is renamed or
 * changed: a backfill of a live Maildir leaves it as it was.  Memory does
 * not grow with the number of files: one open directory per level.
 */
#ifndef DP_WALK_H
#define DP_WALK_H

struct walk_visitor {
	/* A regular file; non-zero stops the walk with that value. */
	int (*file)(void *arg, const char *path);
	/* A directory or file that could not be read: err is its errno. */
	void (*problem)(void *arg, const char *path, int err);
	void *arg;
};

/* Depth of directories below the root that are entered. */
#define WALK_MAX_DEPTH 32

/* Walk the tree at root, a directory.  0, or what file() returned. */
int walk_tree(const char *root, const struct walk_visitor *v);

#endif

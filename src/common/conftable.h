/*
 * conftable.h - a table-driven reader of "key = value" files, for any
 * settings struct.
 *
 * Format: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  An unknown key, a repeated key
 * or a bad value is an error that names the file and line.  Numbers are
 * decimal, sizes may end in k, M or G (powers of 1024).  Settings are
 * described as arrays of struct conf_key (conf.c and its neighbours);
 * two programs may read one file, each its own keys, accepting the
 * other's without reading them.
 */
#ifndef DP_CONFTABLE_H
#define DP_CONFTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum conf_type {
	CT_BOOL,	/* bool: yes/no, true/false, 1/0 */
	CT_STRING,	/* char *, owned; empty is NULL */
	CT_UINT,	/* unsigned, within min..max */
	CT_SIZE,	/* uint64_t with an optional k/M/G suffix, within min..max */
	CT_FACILITY,	/* int: a syslog facility by name */
};

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;		/* of the field in the settings struct */
	uint64_t min, max;	/* CT_UINT and CT_SIZE */
	const char *dflt;	/* as it would be written in the file */
	const char *help;
};

struct conf_table {
	const struct conf_key *keys;
	size_t n;
};

/* What one program reads from a file; both lists NULL-terminated. */
struct conf_tables {
	const struct conf_table *const *own;		/* keys read into the settings */
	const struct conf_table *const *accepted;	/* keys allowed and skipped: another program's */
};

#define CONF_KB 1024ULL
#define CONF_MB (1024ULL * 1024)
#define CONF_GB (1024ULL * 1024 * 1024)

/* Every key's default into settings (zeroed first); a bad default aborts: it is a programming error. */
void conftable_defaults(const struct conf_table *t, void *settings);

/*
 * Read path into settings (t->own's keys; t->accepted's are skipped,
 * their values unread).  When missing_ok and the file does not exist,
 * settings are left unchanged and 0 is returned.  On error returns -1
 * with a message naming the file and line in errbuf.
 */
int conftable_load(const struct conf_tables *t, void *settings, const char *path, bool missing_ok,
		   char *errbuf, size_t errlen);

/* Free the strings settings own. */
void conftable_free(const struct conf_table *t, void *settings);

/* The keys, their defaults and help, one per line on stdout. */
void conftable_print(const struct conf_table *t);

#endif

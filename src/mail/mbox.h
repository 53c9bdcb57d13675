/*
 * mbox.h - the messages of an mbox file (RFC 4155).
 *
 * A message starts at a line "From " at the start of the file or after
 * an empty line, and runs to the empty line before the next such line
 * (or to the end of the file: a truncated last message is handed on as
 * it is).  The "From " line is the mbox's, not the message's: it is left
 * out.  Writers quote body lines that would look like one: mboxo (Postfix
 * local(8), procmail) ">From ", mboxrd ">>From " for ">From " and so on;
 * reading drops one '>' from every line that is '>'s then "From ", which
 * undoes mboxrd exactly and mboxo as well as it can be.  Dovecot's mbox
 * quotes nothing: a body line "From " after an empty line splits there.
 *
 * Finding the messages (mbox_scan) reads the file once in fixed chunks
 * and keeps nothing of it, so a file of any size costs the same memory;
 * reading one (mbox_read) takes its bytes by offset, so the messages can
 * be read by other processes than the one that found them.
 */
#ifndef DP_MBOX_H
#define DP_MBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "input.h"

#define MBOX_CHUNK (64 * 1024)

/* Whether a file that starts with head[0..n) is an mbox. */
bool mbox_is(const void *head, size_t n);

struct mbox_scan {
	int fd;				/* not owned; read by offset (pread) */
	char buf[MBOX_CHUNK];
	size_t start, end;		/* unread bytes in buf */
	off_t buf_off;			/* the file offset of buf[0] */
	bool eof;
	bool at_line_start;		/* buf[start] begins a line */
	bool blank;			/* the last line begun was empty */
	bool in_from_line;		/* inside a "From " line: a message starts after it */
	bool in_message;		/* a message has started */
	off_t msg_off;			/* where it starts (after its "From " line) */
	off_t last_blank;		/* where the last empty line started, or -1 */
};

/* Start reading the mbox in fd from offset 0. */
void mbox_scan_init(struct mbox_scan *s, int fd);

/* The next message: 1 with its bytes at *off, *len; 0 at the end; -1 with errno. */
int mbox_scan_next(struct mbox_scan *s, off_t *off, uint64_t *len);

/*
 * The message at off, len bytes, into out (which the caller frees),
 * unquoted: INPUT_WHOLE, or INPUT_TOO_BIG when len passes max (out then
 * holds its first max + 1 bytes as they are in the file), or INPUT_ERROR
 * with errno (ENODATA when the file is shorter than it was).
 */
enum input_result mbox_read(int fd, off_t off, uint64_t len, uint64_t max, struct buf *out);

#endif

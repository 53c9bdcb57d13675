/*
 * escape.h - making attacker-controlled text safe for each output.
 *
 * Everything a report says (org names, report ids, domains) comes from
 * whoever sent the mail.  These functions append an escaped copy of
 * s[0..len) to *out and return 0, or -1 with errno from buf.h.
 */
#ifndef DP_ESCAPE_H
#define DP_ESCAPE_H

#include <stddef.h>

#include "buf.h"

/*
 * For a key=value syslog line, written as a double-quoted value: '\\', '"'
 * and ']' get a backslash; TAB, LF and CR become \t \n \r; other bytes
 * below 0x20, DEL, C1 controls and bytes that are not valid UTF-8 become
 * \xHH.  The result contains no byte below 0x20 and no DEL.  When the
 * escaped text would pass cap bytes it is cut at a character boundary and
 * "..." is appended.
 */
int esc_syslog(struct buf *out, const char *s, size_t len, size_t cap);

/*
 * The same escaping into a fixed buffer for log messages: NULL gives "",
 * text that does not fit is cut and ends in "...".  Returns dst.
 */
const char *esc_log(char *dst, size_t size, const char *s);

/*
 * As the body of a JSON string (no quotes added): '"' and '\\' escaped,
 * control characters as \n, \t, ... or \u00XX, U+2028/U+2029 as \u escapes,
 * invalid UTF-8 replaced by U+FFFD.
 */
int esc_json(struct buf *out, const char *s, size_t len);

/*
 * For HTML text and double- or single-quoted attribute values alike:
 * & < > " ' as character references; control characters (C0 but TAB
 * and LF, DEL, C1) as U+FFFD, which no parser acts on; invalid UTF-8
 * replaced by U+FFFD.  Nothing in the result can end an element, an
 * attribute or a comment, or start one.
 */
int esc_html(struct buf *out, const char *s, size_t len);

/*
 * Repairing text that should be UTF-8: each byte that starts no valid
 * sequence becomes U+FFFD.  utf8_repaired_len() says how long the result
 * is (without the NUL) and how many bytes were invalid; utf8_repair()
 * writes it, NUL-terminated, to dst (that length + 1 bytes).
 */
size_t utf8_repaired_len(const char *s, size_t len, size_t *invalid);
void utf8_repair(char *dst, const char *s, size_t len);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if s[0] starts none. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif

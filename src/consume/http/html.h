/*
 * html.h - writing the overview pages: HTML built in a buffer, every
 * string that came from a report escaped (esc_html), no script, no
 * request for anything else (styles inline under the page's nonce,
 * charts inline SVG).
 *
 * Errors stick: after the first failure (out of memory) the calls do
 * nothing and html_failed() says so, so a page is written as a plain
 * sequence of calls.
 */
#ifndef DP_HTML_H
#define DP_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Room for a nonce: 22 base64url characters of 16 random bytes, and the NUL. */
#define HTML_NONCE_LEN 23

struct html {
	struct buf out;
	bool failed;
	char nonce[HTML_NONCE_LEN];	/* the style element's, named by Content-Security-Policy */
};

/* A fresh nonce into h (getrandom); out reset.  0, or -1 when the kernel gave no random bytes. */
int html_reset(struct html *h);
void html_free(struct html *h);
bool html_failed(const struct html *h);

/* Markup the program wrote itself (never report text). */
void html_raw(struct html *h, const char *s);
void html_printf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Report text, escaped for text and quoted attribute values alike. */
void html_text(struct html *h, const char *s, size_t len);
void html_str(struct html *h, const char *s);
/* 1234567 as "1,234,567". */
void html_count(struct html *h, unsigned long long n);
/* part of whole as "97.3 %", "–" when whole is 0. */
void html_percent(struct html *h, unsigned long long part, unsigned long long whole);
/* A time (seconds since the epoch) as "2024-03-01 23:59 UTC". */
void html_time(struct html *h, long long t);

/*
 * The page's head and navigation (title escaped; here is the path of the
 * navigation entry to mark), and its end.
 */
void html_begin(struct html *h, const char *title, const char *here);
void html_end(struct html *h);

#endif

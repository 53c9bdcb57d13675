/* html.c - writing the overview pages; see html.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "escape.h"
#include "html.h"

/*
 * The one style sheet: readable on a phone (tables scroll inside their
 * box, the layout is one column), printable (no navigation, black on
 * white), and the classes' colours the same everywhere.
 */
static const char style[] =
	":root{--pass:#2e7d32;--forwarded:#1565c0;--approved-fail:#ef6c00;--service-fail:#6a1b9a;"
	"--unknown-fail:#c62828;--muted:#5f6368;--line:#dadce0}"
	"body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#202124;background:#fff}"
	"header{background:#202124;color:#fff;padding:.6em 1em;display:flex;flex-wrap:wrap;gap:.3em 1.2em;align-items:baseline}"
	"header b{font-size:1.1em;margin-right:.5em}header a{color:#e8eaed;text-decoration:none}"
	"header a.here{color:#fff;border-bottom:2px solid #fff}"
	"main{padding:1em;max-width:1200px;margin:auto}"
	"h1{font-size:1.4em;margin:.2em 0 .6em}h2{font-size:1.15em;margin:1.4em 0 .4em}"
	"section.domain{border:1px solid var(--line);border-radius:6px;padding:.6em 1em;margin:0 0 1em}"
	"section.domain h2{margin:.2em 0}"
	".facts{display:flex;flex-wrap:wrap;gap:.2em 1.6em;margin:.3em 0}.facts div span{color:var(--muted)}"
	".muted{color:var(--muted)}.ranges a{margin-right:.8em}.ranges a.here{font-weight:bold;text-decoration:none;color:inherit}"
	".scroll{overflow-x:auto}"
	"table{border-collapse:collapse;width:100%;font-size:.93em}"
	"th,td{text-align:left;padding:.25em .6em;border-bottom:1px solid var(--line);vertical-align:top}"
	"th{font-weight:600;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"tr.new td:first-child::after{content:' new';color:var(--approved-fail);font-size:.8em;font-weight:600}"
	".cls{white-space:nowrap;font-weight:600}"
	".c-pass{color:var(--pass)}.c-forwarded{color:var(--forwarded)}.c-approved-fail{color:var(--approved-fail)}"
	".c-service-fail{color:var(--service-fail)}.c-unknown-fail{color:var(--unknown-fail)}"
	".c-ok{color:var(--pass)}.c-failed{color:var(--unknown-fail)}"
	".lists{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:0 1.5em;margin-top:.6em}"
	"svg .c-pass{fill:var(--pass)}svg .c-forwarded{fill:var(--forwarded)}svg .c-approved-fail{fill:var(--approved-fail)}"
	"svg .c-service-fail{fill:var(--service-fail)}svg .c-unknown-fail{fill:var(--unknown-fail)}"
	"svg .c-ok{fill:var(--pass)}svg .c-failed{fill:var(--unknown-fail)}"
	"svg text{font-size:11px;fill:var(--muted)}svg .axis{stroke:var(--line)}"
	"svg.chart{width:100%;height:auto;max-height:260px}"
	".legend span{margin-right:1em;white-space:nowrap}.legend span::before{content:'\\25A0 '}"
	".verdict{font-size:1.05em;padding:.6em 1em;border-left:4px solid var(--approved-fail);background:#fff8e1}"
	".verdict.good{border-color:var(--pass);background:#e8f5e9}"
	"dl.failure{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em;margin:0}"
	"dl.failure dt{color:var(--muted)}dl.failure dd{margin:0;overflow-wrap:anywhere}"
	"footer{color:var(--muted);font-size:.85em;padding:1em;text-align:center}"
	"@media print{header,.ranges{display:none}body{font-size:11pt}section.domain{break-inside:avoid}}";

int
html_reset(struct html *h)
{
	static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[16];
	size_t i, bits = 0, k = 0;
	unsigned acc = 0;

	buf_reset(&h->out);
	h->failed = false;
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		return -1;
	for (i = 0; i < sizeof r; i++) {
		acc = (acc << 8) | r[i];
		for (bits += 8; bits >= 6; bits -= 6)
			h->nonce[k++] = b64url[(acc >> (bits - 6)) & 63];
	}
	h->nonce[k++] = b64url[(acc << (6 - bits)) & 63];	/* the last 2 bits */
	h->nonce[k] = '\0';
	return 0;
}

void
html_free(struct html *h)
{
	buf_free(&h->out);
}

bool
html_failed(const struct html *h)
{
	return h->failed;
}

void
html_raw(struct html *h, const char *s)
{
	if (!h->failed && buf_puts(&h->out, s) < 0)
		h->failed = true;
}

void
html_printf(struct html *h, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	if (h->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof small) {
		va_start(ap, fmt);
		n = vasprintf(&big, fmt, ap);
		va_end(ap);
	}
	if (n < 0 || buf_append(&h->out, big ? big : small, (size_t)n) < 0)
		h->failed = true;
	free(big);
}

void
html_text(struct html *h, const char *s, size_t len)
{
	if (!h->failed && esc_html(&h->out, s, len) < 0)
		h->failed = true;
}

void
html_str(struct html *h, const char *s)
{
	html_text(h, s ? s : "", s ? strlen(s) : 0);
}

void
html_count(struct html *h, unsigned long long n)
{
	char digits[24], out[32];
	int len = snprintf(digits, sizeof digits, "%llu", n), i, k = 0;

	for (i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = '\0';
	html_raw(h, out);
}

void
html_percent(struct html *h, unsigned long long part, unsigned long long whole)
{
	if (!whole)
		html_raw(h, "\u2013");
	else
		html_printf(h, "%.1f\u00a0%%", 100.0 * (double)part / (double)whole);
}

void
html_time(struct html *h, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[40];

	if (t < 0 || !gmtime_r(&tt, &tm) || !strftime(s, sizeof s, "%Y-%m-%d %H:%M UTC", &tm)) {
		html_raw(h, "\u2013");
		return;
	}
	html_raw(h, s);
}

void
html_begin(struct html *h, const char *title, const char *here)
{
	static const struct { const char *path, *name; } nav[] = {
		{ "/", "Domains" }, { "/tls", "TLS" }, { "/failures", "Failure reports" }, { "/metrics", "Metrics" },
	};
	size_t i;

	html_raw(h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		    "<meta name=\"referrer\" content=\"no-referrer\"><title>");
	html_str(h, title);
	html_raw(h, " \u2013 dmarc-consume</title>");
	html_printf(h, "<style nonce=\"%s\">", h->nonce);
	html_raw(h, style);
	html_raw(h, "</style></head>\n<body><header><b>dmarc-consume</b>");
	for (i = 0; i < sizeof nav / sizeof nav[0]; i++)
		html_printf(h, "<a href=\"%s\"%s>%s</a>", nav[i].path, here && !strcmp(here, nav[i].path) ? " class=\"here\"" : "",
			    nav[i].name);
	html_raw(h, "</header>\n<main>");
}

void
html_end(struct html *h)
{
	html_raw(h, "</main>\n<footer>dmarc-consume " PACKAGE_VERSION " \u00b7 from the daily rollups in Redis; "
		    "days are the UTC days the reports cover</footer></body></html>\n");
}

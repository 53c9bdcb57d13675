/* redact.c - removing personal data from text; see redact.h. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "buf.h"
#include "normalize.h"
#include "redact.h"

/*
 * Characters of a local part (RFC 5322 atext and '.', and those of a
 * quoted one) but '=': in "smtp.mailfrom=jane@a.example" it ends a key,
 * and in an SRS address ("SRS0=h=t=b.example=jane@a.example") what is
 * left before it is no one's mailbox.
 */
static bool
local_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-/?^_`{|}~.\"\\", c));
}

/* Characters that end a domain. */
static bool
domain_end(char c)
{
	return !c || strchr(" \t\r\n<>,;()[]\"'@", c);
}

char *
redact_to_domains(struct arena *a, const char *s)
{
	size_t len = strlen(s), n = 0;
	/* Each domain is shorter than its part of s; each ", " at most two bytes more. */
	char *out = arena_alloc(a, 3 * len + 1);
	const char *p;

	if (!out)
		return NULL;
	for (p = strchr(s, '@'); p; p = strchr(p, '@')) {
		const char *d = ++p;

		while (!domain_end(*p))
			p++;
		if (p == d)
			continue;
		if (n) {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
		memcpy(out + n, d, (size_t)(p - d));
		norm_lower(out + n, (size_t)(p - d));
		n += (size_t)(p - d);
		while (n > 1 && out[n - 1] == '.')
			n--;
	}
	out[n] = '\0';
	return out;
}

char *
redact_local_parts(struct arena *a, const char *s)
{
	size_t len = strlen(s), n = 0, i;
	char *out = arena_alloc(a, len + 1);

	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '@' && n > 1 && out[n - 1] == '"') {
			/* A quoted local part, spaces and all: back to its opening quote. */
			size_t q = n - 1;

			while (q > 0 && !(out[q - 1] == '"' && (q < 2 || out[q - 2] != '\\')))
				q--;
			if (q > 0)
				n = q - 1;
		} else if (s[i] == '@') {
			while (n > 0 && local_char(out[n - 1]))
				n--;
		}
		out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

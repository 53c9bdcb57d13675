/* domain.c - comparing domain names; see domain.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "domain.h"

bool
domain_within(const char *name, size_t len, const char *parent, size_t plen)
{
	if (len && name[len - 1] == '.')
		len--;
	if (plen && parent[plen - 1] == '.')
		plen--;
	if (!plen || len < plen || strncasecmp(name + len - plen, parent, plen))
		return false;
	return len == plen || name[len - plen - 1] == '.';
}

const char *
domain_of_address(const char *text, size_t *len)
{
	const char *at, *end;

	if (!text)
		return NULL;
	/* The address in angle brackets when there are some: the display name may hold an '@'. */
	if ((at = strrchr(text, '<')) && strchr(at, '>'))
		text = at + 1;
	if (!(at = strchr(text, '@')))
		return NULL;
	at++;
	for (end = at; *end && *end != '>' && *end != ' ' && *end != '\t' && *end != ';' && *end != ','; end++)
		;
	*len = (size_t)(end - at);
	return *len ? at : NULL;
}

/* A host name: letters, digits, '-', '_' (DKIM and DMARC names have them), labels of 1..63, at most 253. */
static bool
valid_name(const char *s, size_t len)
{
	size_t i, label = 0;

	if (!len || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '.') {
			if (!label)
				return false;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
			   ch == '-' || ch == '_') {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label > 0;
}

#define LIST_SEP ", \t"

int
domain_list_check(const char *list, char *err, size_t errlen)
{
	const char *p = list ? list : "";

	while (*p) {
		size_t len = strcspn(p, LIST_SEP), name = len;

		if (name > 1 && p[name - 1] == '.')
			name--;
		if (len && !valid_name(p, name)) {
			snprintf(err, errlen, "\"%.*s\" is not a domain name", (int)(len > 100 ? 100 : len), p);
			return -1;
		}
		p += len ? len : 1;
	}
	return 0;
}

bool
domain_list_has(const char *list, const char *name, size_t len)
{
	const char *p = list ? list : "";

	while (*p) {
		size_t n = strcspn(p, LIST_SEP);

		if (n && domain_within(name, len, p, n))
			return true;
		p += n ? n : 1;
	}
	return false;
}

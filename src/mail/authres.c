/* authres.c - judging a mail by our MTA's Authentication-Results; see authres.h. */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "authres.h"
#include "domain.h"

/* Longer values are no milter's: not trusted. */
#define VALUE_MAX 8192

const char *
mail_auth_name(enum mail_auth a)
{
	switch (a) {
	case MAIL_AUTH_NONE: return "none";
	case MAIL_AUTH_DKIM: return "dkim";
	case MAIL_AUTH_DMARC: return "dmarc";
	default: return "unchecked";
	}
}

/*
 * The value without comments, without the white space around '=' and
 * with every other run of white space one blank; quoted strings kept,
 * their quotes dropped, a ';' in them made a ','.  0, or -1 when too long.
 */
static int
simplify(const char *v, char *out, size_t size)
{
	size_t n = 0;
	unsigned depth = 0;
	bool quoted = false;

	for (; *v; v++) {
		char ch = *v;

		if (quoted) {
			if (ch == '\\' && v[1])
				ch = *++v;
			else if (ch == '"') {
				quoted = false;
				continue;
			}
			if (ch == ';')
				ch = ',';
		} else if (depth) {
			if (ch == '\\' && v[1])
				v++;
			else if (ch == '(')
				depth++;
			else if (ch == ')')
				depth--;
			continue;
		} else if (ch == '(') {
			depth++;
			continue;
		} else if (ch == '"') {
			quoted = true;
			continue;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			if (!n || out[n - 1] == ' ' || out[n - 1] == '=' || out[n - 1] == ';')
				continue;
			ch = ' ';
		} else if ((ch == '=' || ch == ';') && n && out[n - 1] == ' ') {
			n--;
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = ch;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return 0;
}

/* Whether the id is ours: authserv_id, or authserv_id/jobid. */
static bool
our_id(const char *id, size_t len, const char *ours)
{
	size_t olen = strlen(ours);

	return len >= olen && !strncasecmp(id, ours, olen) && (len == olen || id[olen] == '/');
}

/* What one field of ours says. */
struct verdict {
	bool has_dmarc, dmarc_pass;
	bool has_dkim, dkim_pass;
};

/* The value of property key ("header.d") among the resinfo's words, or NULL; *len its length. */
static const char *
property(const char *words, size_t wlen, const char *key, size_t *len)
{
	size_t klen = strlen(key);
	const char *p = words, *end = words + wlen;

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p)), *w_end = sp ? sp : end;

		if ((size_t)(w_end - p) > klen && !strncasecmp(p, key, klen) && p[klen] == '=') {
			*len = (size_t)(w_end - p) - klen - 1;
			return p + klen + 1;
		}
		p = w_end + 1;
	}
	return NULL;
}

/* One resinfo, "method=result words...", into v. */
static void
resinfo(const char *r, size_t len, const char *from_domain, struct verdict *v)
{
	const char *eq = memchr(r, '=', len), *sp, *d;
	size_t mlen, rlen, dlen;
	bool pass;

	if (!eq)
		return;
	mlen = (size_t)(eq - r);
	if (memchr(r, '/', mlen))	/* method/version */
		mlen = (size_t)((const char *)memchr(r, '/', mlen) - r);
	sp = memchr(eq, ' ', len - (size_t)(eq - r));
	rlen = (size_t)((sp ? sp : r + len) - eq - 1);
	pass = rlen == 4 && !strncasecmp(eq + 1, "pass", 4);
	if (mlen == 5 && !strncasecmp(r, "dmarc", 5)) {
		if (v->has_dmarc)
			return;
		v->has_dmarc = true;
		/* For the From domain, when the field says which it judged. */
		d = sp ? property(sp + 1, len - (size_t)(sp + 1 - r), "header.from", &dlen) : NULL;
		v->dmarc_pass = pass && *from_domain &&
				(!d || (dlen == strlen(from_domain) && !strncasecmp(d, from_domain, dlen)));
	} else if (mlen == 4 && !strncasecmp(r, "dkim", 4)) {
		v->has_dkim = true;
		d = sp ? property(sp + 1, len - (size_t)(sp + 1 - r), "header.d", &dlen) : NULL;
		if (pass && d && *from_domain && domain_within(from_domain, strlen(from_domain), d, dlen))
			v->dkim_pass = true;
	}
}

/* A field's value, if its authserv-id is ours: true with what it says in v. */
static bool
read_field(const char *value, const char *ours, const char *from_domain, struct verdict *v)
{
	char buf[VALUE_MAX];
	const char *p, *semi;
	size_t idlen;

	memset(v, 0, sizeof *v);
	if (simplify(value, buf, sizeof buf) < 0)
		return false;
	idlen = strcspn(buf, " ;");
	if (!our_id(buf, idlen, ours))
		return false;
	for (p = strchr(buf, ';'); p; p = semi) {
		size_t len;

		p++;
		if (*p == ' ')
			p++;
		semi = strchr(p, ';');
		len = semi ? (size_t)(semi - p) : strlen(p);
		resinfo(p, len, from_domain, v);
	}
	return true;
}

static bool
named(const struct mime_field *f, const char *name)
{
	return f->name && !strcasecmp(f->name, name);
}

enum mail_auth
authres_judge(const struct mime_fields *h, const char *authserv_id, const char *from_domain)
{
	bool seen_dmarc = false, seen_dkim = false, dmarc = false, dkim = false, ours = false;
	size_t i;

	if (!authserv_id || !*authserv_id)
		return MAIL_AUTH_UNCHECKED;
	for (i = 0; i < h->n; i++) {
		const struct mime_field *f = &h->v[i];
		struct verdict v;

		/* Below our fields, the hop from outside: what follows came with the message. */
		if (ours && named(f, "Received"))
			break;
		if (!named(f, "Authentication-Results") || !read_field(f->value, authserv_id, from_domain, &v))
			continue;
		ours = true;
		if (v.has_dmarc && !seen_dmarc) {
			seen_dmarc = true;
			dmarc = v.dmarc_pass;
		}
		if (v.has_dkim && !seen_dkim) {
			seen_dkim = true;
			dkim = v.dkim_pass;
		}
	}
	return dmarc ? MAIL_AUTH_DMARC : dkim ? MAIL_AUTH_DKIM : MAIL_AUTH_NONE;
}

/*
 * conf.c - table-driven configuration file reader.
 *
 * Format: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored.  An unknown key, a repeated key
 * or a bad value is an error that names the file and line.  Numbers are
 * decimal, sizes may end in k, M or G (powers of 1024).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include "conf.h"

enum conf_type { CT_BOOL, CT_STRING, CT_UINT, CT_SIZE, CT_FACILITY };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	uint64_t min, max;	/* CT_UINT and CT_SIZE */
	const char *dflt;	/* as it would be written in the file */
	const char *help;
};

#define KB 1024ULL
#define MB (1024ULL * 1024)
#define GB (1024ULL * 1024 * 1024)

#define OFF(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
	{ "syslog", CT_BOOL, OFF(syslog), 0, 0, "yes", "log records and summaries to syslog" },
	{ "syslog_facility", CT_FACILITY, OFF(syslog_facility), 0, 0, "mail", "syslog facility" },
	{ "syslog_ident", CT_STRING, OFF(syslog_ident), 0, 0, "dmarc-pipe", "syslog identifier" },
	{ "syslog_socket", CT_STRING, OFF(syslog_socket), 0, 0, "", "log to this Unix datagram socket (empty: /dev/log)" },
	{ "quarantine_dir", CT_STRING, OFF(quarantine_dir), 0, 0, "", "save refused messages here (empty: off)" },
	{ "max_message_size", CT_SIZE, OFF(max_message_size), 1 * KB, 4 * GB, "64M", "raw message bytes read" },
	{ "max_header_size", CT_SIZE, OFF(max_header_size), 1 * KB, 64 * MB, "1M", "bytes of the message header" },
	{ "max_header_fields", CT_UINT, OFF(max_header_fields), 100, 1000000, "1000", "header fields in all header blocks of a message" },
	{ "max_decoded_size", CT_SIZE, OFF(max_decoded_size), 1 * KB, 4 * GB, "64M", "decoded bytes of all MIME parts" },
	{ "max_compression_ratio", CT_UINT, OFF(max_compression_ratio), 0, 100000, "300", "output/input of one decompression (0: off)" },
	{ "max_xml_depth", CT_UINT, OFF(max_xml_depth), 8, 256, "32", "XML element nesting" },
	{ "max_message_seconds", CT_UINT, OFF(max_message_seconds), 0, 86400, "60", "wall-clock seconds for one message (0: none)" },
	{ "max_mime_depth", CT_UINT, OFF(max_mime_depth), 1, 100, "16", "MIME nesting depth" },
	{ "max_mime_parts", CT_UINT, OFF(max_mime_parts), 1, 100000, "256", "MIME leaf parts per message" },
	{ "max_report_size", CT_SIZE, OFF(max_report_size), 1 * KB, 64 * GB, "512M", "decompressed bytes per report" },
	{ "max_total_size", CT_SIZE, OFF(max_total_size), 1 * KB, 64 * GB, "1G", "decompressed bytes per message" },
	{ "max_archive_entries", CT_UINT, OFF(max_archive_entries), 1, 100000, "64", "entries in one zip or tar archive" },
	{ "max_archive_depth", CT_UINT, OFF(max_archive_depth), 1, 16, "4", "archives nested in archives" },
	{ "max_records", CT_UINT, OFF(max_records), 1, 100000000, "500000", "records per report" },
	{ "max_field_length", CT_UINT, OFF(max_field_length), 16, 1048576, "2048", "bytes of text in one XML field" },
	{ "max_auth_results", CT_UINT, OFF(max_auth_results), 1, 1000, "64", "dkim, spf or reason entries per record" },
	{ "max_tlsrpt_size", CT_SIZE, OFF(max_tlsrpt_size), 1 * KB, 1 * GB, "1M", "decompressed JSON bytes per TLS report" },
	{ "max_tlsrpt_policies", CT_UINT, OFF(max_tlsrpt_policies), 1, 1000000, "1000", "policies per TLS report" },
	{ "max_tlsrpt_failure_details", CT_UINT, OFF(max_tlsrpt_failure_details), 1, 1000000, "1000", "failure-details per TLS report policy" },
	{ "failure_redact", CT_BOOL, OFF(failure_redact), 0, 0, "yes", "drop subjects and the local parts of addresses from failure reports" },
	{ "redis_socket", CT_STRING, OFF(redis_socket), 0, 0, "", "Redis Unix socket path (empty: none)" },
	{ "redis_host", CT_STRING, OFF(redis_host), 0, 0, "", "Redis host (empty: none)" },
	{ "redis_port", CT_UINT, OFF(redis_port), 1, 65535, "6379", "Redis TCP port" },
	{ "redis_username", CT_STRING, OFF(redis_username), 0, 0, "", "Redis ACL user (empty: default user)" },
	{ "redis_password", CT_STRING, OFF(redis_password), 0, 0, "", "Redis password (empty: no AUTH)" },
	{ "redis_db", CT_UINT, OFF(redis_db), 0, 65535, "0", "Redis database number" },
	{ "redis_connect_timeout_ms", CT_UINT, OFF(redis_connect_timeout_ms), 1, 600000, "2000", "connect timeout" },
	{ "redis_timeout_ms", CT_UINT, OFF(redis_timeout_ms), 1, 3600000, "10000", "timeout of each Redis command" },
	{ "key_prefix", CT_STRING, OFF(key_prefix), 0, 0, "dmarc", "Redis keys are {key_prefix}:..." },
	{ "stream_maxlen", CT_UINT, OFF(stream_maxlen), 0, 4000000000u, "0", "trim the stream to about this many entries (0: never)" },
	{ "dedup_ttl_days", CT_UINT, OFF(dedup_ttl_days), 0, 36500, "30", "days a stored report is remembered (0: forever)" },
	{ "redis_chunk_records", CT_UINT, OFF(redis_chunk_records), 1, 100000, "200", "records written by one Redis transaction" },
};
#undef OFF

static const struct { const char *name; int value; } facilities[] = {
	{ "mail", LOG_MAIL }, { "user", LOG_USER }, { "daemon", LOG_DAEMON },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

#define NKEYS (sizeof conf_keys / sizeof conf_keys[0])

/* Parse an unsigned decimal with an optional k/M/G suffix (sizes only). */
static int
parse_number(const char *s, bool size, uint64_t *out)
{
	uint64_t v = 0, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (size && *s) {
		switch (*s++) {
		case 'k': case 'K': mult = KB; break;
		case 'm': case 'M': mult = MB; break;
		case 'g': case 'G': mult = GB; break;
		default: return -1;
		}
	}
	if (*s)
		return -1;
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

/* Store VALUE for key K in *c; returns NULL or a static description of what is wrong. */
static const char *
conf_set(struct conf *c, const struct conf_key *k, const char *value)
{
	char *field = (char *)c + k->offset;
	uint64_t n;
	size_t i;

	switch (k->type) {
	case CT_BOOL:
		if (!strcasecmp(value, "yes") || !strcasecmp(value, "true") || !strcmp(value, "1"))
			*(bool *)field = true;
		else if (!strcasecmp(value, "no") || !strcasecmp(value, "false") || !strcmp(value, "0"))
			*(bool *)field = false;
		else
			return "expected yes or no";
		return NULL;
	case CT_STRING: {
		char **slot = (char **)field;
		char *copy = NULL;
		if (*value && !(copy = strdup(value)))
			return "out of memory";
		free(*slot);
		*slot = copy;
		return NULL;
	}
	case CT_UINT:
	case CT_SIZE:
		if (parse_number(value, k->type == CT_SIZE, &n) < 0)
			return k->type == CT_SIZE ? "expected a size such as 512, 64k, 16M or 1G"
						  : "expected a whole number";
		if (n < k->min || n > k->max)
			return "value out of range";
		if (k->type == CT_SIZE)
			*(uint64_t *)field = n;
		else
			*(unsigned *)field = (unsigned)n;
		return NULL;
	case CT_FACILITY:
		for (i = 0; i < sizeof facilities / sizeof facilities[0]; i++) {
			if (!strcasecmp(value, facilities[i].name)) {
				*(int *)field = facilities[i].value;
				return NULL;
			}
		}
		return "expected mail, user, daemon or local0 to local7";
	}
	return "internal error";
}

void
conf_defaults(struct conf *c)
{
	size_t i;

	memset(c, 0, sizeof *c);
	for (i = 0; i < NKEYS; i++) {
		const char *why = conf_set(c, &conf_keys[i], conf_keys[i].dflt);
		if (why) {	/* a bad table entry is a programming error */
			fprintf(stderr, "dmarc-pipe: bad default for %s: %s\n", conf_keys[i].name, why);
			abort();
		}
	}
}

static char *
trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int
conf_load(struct conf *c, const char *path, bool missing_ok, char *errbuf, size_t errlen)
{
	unsigned char seen[NKEYS] = { 0 };
	char line[4096];
	unsigned lineno = 0;
	FILE *fp;
	int rc = -1;

	if (!(fp = fopen(path, "r"))) {
		if (missing_ok && errno == ENOENT)
			return 0;
		snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof line, fp)) {
		char *key, *value, *eq;
		size_t i;
		const char *why;

		lineno++;
		if (!strchr(line, '\n') && !feof(fp)) {
			snprintf(errbuf, errlen, "%s:%u: line too long", path, lineno);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		if (!(eq = strchr(key, '='))) {
			snprintf(errbuf, errlen, "%s:%u: expected key = value", path, lineno);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		for (i = 0; i < NKEYS; i++)
			if (!strcmp(key, conf_keys[i].name))
				break;
		if (i == NKEYS) {
			snprintf(errbuf, errlen, "%s:%u: unknown key '%.64s'", path, lineno, key);
			goto out;
		}
		if (seen[i]++) {
			snprintf(errbuf, errlen, "%s:%u: %s is set twice", path, lineno, key);
			goto out;
		}
		if ((why = conf_set(c, &conf_keys[i], value))) {
			snprintf(errbuf, errlen, "%s:%u: %s: %s", path, lineno, key, why);
			goto out;
		}
	}
	if (ferror(fp)) {
		snprintf(errbuf, errlen, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	fclose(fp);
	return rc;
}

int
conf_check(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	const char *p;

	if (c->redis_socket && c->redis_host) {
		snprintf(errbuf, errlen, "%s: set redis_socket or redis_host, not both", path);
		return -1;
	}
	if (!c->key_prefix) {
		snprintf(errbuf, errlen, "%s: key_prefix must not be empty", path);
		return -1;
	}
	for (p = c->key_prefix; *p; p++) {
		/* The prefix is a Redis Cluster hash tag: braces and spaces would break it. */
		if (*p == '{' || *p == '}' || (unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
			snprintf(errbuf, errlen, "%s: key_prefix may not contain braces, spaces or control characters", path);
			return -1;
		}
	}
	if (c->redis_username && !c->redis_password) {
		snprintf(errbuf, errlen, "%s: redis_username needs redis_password", path);
		return -1;
	}
	return 0;
}

bool
conf_has_redis(const struct conf *c)
{
	return c->redis_socket || c->redis_host;
}

void
conf_free(struct conf *c)
{
	char **owned[] = { &c->syslog_ident, &c->syslog_socket, &c->quarantine_dir, &c->redis_socket, &c->redis_host,
			   &c->redis_username, &c->redis_password, &c->key_prefix };
	size_t i;

	for (i = 0; i < sizeof owned / sizeof owned[0]; i++) {
		free(*owned[i]);
		*owned[i] = NULL;
	}
}

void
conf_print_defaults(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		printf("  %-18s = %-10s  # %s\n", conf_keys[i].name, conf_keys[i].dflt, conf_keys[i].help);
}

/*
 * conf_pipe.c - dmarc-pipe's own settings (the limits on hostile input,
 * what it stores and how), and their checks; see conf.h.  dmarc-pipe.conf(5)
 * documents the same table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conftable.h"
#include "domain.h"

#define KB CONF_KB
#define MB CONF_MB
#define GB CONF_GB

#define OFF(f) offsetof(struct conf, f)
static const struct conf_key pipe_keys[] = {
	{ "syslog_ident", CT_STRING, OFF(syslog_ident), 0, 0, "dmarc-pipe", "syslog identifier" },
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
	{ "authserv_id", CT_STRING, OFF(authserv_id), 0, 0, "", "read the Authentication-Results fields of this id (empty: not checked)" },
	{ "report_auth", CT_STRING, OFF(report_auth), 0, 0, "mark", "mark: note how the report mail was authenticated; require: refuse it when it was not" },
	{ "store", CT_STRING, OFF(store), 0, 0, "redis", "redis: store records in Redis (set redis_socket or another); none: only log them" },
	{ "stream_maxlen", CT_UINT, OFF(stream_maxlen), 0, 4000000000u, "0", "trim the stream to about this many entries (0: never)" },
	{ "dedup_ttl_days", CT_UINT, OFF(dedup_ttl_days), 0, 36500, "30", "days a stored report is remembered (0: forever)" },
	{ "redis_chunk_records", CT_UINT, OFF(redis_chunk_records), 1, 100000, "200", "records written by one Redis transaction" },
};
#undef OFF

const struct conf_table conf_pipe_keys = { pipe_keys, sizeof pipe_keys / sizeof pipe_keys[0] };

int
conf_check_pipe(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	if (!c->store || (strcmp(c->store, "redis") && strcmp(c->store, "none"))) {
		snprintf(errbuf, errlen, "%s: store must be redis or none", path);
		return -1;
	}
	if (!c->report_auth || (strcmp(c->report_auth, "mark") && strcmp(c->report_auth, "require"))) {
		snprintf(errbuf, errlen, "%s: report_auth must be mark or require", path);
		return -1;
	}
	if (conf_report_auth_required(c) && !c->authserv_id) {
		snprintf(errbuf, errlen, "%s: report_auth = require needs authserv_id", path);
		return -1;
	}
	if (conf_store_none(c) && conf_has_redis(c)) {
		snprintf(errbuf, errlen, "%s: store = none, yet a Redis server is set", path);
		return -1;
	}
	return 0;
}

bool
conf_store_none(const struct conf *c)
{
	return c->store && !strcmp(c->store, "none");
}

bool
conf_report_domain_ok(const struct conf *c, const char *name, size_t len)
{
	return !c->report_domains || domain_list_has(c->report_domains, name, len);
}

bool
conf_report_auth_required(const struct conf *c)
{
	return c->report_auth && !strcmp(c->report_auth, "require");
}

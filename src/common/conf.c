/*
 * conf.c - dmarc-pipe's settings: the table of every key, its bounds and
 * default (read by conftable.c), and the checks that involve several
 * keys.  dmarc-pipe.conf(5) documents the same table.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conftable.h"
#include "hostport.h"

#define KB CONF_KB
#define MB CONF_MB
#define GB CONF_GB

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
	{ "store", CT_STRING, OFF(store), 0, 0, "redis", "redis: store records in Redis (set redis_socket or another); none: only log them" },
	{ "redis_socket", CT_STRING, OFF(redis_socket), 0, 0, "", "Redis Unix socket path (empty: none)" },
	{ "redis_host", CT_STRING, OFF(redis_host), 0, 0, "", "Redis host (empty: none)" },
	{ "redis_port", CT_UINT, OFF(redis_port), 1, 65535, "6379", "Redis TCP port" },
	{ "redis_username", CT_STRING, OFF(redis_username), 0, 0, "", "Redis ACL user (empty: default user)" },
	{ "redis_password", CT_STRING, OFF(redis_password), 0, 0, "", "Redis password (empty: no AUTH)" },
	{ "redis_db", CT_UINT, OFF(redis_db), 0, 65535, "0", "Redis database number" },
	{ "redis_sentinels", CT_STRING, OFF(redis_sentinels), 0, 0, "", "Sentinels to ask for the master: host:port, ... (empty: none)" },
	{ "redis_master_name", CT_STRING, OFF(redis_master_name), 0, 0, "", "the master's name in Sentinel" },
	{ "redis_sentinel_username", CT_STRING, OFF(redis_sentinel_username), 0, 0, "", "Sentinel ACL user (empty: default user)" },
	{ "redis_sentinel_password", CT_STRING, OFF(redis_sentinel_password), 0, 0, "", "Sentinel password (empty: no AUTH)" },
	{ "redis_cluster", CT_STRING, OFF(redis_cluster), 0, 0, "", "Redis Cluster nodes to ask which serves our keys: host:port, ... (empty: none)" },
	{ "redis_connect_timeout_ms", CT_UINT, OFF(redis_connect_timeout_ms), 1, 600000, "2000", "connect timeout" },
	{ "redis_timeout_ms", CT_UINT, OFF(redis_timeout_ms), 1, 3600000, "10000", "timeout of each Redis command" },
	{ "redis_min_replicas", CT_UINT, OFF(redis_min_replicas), 0, 100, "0", "replicas that must acknowledge a message's writes (WAIT)" },
	{ "redis_wait_timeout_ms", CT_UINT, OFF(redis_wait_timeout_ms), 1, 3600000, "2000", "how long to wait for them" },
	{ "key_prefix", CT_STRING, OFF(key_prefix), 0, 0, "dmarc", "Redis keys are {key_prefix}:..." },
	{ "stream_maxlen", CT_UINT, OFF(stream_maxlen), 0, 4000000000u, "0", "trim the stream to about this many entries (0: never)" },
	{ "dedup_ttl_days", CT_UINT, OFF(dedup_ttl_days), 0, 36500, "30", "days a stored report is remembered (0: forever)" },
	{ "redis_chunk_records", CT_UINT, OFF(redis_chunk_records), 1, 100000, "200", "records written by one Redis transaction" },
	/* dmarc-consume(8) */
	{ "consume_group", CT_STRING, OFF(consume_group), 0, 0, "dmarc-consume", "consumer groups are <consume_group>:<sink>" },
	{ "consumer_name", CT_STRING, OFF(consumer_name), 0, 0, "", "this consumer's name in its groups (empty: <host>-<pid>)" },
	{ "consume_count", CT_UINT, OFF(consume_count), 1, 100000, "1000", "stream entries per read" },
	{ "consume_block_ms", CT_UINT, OFF(consume_block_ms), 10, 600000, "2000", "how long a read waits for new entries" },
	{ "claim_idle_seconds", CT_UINT, OFF(claim_idle_seconds), 10, 604800, "300", "take over another consumer's entries pending this long" },
	{ "max_deliveries", CT_UINT, OFF(max_deliveries), 1, 1000, "5", "deliveries of an entry before it is parked" },
	{ "stream_trim", CT_BOOL, OFF(stream_trim), 0, 0, "yes", "trim stream entries every group has consumed" },
	{ "retain_days", CT_UINT, OFF(retain_days), 0, 36500, "7", "... once they are this many days old" },
	{ "metrics_listen", CT_STRING, OFF(metrics_listen), 0, 0, "127.0.0.1:9797", "serve /metrics here (empty: off)" },
	{ "metrics_max_series", CT_UINT, OFF(metrics_max_series), 1, 10000000, "10000", "label sets per metric; more fold into \"other\"" },
	{ "batch_dir", CT_STRING, OFF(batch_dir), 0, 0, "", "write TSV/CSV batch files here (empty: off)" },
	{ "batch_format", CT_STRING, OFF(batch_format), 0, 0, "tsv", "tsv or csv" },
	{ "batch_records", CT_UINT, OFF(batch_records), 1, 10000000, "32768", "records per batch file" },
	{ "batch_seconds", CT_UINT, OFF(batch_seconds), 1, 86400, "60", "close a batch file this old" },
	{ "ndjson_dir", CT_STRING, OFF(ndjson_dir), 0, 0, "", "write daily NDJSON files here (empty: off)" },
};
#undef OFF

static const struct conf_table settings = { conf_keys, sizeof conf_keys / sizeof conf_keys[0] };

void
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof *c);
	conftable_defaults(&settings, c);
}

int
conf_load(struct conf *c, const char *path, bool missing_ok, char *errbuf, size_t errlen)
{
	return conftable_load(&settings, c, path, missing_ok, errbuf, errlen);
}

int
conf_check_consumer(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	if (!c->consume_group) {
		snprintf(errbuf, errlen, "%s: consume_group must not be empty", path);
		return -1;
	}
	if (!c->batch_format || (strcmp(c->batch_format, "tsv") && strcmp(c->batch_format, "csv"))) {
		snprintf(errbuf, errlen, "%s: batch_format must be tsv or csv", path);
		return -1;
	}
	if (c->consume_block_ms >= c->redis_timeout_ms) {
		snprintf(errbuf, errlen, "%s: consume_block_ms (%u) must be less than redis_timeout_ms (%u)", path,
			 c->consume_block_ms, c->redis_timeout_ms);
		return -1;
	}
	/* An open batch's entries stay pending; another consumer must not take them meanwhile. */
	if ((uint64_t)c->claim_idle_seconds < 2 * (uint64_t)c->batch_seconds + 30) {
		snprintf(errbuf, errlen, "%s: claim_idle_seconds (%u) must be at least 2 * batch_seconds + 30 (%u)", path,
			 c->claim_idle_seconds, 2 * c->batch_seconds + 30);
		return -1;
	}
	return 0;
}

/* The Sentinel settings go together, and every address in the list must parse. */
/* A list of host:port (redis_sentinels, redis_cluster): not empty, every item parses, no port 0. */
static int
check_node_list(const char *path, const char *key, const char *list, unsigned default_port, char *errbuf,
		size_t errlen)
{
	const char *cur = list, *item;
	char why[300];
	size_t len;

	if (!hostport_next(&cur, &item, &len)) {
		snprintf(errbuf, errlen, "%s: %s names no server", path, key);
		return -1;
	}
	cur = list;
	while (hostport_next(&cur, &item, &len)) {
		struct hostport hp;

		if (hostport_parse(item, len, default_port, &hp, why, sizeof why) < 0) {
			snprintf(errbuf, errlen, "%s: %s: %s", path, key, why);
			return -1;
		}
		if (hp.port == 0) {
			snprintf(errbuf, errlen, "%s: %s: \"%.*s\": port 0", path, key, (int)len, item);
			return -1;
		}
	}
	return 0;
}

static int
check_sentinels(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	if (!c->redis_sentinels != !c->redis_master_name) {
		snprintf(errbuf, errlen, "%s: redis_sentinels and redis_master_name go together", path);
		return -1;
	}
	if (c->redis_sentinel_username && !c->redis_sentinel_password) {
		snprintf(errbuf, errlen, "%s: redis_sentinel_username needs redis_sentinel_password", path);
		return -1;
	}
	if (!c->redis_sentinels)
		return 0;
	return check_node_list(path, "redis_sentinels", c->redis_sentinels, SENTINEL_PORT, errbuf, errlen);
}

static int
check_cluster(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	if (!c->redis_cluster)
		return 0;
	if (c->redis_db) {
		snprintf(errbuf, errlen, "%s: redis_db must be 0 with redis_cluster (a cluster has one database)", path);
		return -1;
	}
	return check_node_list(path, "redis_cluster", c->redis_cluster, REDIS_PORT, errbuf, errlen);
}

int
conf_check(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	const char *p;

	if (!c->store || (strcmp(c->store, "redis") && strcmp(c->store, "none"))) {
		snprintf(errbuf, errlen, "%s: store must be redis or none", path);
		return -1;
	}
	if (conf_store_none(c) && conf_has_redis(c)) {
		snprintf(errbuf, errlen, "%s: store = none, yet a Redis server is set", path);
		return -1;
	}
	if (!!c->redis_socket + !!c->redis_host + !!c->redis_sentinels + !!c->redis_cluster > 1) {
		snprintf(errbuf, errlen, "%s: set one of redis_socket, redis_host, redis_sentinels and redis_cluster", path);
		return -1;
	}
	if (check_sentinels(c, path, errbuf, errlen) < 0 || check_cluster(c, path, errbuf, errlen) < 0)
		return -1;
	if (c->redis_min_replicas && c->redis_wait_timeout_ms >= c->redis_timeout_ms) {
		snprintf(errbuf, errlen, "%s: redis_wait_timeout_ms (%u) must be less than redis_timeout_ms (%u)", path,
			 c->redis_wait_timeout_ms, c->redis_timeout_ms);
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
	return c->redis_socket || c->redis_host || c->redis_sentinels || c->redis_cluster;
}

bool
conf_store_none(const struct conf *c)
{
	return c->store && !strcmp(c->store, "none");
}

void
conf_free(struct conf *c)
{
	conftable_free(&settings, c);
}

void
conf_print_defaults(void)
{
	conftable_print(&settings);
}

/*
 * conf_consume.c - dmarc-consume's own settings (its consumer groups and
 * sinks) and their checks; see conf.h.  dmarc-consume(8) and
 * dmarc-pipe.conf(5) document the same table.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "conf.h"
#include "conftable.h"


#define OFF(f) offsetof(struct conf, f)
static const struct conf_key consume_keys[] = {
	{ "consume_group", CT_STRING, OFF(consume_group), 0, 0, "dmarc-consume", "consumer groups are <consume_group>:<sink>" },
	{ "consumer_name", CT_STRING, OFF(consumer_name), 0, 0, "", "this consumer's name in its groups (empty: <host>-<pid>)" },
	{ "consume_count", CT_UINT, OFF(consume_count), 1, 100000, "250", "stream entries per read" },
	{ "sink_nice", CT_UINT, OFF(sink_nice), 0, 19, "10", "how much lower the sinks' CPU priority is than the listener's" },
	{ "consume_block_ms", CT_UINT, OFF(consume_block_ms), 10, 600000, "2000", "how long a read waits for new entries" },
	{ "claim_idle_seconds", CT_UINT, OFF(claim_idle_seconds), 10, 604800, "300", "take over another consumer's entries pending this long" },
	{ "max_deliveries", CT_UINT, OFF(max_deliveries), 1, 1000, "5", "deliveries of an entry before it is parked" },
	{ "stream_trim", CT_BOOL, OFF(stream_trim), 0, 0, "yes", "trim stream entries every group has consumed" },
	{ "retain_days", CT_UINT, OFF(retain_days), 0, 36500, "7", "... once they are this many days old" },
	{ "metrics_listen", CT_STRING, OFF(metrics_listen), 0, 0, "127.0.0.1:9797", "serve /metrics and the overview pages here (empty: off)" },
	{ "http_allow", CT_STRING, OFF(http_allow), 0, 0, "", "addresses and networks that may connect to metrics_listen (empty: any)" },
	{ "metrics_max_series", CT_UINT, OFF(metrics_max_series), 1, 10000000, "10000", "label sets per metric; more fold into \"other\"" },
	{ "batch_dir", CT_STRING, OFF(batch_dir), 0, 0, "", "write TSV/CSV batch files here (empty: off)" },
	{ "batch_format", CT_STRING, OFF(batch_format), 0, 0, "tsv", "tsv or csv" },
	{ "batch_records", CT_UINT, OFF(batch_records), 1, 10000000, "32768", "records per batch file" },
	{ "batch_seconds", CT_UINT, OFF(batch_seconds), 1, 86400, "60", "close a batch file this old" },
	{ "ndjson_dir", CT_STRING, OFF(ndjson_dir), 0, 0, "", "write daily NDJSON files here (empty: off)" },
	{ "dns_lookups", CT_BOOL, OFF(dns_lookups), 0, 0, "yes", "look up each source's reverse DNS, forward-confirmed" },
	{ "dns_servers", CT_STRING, OFF(dns_servers), 0, 0, "", "DNS servers to ask: host:port, ... (empty: /etc/resolv.conf)" },
	{ "dns_timeout_ms", CT_UINT, OFF(dns_timeout_ms), 50, 60000, "1500", "the most a batch of records waits on DNS" },
	{ "dns_cache_days", CT_UINT, OFF(dns_cache_days), 1, 365, "7", "how long a name found is kept in Redis for every consumer" },
	{ "geoip_db", CT_STRING, OFF(geoip_db), 0, 0, "", "MaxMind-format database with countries (empty: none)" },
	{ "asn_db", CT_STRING, OFF(asn_db), 0, 0, "", "MaxMind-format database with AS numbers and organisations (empty: none)" },
	{ "services_table", CT_STRING, OFF(services_file), 0, 0, SERVICES_TABLE_DEFAULT, "the sending services shipped with dmarc-pipe (empty: none)" },
	{ "services_extra", CT_STRING, OFF(services_extra), 0, 0, "", "your own sending services, adding to and overriding the table (empty: none)" },
	{ "approved_senders", CT_STRING, OFF(approved_senders), 0, 0, "", "which sources are yours, per domain (empty: none)" },
	{ "rollup_days", CT_UINT, OFF(rollup_days), 0, 3660, "90", "days of daily rollups kept, back from the newest report (0: no rollups)" },
	{ "rollup_max_sources", CT_UINT, OFF(rollup_max_sources), 1, 1000000, "10000", "sources per domain and day; more fold into \"other\"" },
};
#undef OFF

const struct conf_table conf_consume_keys = { consume_keys, sizeof consume_keys / sizeof consume_keys[0] };

int
conf_check_consume(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	struct cidr *nets;
	size_t n;
	char why[200];

	if (cidr_list_parse(c->http_allow, &nets, &n, why, sizeof why) < 0) {
		snprintf(errbuf, errlen, "%s: http_allow: %s", path, why);
		return -1;
	}
	free(nets);
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

/*
 * conf.c - the settings both programs read (syslog, Redis), each
 * program's tables put together, and the checks of the shared keys
 * against each other; see conf.h.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conftable.h"
#include "domain.h"
#include "hostport.h"


#define OFF(f) offsetof(struct conf, f)
static const struct conf_key shared_keys[] = {
	{ "syslog", CT_BOOL, OFF(syslog), 0, 0, "yes", "log records and summaries to syslog" },
	{ "syslog_facility", CT_FACILITY, OFF(syslog_facility), 0, 0, "mail", "syslog facility" },
	{ "syslog_socket", CT_STRING, OFF(syslog_socket), 0, 0, "", "log to this Unix datagram socket (empty: /dev/log)" },
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
	{ "report_domains", CT_STRING, OFF(report_domains), 0, 0, "", "our domains: only reports about these and their subdomains (empty: any)" },
	{ "key_prefix", CT_STRING, OFF(key_prefix), 0, 0, "dmarc", "Redis keys are {key_prefix}:..." },
};
#undef OFF

const struct conf_table conf_shared_keys = { shared_keys, sizeof shared_keys / sizeof shared_keys[0] };

static const struct conf_table *const pipe_tables[] = { &conf_shared_keys, &conf_pipe_keys, NULL };
static const struct conf_table *const consume_tables[] = { &conf_shared_keys, &conf_consume_keys, NULL };
static const struct conf_table *const pipe_only[] = { &conf_pipe_keys, NULL };
static const struct conf_table *const consume_only[] = { &conf_consume_keys, NULL };
static const struct conf_table *const every_table[] = { &conf_shared_keys, &conf_pipe_keys, &conf_consume_keys, NULL };

/* Each program reads its own keys and the shared ones, and accepts the other's. */
static const struct conf_tables readers[] = {
	[CONF_PIPE] = { pipe_tables, consume_only },
	[CONF_CONSUME] = { consume_tables, pipe_only },
};

void
conf_defaults(struct conf *c, enum conf_program who)
{
	const struct conf_table *const *t;

	memset(c, 0, sizeof *c);
	for (t = readers[who].own; *t; t++)
		conftable_defaults(*t, c);
}

int
conf_load(struct conf *c, enum conf_program who, const char *path, bool missing_ok, char *errbuf, size_t errlen)
{
	return conftable_load(&readers[who], c, path, missing_ok, errbuf, errlen);
}

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

/* The shared keys against each other. */
static int
check_shared(const struct conf *c, const char *path, char *errbuf, size_t errlen)
{
	const char *p;
	char why[160];

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
	if (domain_list_check(c->report_domains, why, sizeof why) < 0) {
		snprintf(errbuf, errlen, "%s: report_domains: %s", path, why);
		return -1;
	}
	return 0;
}

int
conf_check(const struct conf *c, enum conf_program who, const char *path, char *errbuf, size_t errlen)
{
	if (check_shared(c, path, errbuf, errlen) < 0)
		return -1;
	return who == CONF_PIPE ? conf_check_pipe(c, path, errbuf, errlen) : conf_check_consume(c, path, errbuf, errlen);
}

bool
conf_has_redis(const struct conf *c)
{
	return c->redis_socket || c->redis_host || c->redis_sentinels || c->redis_cluster;
}

void
conf_free(struct conf *c)
{
	const struct conf_table *const *t;

	for (t = every_table; *t; t++)
		conftable_free(*t, c);
}

void
conf_print_defaults(enum conf_program who)
{
	const struct conf_table *const *t;

	for (t = readers[who].own; *t; t++)
		conftable_print(*t);
}

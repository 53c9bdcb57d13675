/*
 * conf.h - run-time settings: defaults, the config file, and the limits.
 *
 * Both programs read one file, dmarc-pipe.conf.  Each setting lives in
 * one table (name, type, bounds, default), read by the table engine
 * conftable.c: the keys both programs use in conf.c, dmarc-pipe's in
 * conf_pipe.c, dmarc-consume's in conf_consume.c.  A program reads the
 * shared keys and its own, accepts the other's without reading them,
 * and lists only what it reads in --help.  dmarc-pipe.conf(5) and
 * dmarc-consume(8) document the same tables.
 */
#ifndef DP_CONF_H
#define DP_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Whose settings: the fields of the other program are left zero. */
enum conf_program {
	CONF_PIPE,		/* dmarc-pipe */
	CONF_CONSUME,		/* dmarc-consume */
};

struct conf {
	/* Output (shared, but syslog_ident and quarantine_dir: dmarc-pipe). */
	bool syslog;
	int syslog_facility;		/* LOG_MAIL etc. */
	char *syslog_ident;		/* owned */
	char *syslog_socket;		/* owned; NULL = syslog(3), i.e. /dev/log */
	char *quarantine_dir;		/* owned; NULL = no quarantine */

	/* Limits on hostile input; each is enforced on bytes actually produced. */
	uint64_t max_message_size;	/* raw message bytes read from input */
	uint64_t max_header_size;	/* the message's header block */
	unsigned max_header_fields;	/* header fields in all header blocks */
	uint64_t max_decoded_size;	/* base64/QP-decoded bytes of all MIME parts */
	unsigned max_compression_ratio;	/* output/input of one decompression layer */
	unsigned max_xml_depth;		/* element nesting in a report */
	unsigned max_message_seconds;	/* wall-clock time for one message */
	unsigned max_mime_depth;	/* nesting of multipart and message/rfc822 */
	unsigned max_mime_parts;	/* leaf parts examined per message */
	uint64_t max_report_size;	/* decompressed bytes of one report */
	uint64_t max_total_size;	/* decompressed bytes of one message */
	unsigned max_archive_entries;	/* entries in one zip or tar archive */
	unsigned max_archive_depth;	/* archives/compression nested in each other */
	unsigned max_records;		/* <record>s in one report */
	unsigned max_field_length;	/* bytes of text in one XML field */
	unsigned max_auth_results;	/* dkim/spf/reason entries in one record */
	uint64_t max_tlsrpt_size;	/* decompressed JSON bytes of one TLS report */
	unsigned max_tlsrpt_policies;	/* policies in one TLS report */
	unsigned max_tlsrpt_failure_details;	/* failure-details of one policy */

	/* dmarc-pipe.  Failure reports: keep third parties' personal data out of the records. */
	bool failure_redact;

	/* Our domains (shared): dmarc-pipe takes reports about them alone, dmarc-consume rolls them up. */
	char *report_domains;		/* owned; "a.example, b.example"; NULL = any domain */
	/* dmarc-pipe.  Intake: who may send reports. */
	char *authserv_id;		/* owned; our MTA's Authentication-Results id; NULL = not checked */
	char *report_auth;		/* owned; "mark" or "require" */

	/* "redis": records go to Redis, which must be set below; "none": they are only logged. */
	char *store;			/* owned */

	/* Redis (shared but the last three); none of redis_socket, redis_host, redis_sentinels and redis_cluster means no Redis. */
	char *redis_socket;		/* owned */
	char *redis_host;		/* owned */
	unsigned redis_port;
	char *redis_username;		/* owned; NULL = default user */
	char *redis_password;		/* owned; NULL = no AUTH */
	unsigned redis_db;
	char *redis_sentinels;		/* owned; "host:port, ...": ask them for the master */
	char *redis_master_name;	/* owned; the master's name in Sentinel */
	char *redis_sentinel_username;	/* owned; NULL = default user */
	char *redis_sentinel_password;	/* owned; NULL = no AUTH */
	char *redis_cluster;		/* owned; "host:port, ...": nodes to ask who serves our slot */
	unsigned redis_connect_timeout_ms;	/* each address tried */
	unsigned redis_timeout_ms;	/* every command; a silent server must not hang us */
	unsigned redis_min_replicas;	/* replicas that must acknowledge a message's writes */
	unsigned redis_wait_timeout_ms;	/* ... within this time (WAIT) */
	char *key_prefix;		/* owned; keys are "{prefix}:..." */
	unsigned stream_maxlen;		/* approximate trimming; 0 = none */
	unsigned dedup_ttl_days;	/* lifetime of a report's marker; 0 = forever */
	unsigned redis_chunk_records;	/* records written by one transaction */

	/* dmarc-consume: reading the streams (consume/reader.h). */
	char *consume_group;		/* owned; groups are <consume_group>:<sink> */
	char *consumer_name;		/* owned; NULL = <host name>-<pid> */
	unsigned consume_count;		/* entries per read */
	unsigned sink_nice;		/* added to the sinks' threads' nice value */
	unsigned consume_block_ms;	/* how long an idle read waits */
	unsigned claim_idle_seconds;	/* a consumer's pending entries are taken over after this */
	unsigned max_deliveries;	/* deliveries before an entry is parked */
	bool stream_trim;		/* trim what every group has consumed */
	unsigned retain_days;		/* ... once it is this old */

	/* dmarc-consume: the sinks; an empty path or address turns a sink off. */
	char *metrics_listen;		/* owned; host:port of /metrics and the pages */
	char *http_allow;		/* owned; who may connect there (cidr.h's list); NULL = anyone */
	unsigned metrics_max_series;	/* label sets per metric before folding into "other" */
	char *batch_dir;		/* owned; TSV/CSV batch files */
	char *batch_format;		/* owned; "tsv" or "csv" */
	unsigned batch_records;		/* records per batch file */
	unsigned batch_seconds;		/* age at which an open batch is closed */
	char *ndjson_dir;		/* owned; daily NDJSON files */
	/* dmarc-consume: who sends as our domains (consume/sources/). */
	bool dns_lookups;		/* forward-confirmed reverse DNS of each source */
	char *dns_servers;		/* owned; "host:port, ..."; NULL = /etc/resolv.conf */
	unsigned dns_timeout_ms;	/* the most one batch waits on DNS */
	unsigned dns_cache_days;	/* lifetime of a name in the shared cache */
	char *geoip_db;			/* owned; MMDB with country; NULL = none */
	char *asn_db;			/* owned; MMDB with AS number and organisation; NULL = none */
	char *services_file;		/* owned; the shipped sending-service table */
	char *services_extra;		/* owned; the operator's additions and overrides; NULL = none */
	char *approved_senders;		/* owned; which sources are ours, per domain; NULL = none */
	unsigned rollup_days;		/* days of daily rollups kept; 0 = no rollups */
	unsigned rollup_max_sources;	/* sources per domain and day; more fold into "other" */
};

/* Fill *c with who's built-in defaults (zero for the other program's fields). */
void conf_defaults(struct conf *c, enum conf_program who);

/*
 * Read PATH into *c: who's keys and the shared ones; the other
 * program's keys are allowed and not read.  When missing_ok and the file
 * does not exist, *c is left unchanged and 0 is returned.  On error
 * returns -1 with a message naming the file and line in errbuf.
 */
int conf_load(struct conf *c, enum conf_program who, const char *path, bool missing_ok,
	      char *errbuf, size_t errlen);

/* Checks that involve several of who's keys; 0, or -1 with a message in errbuf. */
int conf_check(const struct conf *c, enum conf_program who, const char *path, char *errbuf, size_t errlen);

/* Where make install puts the services table (Makefile.am defines PKGDATADIR). */
#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/dmarc-pipe"
#endif
#define SERVICES_TABLE_DEFAULT PKGDATADIR "/services.tsv"

/* Where Sentinel listens when an address in redis_sentinels gives no port. */
#define SENTINEL_PORT 26379
/* The same for a Redis node in redis_cluster. */
#define REDIS_PORT 6379

/* True when records are to be stored in Redis. */
bool conf_has_redis(const struct conf *c);
/* store = none: records are only logged, never stored. */
bool conf_store_none(const struct conf *c);
/* Whether a report about name[0..len) is ours: report_domains is empty, or has name or a parent of it. */
bool conf_report_domain_ok(const struct conf *c, const char *name, size_t len);
/* Whether report_auth = require. */
bool conf_report_auth_required(const struct conf *c);

/* Free what *c owns. */
void conf_free(struct conf *c);

/* Print who's settings and their defaults (for --help and the man pages). */
void conf_print_defaults(enum conf_program who);

/* The tables (conftable.h) of conf.c, conf_pipe.c and conf_consume.c. */
struct conf_table;
extern const struct conf_table conf_shared_keys, conf_pipe_keys, conf_consume_keys;
/* Each program's own checks. */
int conf_check_pipe(const struct conf *c, const char *path, char *errbuf, size_t errlen);
int conf_check_consume(const struct conf *c, const char *path, char *errbuf, size_t errlen);

#endif

/*
 * rollup.h - what aggregate and TLS records add to the daily rollups:
 * per day (the UTC day of the report's begin) and header-from (or TLS
 * policy) domain of ours, and to the sources' metrics.  The sources sink applies it with the
 * acknowledgement of the records (reader.h, ack_ops), so each record
 * counts once.  Keys, all under {P}:
 *
 *   rollup:days              zset: day -> days since the epoch
 *   rollup:domains           set: every domain rolled up
 *   rollup:<day>             set: the domains with records that day
 *   rollup:<day>:<domain>    hash: messages, class:<c>, disposition:<d>,
 *                            dkim:<pass|fail>, spf:<pass|fail> (the
 *                            receiver's policy_evaluated), and
 *                            reporter:<org> = its newest report's end
 *   rollup:<day>:<domain>:sources
 *                            hash: address -> tab-separated: messages,
 *                            messages of each class (classify.h's
 *                            order), then the newest of what is known of
 *                            it: rdns, confirmed, base, country, asn,
 *                            as_org, service, service_type, approved
 *                            (ROLLUP_SOURCE_FIELDS; tabs in them are
 *                            spaces)
 *   rollup:<day>:<domain>:auth
 *                            hash: dkim:<d=>:pass, dkim:<d=>:fail,
 *                            spf:<domain>:pass, spf:<domain>:fail ->
 *                            messages (the results the receiver saw)
 *   rollup:weeks             zset: the Monday of each week -> days
 *                            since the epoch
 *   rollup:week:<monday>     set: the domains with records that week
 *   rollup:week:<monday>:<domain>:sources, ...:auth
 *                            the week's sums of the days' hashes of the
 *                            same names, so that long ranges read a
 *                            hash a week (view.h)
 *   rollup:weekly-from       the first day whose week the weekly hashes
 *                            hold whole: the day after the newest when
 *                            they were first written (rollups written
 *                            before were daily only)
 *   firstseen:<domain>       hash: ip:<address>, base:<domain>,
 *                            service:<name> -> the first day it sent
 *   policy:time, policy:published
 *                            hash: domain -> its newest report's end,
 *                            and what that report says was published:
 *                            p, sp and pct, tab-separated (p and sp
 *                            none, quarantine, reject or empty)
 *   tls:days                 zset: day -> days since the epoch (TLS)
 *   tls:domains              set: every TLS policy domain rolled up
 *   tls:<day>                set: the policy domains with TLS records
 *   tls:<day>:<domain>       hash: successful, failed (sessions),
 *                            result:<type>, mx:<receiving MX>,
 *                            sender:<sending address> (failed sessions
 *                            of the failure details), reporter:<org> =
 *                            its newest report's end
 *
 * Bounds: rollup_max_sources addresses per day (and week) and domain (the rest
 * fold into "other"), ROLLUP_AUTH_MAX authentication domains and
 * ROLLUP_TLS_FIELDS failure detail fields per day and domain (the rest
 * fold into <prefix>(other)), ten times that many first-seen entries per domain,
 * ROLLUP_REPORTERS_MAX reporters per day and domain, metrics_max_series
 * label sets per metric; days older than rollup_days before the newest
 * (of each kind) are deleted (rollup_prune), and weeks whose last day is.
 */
#ifndef DP_ROLLUP_H
#define DP_ROLLUP_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "enrich.h"
#include "entry.h"
#include "reader.h"
#include "redis.h"
#include "status.h"

#define ROLLUP_REPORTERS_MAX 1000
#define ROLLUP_AUTH_MAX 1000
#define ROLLUP_TLS_FIELDS 1000
/* What a capped field folds into: no host name, address or result type can be it. */
#define ROLLUP_OTHER "(other)"
/* The columns of a source's value: messages, CLASS_COUNT class counts, then these. */
#define ROLLUP_SOURCE_FIELDS 9
#define ROLLUP_FIRSTSEEN_FACTOR 10

struct rollup;

struct rollup *rollup_new(const struct conf *c);
void rollup_free(struct rollup *ru);

/*
 * The counters and operations es's records (aggregate; si their
 * sources) add, into *cn (pointing into ru until the next call).
 * 0, or -1 on ENOMEM.
 */
int rollup_build(struct rollup *ru, const struct entries *es, const struct source_info *si, struct ack_counters *cn);

/* Delete the days older than rollup_days before the newest (at most 100 a call); *removed of them. */
enum dp_status rollup_prune(struct rollup *ru, struct redis *r, size_t *removed, struct dp_error *err);

/* Whether domain[0..len) is one to roll up: a host name, and one of report_domains when that is set. */
int rollup_domain_ok(const struct conf *c, const char *domain, size_t len);

#endif

/*
 * report.h - one aggregate report staged in memory until it is complete.
 *
 * A report yields all its records or none, so records are kept until the
 * closing </feedback> has been seen; they are kept compactly (interned
 * strings, 32-bit ids) so that memory grows slowly with the report.
 * The XML parser fills a report with the setters below; the sinks read it
 * back as struct dmarc_report / dmarc_record views.
 */
#ifndef DP_REPORT_H
#define DP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "status.h"

/* Report-level text fields. */
enum report_field {
	RF_ORG_NAME, RF_ORG_EMAIL, RF_REPORT_ID, RF_DOMAIN, RF_ADKIM, RF_ASPF,
	RF_P, RF_SP, RF_NP, RF_FO, RF_TESTING, RF_GENERATOR, RF_DISCOVERY_METHOD,
	RF_COUNT_
};

/* Record-level text fields. */
enum record_field {
	RC_SOURCE_IP, RC_DISPOSITION, RC_POLICY_DKIM, RC_POLICY_SPF,
	RC_HEADER_FROM, RC_ENVELOPE_FROM, RC_ENVELOPE_TO,
	RC_COUNT_
};

/* Lists in a record, and the fields of their entries. */
enum record_list { RL_REASON, RL_DKIM, RL_SPF, RL_COUNT_ };
enum { AUTH_DOMAIN, AUTH_SELECTOR, AUTH_RESULT, AUTH_HUMAN_RESULT };	/* dkim/spf entry */
enum { REASON_TYPE, REASON_COMMENT };					/* reason entry */

struct report;

/* A new, empty report whose records hold at most max_list entries per list; NULL on ENOMEM. */
struct report *report_new(unsigned max_list);
void report_free(struct report *r);
/* Empty r for the next report, keeping its memory. */
void report_reset(struct report *r);

/* Intern text for a setter below; 0 or -1 (ENOMEM/EFBIG). */
int report_intern(struct report *r, const char *s, size_t len, uint32_t *id);

void report_set(struct report *r, enum report_field f, uint32_t id);
void report_set_begin(struct report *r, int64_t t);
void report_set_end(struct report *r, int64_t t);
void report_set_pct(struct report *r, unsigned pct);
void report_set_schema(struct report *r, const char *xml_schema);	/* static string */

/* Start a record; its fields are set until report_record_end(). */
void report_record_begin(struct report *r);
void report_record_set(struct report *r, enum record_field f, uint32_t id);
/* The source address: family 4 or 6, addr in network order (16 bytes, IPv4 in the first 4). */
void report_record_ip(struct report *r, int family, const uint8_t addr[16]);
void report_record_count(struct report *r, uint64_t count);
/* Add an empty entry to a list; -1 when the list is full. */
int report_record_add(struct report *r, enum record_list l);
/* Set field k of the list's last entry (ignored when the list is empty). */
void report_record_entry_set(struct report *r, enum record_list l, unsigned k, uint32_t id);
/* Append the record; 0 or -1 with errno (ENOMEM, EFBIG, or the spill file's error). */
int report_record_end(struct report *r);

size_t report_nrecords(const struct report *r);

/* Check the report as a whole (date range); DP_OK or DP_REFUSE with a reason. */
enum dp_status report_validate(const struct report *r, struct dp_error *err);

/* Fill the report view (computes rid); valid until r changes. */
void report_view(const struct report *r, struct dmarc_report *out);

/*
 * Reading records back: a cursor (kind.h; pos is the record's offset in
 * the packed records) names a record by its index.  Records are packed
 * with variable length, so moving forward is cheap and moving back
 * rescans from the start.
 */

/* Position c at record ord (at the end if ord >= the number of records); 0 or -1 on a read error. */
int report_seek(struct report *r, struct kind_cursor *c, size_t ord);

/*
 * Decode the record at c into *rec and move c past it: 1, or 0 at the end,
 * or -1 with errno when the spill file cannot be read.  rec's pointers are
 * valid until the next call or until r changes.
 */
int report_next(struct report *r, struct kind_cursor *c, struct dmarc_record *rec);

#endif

/*
 * xmlreport.h - one DMARC aggregate report from an XML document.
 *
 * libxml2's SAX2 parser pulls its input straight from the decoding stream:
 * no tree, no whole-document buffer.  Both the RFC 7489 schema (no
 * namespace) and DMARCbis (urn:ietf:params:xml:ns:dmarc-2.0) are read;
 * elements of other namespaces and unknown elements are skipped with all
 * they contain.  A DOCTYPE or an entity reference refuses the document.
 *
 * A document gives at most one report (its first <feedback>).  The report
 * counts only when its </feedback> was seen and the whole input was read
 * without a decoding error: a truncated or corrupt report gives nothing.
 * XML errors after a complete </feedback> (a stray unclosed wrapper
 * element) are tolerated.
 */
#ifndef DP_XMLREPORT_H
#define DP_XMLREPORT_H

#include <stdbool.h>

#include "conf.h"
#include "report.h"
#include "stream.h"

struct xml_result {
	bool saw_feedback;	/* a <feedback> element started */
	bool skipped;		/* the identity hook stopped the parse: rep holds the metadata only */
	bool complete;		/* the report in rep is whole and valid */
	bool forbidden;		/* refused for a DOCTYPE or an entity: hostile, not just broken */
	uint64_t mended;	/* bytes of invalid UTF-8 read as U+FFFD (a UTF-8 document) */
};

/* Once per process, before any parse: quiet errors, no external entities. */
void xml_report_init(void);

/*
 * Called once the report's identity is known: when its first <record>
 * starts, after </report_metadata> and </policy_published>.  Setting
 * *skip stops the parse there (a report stored before need not be read
 * again); a status other than DP_OK stops it with err's reason.
 */
struct xml_identity_hook {
	enum dp_status (*fn)(void *arg, struct report *rep, bool *skip, struct dp_error *err);
	void *arg;
};

/*
 * Parse the document in s into rep (reset first), calling hook (if not
 * NULL) as described above.  Returns DP_OK with
 * res->complete when rep holds a report; DP_OK without it when the
 * document is well-formed XML but no report; DP_REFUSE with a reason when
 * it is broken (res->saw_feedback tells a broken report from other
 * markup); DP_TEMPFAIL when memory ran out.
 */
enum dp_status xml_report_parse(struct stream *s, const struct conf *c, struct report *rep,
				const struct xml_identity_hook *hook, struct xml_result *res, struct dp_error *err);

#endif

/*
 * sources.h - what dmarc-consume knows about senders, loaded once at the
 * start and read by every sink's thread: the sending-service table, the
 * approved senders, the MMDB files and the Public Suffix List.  A file
 * that is set and cannot be read is a configuration error.
 */
#ifndef DP_SOURCES_H
#define DP_SOURCES_H

#include <libpsl.h>
#include <stddef.h>

#include "approved.h"
#include "conf.h"
#include "geo.h"
#include "services.h"

struct sources {
	const struct conf *conf;	/* not owned */
	struct services *services;	/* owned; empty when services_table and services_extra are */
	struct approved *approved;	/* owned; NULL: none approved */
	struct geo *geo;		/* owned */
	const psl_ctx_t *psl;		/* the list in use: psl_loaded or libpsl's built-in one */
	psl_ctx_t *psl_loaded;		/* owned; NULL when the built-in one is used */
};

/* NULL with "why" (naming the file and line) in err. */
struct sources *sources_open(const struct conf *c, char *err, size_t errlen);
void sources_close(struct sources *s);

/*
 * The registrable domain of host name[0..len) ("mail-ot1-f41.google.com"
 * gives "google.com") into out; "" when it has none (a public suffix).
 */
void sources_base_domain(const struct sources *s, const char *name, size_t len, char *out, size_t outlen);

#endif

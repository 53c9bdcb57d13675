/*
 * redact.h - keeping third parties' personal data out of failure
 * report records (failure_redact).
 *
 * Both return a new string in the arena, or NULL with errno (arena.h).
 */
#ifndef DP_REDACT_H
#define DP_REDACT_H

#include "arena.h"

/*
 * The domains of the addresses in an address field ("Jane <jane@a.example>,
 * b@B.example." gives "a.example, b.example"): display names and local
 * parts go.  "" when it holds no address.
 */
char *redact_to_domains(struct arena *a, const char *s);

/* s with the local part before every '@' removed ("smtp.mailfrom=jane@a.example" keeps "smtp.mailfrom=@a.example"). */
char *redact_local_parts(struct arena *a, const char *s);

#endif

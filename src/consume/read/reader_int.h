/*
 * reader_int.h - what the files of the reader share (reader.h is its
 * interface): the reader itself and the steps its calls are made of.
 */
#ifndef DP_READER_INT_H
#define DP_READER_INT_H

#include "reader.h"
#include "screen.h"
#include "script.h"

struct reader {
	struct redis *redis;		/* not owned */
	const struct conf *conf;	/* not owned */
	char *group;			/* owned: <consume_group>:<sink> */
	const char *consumer;		/* not owned */
	char *keys[KIND_COUNT];		/* owned: {P}:<stream> */
	char *parked;			/* owned: {P}:parked */
	char *consumed;			/* owned: {P}:consumed */
	char *consumed_field[KIND_COUNT];	/* owned: the label set of the entries-consumed counter */
	bool grouped[KIND_COUNT];	/* the group exists on that stream */
	bool recover;			/* read our own pending entries before new ones */
	bool unreplicated;		/* an acknowledgement too few replicas confirmed: WAIT again before more */
	struct script ack;		/* the acknowledgement (ack.c) */
	struct script park;		/* setting an entry aside (park.c) */
	struct screen screens[KIND_COUNT];	/* what each stream's entries must be */
	char *invalid;			/* owned: {P}:invalid, the counter of entries refused */
};

/*
 * Before reading more: an acknowledgement that too few replicas had (a
 * WAIT that fell short) is waited for again on the same connection, so
 * that a failover can take back at most the last batch, never several
 * (batches written after an unreplicated one could come back misaligned
 * and be written twice).
 */
enum dp_status reader_settle(struct reader *rd, struct dp_error *err);

/* Create the group on each stream that exists and has none (a stream not there yet is tried next time). */
enum dp_status reader_ensure_groups(struct reader *rd, struct dp_error *err);
/* A stream or its group vanished (deleted, or a Redis without its data): create them anew next time. */
void reader_forget_groups(struct reader *rd);

extern const char reader_ack_script[], reader_park_script[];

/* Copy an entry delivered max_deliveries times to {P}:parked and acknowledge it, atomically. */
enum dp_status reader_park(struct reader *rd, size_t stream, const char *id, long long deliveries,
			   struct dp_error *err);

/*
 * Check es's entries (screen.h): each that is no record of its kind is
 * parked with the reason, counted in {P}:invalid and acknowledged,
 * atomically, and taken out of es.  The first group to meet it parks,
 * counts and logs it; the others only acknowledge it.
 */
enum dp_status reader_screen(struct reader *rd, struct entries *es, struct dp_error *err);

/*
 * The acknowledgement script's command (EVALSHA rd->sha ...) for es's
 * entries marked in keep (NULL: all), with cn's increments (NULL: none)
 * summed per (key, label).  The caller frees *argvp, *lensp and *numsp
 * (the numbers' text) together.  0, or -1 on ENOMEM.
 */
int reader_ack_args(struct reader *rd, const struct entries *es, const bool *keep, const struct ack_counters *cn,
		    const char ***argvp, size_t **lensp, char **numsp, int *argcp);

#endif

/*
 * cluster.h - Redis Cluster, for a client whose keys all share one hash
 * tag ({key_prefix}): every command goes to the one master serving that
 * tag's slot.
 *
 * The owner is learnt from CLUSTER SLOTS, asked of the nodes of
 * redis_cluster in turn, and kept until a node says otherwise:
 *   -MOVED <slot> <host:port>  the slot has a new owner: remember it, retry
 *                              there;
 *   -ASK <slot> <host:port>    the slot is being migrated and our key has
 *                              gone already: retry there once, after ASKING;
 *   -TRYAGAIN                  the keys of one command are split between
 *                              two nodes mid-migration: retry shortly;
 *   -CLUSTERDOWN               no node serves the slot: a tempfail.
 * hiredis 0.14 has no cluster support; this is all of ours.
 */
#ifndef DP_CLUSTER_H
#define DP_CLUSTER_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "dial.h"
#include "hostport.h"
#include "status.h"

#define CLUSTER_SLOTS 16384

/* The hash slot of the keys "{tag}:..." (CRC16-XMODEM of tag, mod 16384). */
unsigned cluster_slot(const char *tag, size_t len);

enum cluster_reply {
	CLUSTER_OTHER,		/* not a cluster redirection */
	CLUSTER_MOVED,
	CLUSTER_ASK,
	CLUSTER_TRYAGAIN,
	CLUSTER_DOWN		/* CLUSTERDOWN */
};

/*
 * What an error reply's text (not NUL-terminated) says.  For MOVED and
 * ASK, *to is the node named; an empty host ("MOVED 12 :6380", a node
 * without a known address) means the node that replied.  A MOVED or ASK
 * whose address does not parse is CLUSTER_OTHER.
 */
enum cluster_reply cluster_reply_parse(const char *text, size_t len, struct hostport *to);

/*
 * The master serving slot in a CLUSTER SLOTS reply: 0 with *owner set, or
 * -1 when no range holds slot or the entry is malformed.  An empty or "?"
 * address means the node asked (asked_host).
 */
int cluster_slots_owner(const redisReply *reply, unsigned slot, const char *asked_host, struct hostport *owner);

/*
 * Pipelining to a node that told us ASK: every command in resp[0..len)
 * (RESP arrays of bulk strings, as hiredis formats them) is copied to out
 * with an ASKING before it, except inside MULTI ... EXEC, where the
 * ASKING before MULTI covers the transaction and one sent inside would
 * be queued.  For each command, one byte is added to marks: 1 when an
 * ASKING reply comes before its reply, else 0.  *in_multi carries the
 * transaction state from one call to the next.  0, or -1 with errno
 * (EINVAL: resp is not such a list of commands; ENOMEM).
 */
int cluster_add_asking(const char *resp, size_t len, bool *in_multi, struct buf *out, struct buf *marks);

/*
 * A ready connection to the master serving slot: the nodes of
 * redis_cluster are asked in turn (CLUSTER SLOTS, under the connect
 * timeout), and the first owner that accepts a connection wins.  Its
 * address goes to *owner and, written out, to addr.  NULL with a tempfail
 * saying what the last node tried answered.
 */
redisContext *cluster_connect(const struct conf *c, const struct dial_opts *data, unsigned slot,
			      struct hostport *owner, char *addr, size_t addrlen, struct dp_error *err);

#endif

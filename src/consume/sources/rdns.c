/* rdns.c - forward-confirmed reverse DNS with c-ares; see rdns.h. */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ares.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rdns.h"

/* PTR names looked up forward per address: a PTR set larger than this is not an honest one. */
#define NAMES_MAX 4
/*
 * Addresses being looked up at once: a resolver (or the UDP buffers on
 * the way) drops what floods it, and a dropped query costs a timeout.
 */
#define ACTIVE_MAX 200

struct job;

struct rdns {
	ares_channel ch;
	unsigned timeout_ms;
	unsigned inflight, inflight_max;	/* queries */
	struct job *jobs;			/* the batch's, while it is resolved */
	size_t njobs, next;			/* ... and the next to start */
	unsigned active;			/* addresses started and not finished */
};

/* One address on its way through PTR, then the forward look-ups of its names. */
struct job {
	struct rdns *r;
	struct rdns_query *q;
	int family;
	unsigned char addr[16];
	char names[NAMES_MAX][RDNS_NAME_MAX];
	unsigned nnames, forward_pending;
	int confirmed;		/* index of the name that resolved back, -1 none */
	int temporary;		/* a forward look-up failed for now */
};

static const char *const state_words[] = {
	[RDNS_OFF] = "off", [RDNS_CONFIRMED] = "yes", [RDNS_UNCONFIRMED] = "no", [RDNS_NONE] = "none",
	[RDNS_UNRESOLVED] = "unresolved",
};

const char *
rdns_state_word(enum rdns_state s)
{
	return s <= RDNS_UNRESOLVED ? state_words[s] : "off";
}

int
rdns_state_parse(const char *word, size_t len)
{
	int i;

	for (i = 0; i <= RDNS_UNRESOLVED; i++)
		if (strlen(state_words[i]) == len && !memcmp(state_words[i], word, len))
			return i;
	return -1;
}

int
rdns_valid_name(const char *s, size_t len)
{
	size_t i, label = 0;

	if (len && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || c == '-' || c == '_') || ++label > 63)
			return 0;
	}
	return label > 0;
}

static pthread_once_t library_once = PTHREAD_ONCE_INIT;
static int library_status;

static void
library_init(void)
{
	library_status = ares_library_init(ARES_LIB_INIT_ALL);
}

struct rdns *
rdns_new(const char *servers, unsigned timeout_ms, char *err, size_t errlen)
{
	struct ares_options o;
	struct rdns *r;
	char csv[1024];
	size_t i, n = 0;
	int rc;

	pthread_once(&library_once, library_init);
	if (library_status != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(library_status));
		return NULL;
	}
	if (!(r = calloc(1, sizeof *r))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	r->timeout_ms = timeout_ms;
	memset(&o, 0, sizeof o);
	/* Two tries in half the time: a silent server leaves the forward look-ups the other half. */
	o.timeout = (int)(timeout_ms / 4 ? timeout_ms / 4 : 1);
	o.tries = 2;
	o.flags = ARES_FLAG_NOSEARCH;
	o.lookups = (char *)"b";	/* DNS only, never /etc/hosts */
	if ((rc = ares_init_options(&r->ch, &o, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS | ARES_OPT_LOOKUPS)) !=
	    ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		free(r);
		return NULL;
	}
	if (servers && *servers) {
		for (i = 0; servers[i] && n + 1 < sizeof csv; i++)
			if (servers[i] != ' ' && servers[i] != '\t')
				csv[n++] = servers[i];
		csv[n] = '\0';
		if ((rc = ares_set_servers_ports_csv(r->ch, csv)) != ARES_SUCCESS) {
			snprintf(err, errlen, "dns_servers \"%s\": %s", servers, ares_strerror(rc));
			rdns_free(r);
			return NULL;
		}
	}
	return r;
}

void
rdns_free(struct rdns *r)
{
	if (!r)
		return;
	ares_destroy(r->ch);
	free(r);
}

static void
started(struct rdns *r)
{
	if (++r->inflight > r->inflight_max)
		r->inflight_max = r->inflight;
}

/* The reverse name of the job's address: d.c.b.a.in-addr.arpa or the ip6.arpa nibbles. */
static void
reverse_name(const struct job *j, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	int i;

	if (j->family == AF_INET) {
		snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa", j->addr[3], j->addr[2], j->addr[1], j->addr[0]);
		return;
	}
	for (i = 15; i >= 0; i--) {
		out[n++] = hex[j->addr[i] & 0xf];
		out[n++] = '.';
		out[n++] = hex[j->addr[i] >> 4];
		out[n++] = '.';
	}
	snprintf(out + n, outlen - n, "ip6.arpa");
}

/* Whether a failure may go away: not "no such name", "no such record", or an answer no DNS could hold. */
static int
temporary_status(int status)
{
	return status != ARES_ENOTFOUND && status != ARES_ENODATA && status != ARES_ENONAME && status != ARES_EBADRESP &&
	       status != ARES_EBADNAME;
}

static void
finish(struct job *j)
{
	struct rdns_query *q = j->q;

	j->r->active--;
	if (j->confirmed >= 0) {
		q->state = RDNS_CONFIRMED;
		snprintf(q->name, sizeof q->name, "%s", j->names[j->confirmed]);
	} else {
		q->state = j->temporary ? RDNS_UNRESOLVED : RDNS_UNCONFIRMED;
		snprintf(q->name, sizeof q->name, "%s", j->names[0]);
	}
}

static int
same_address(const struct job *j, const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET && j->family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, j->addr, 4);
	if (sa->sa_family == AF_INET6 && j->family == AF_INET6)
		return !memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, j->addr, 16);
	return 0;
}

/* Which name a forward look-up was for: the job and the index travel together. */
struct forward {
	struct job *job;
	unsigned name;
};

static void
forward_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct forward *f = arg;
	struct job *j = f->job;
	const struct ares_addrinfo_node *n;

	(void)timeouts;
	j->r->inflight--;
	if (status == ARES_SUCCESS && res) {
		for (n = res->nodes; n; n = n->ai_next)
			if (n->ai_addr && same_address(j, n->ai_addr) && (j->confirmed < 0 || f->name < (unsigned)j->confirmed))
				j->confirmed = (int)f->name;
	} else if (temporary_status(status))
		j->temporary = 1;
	if (res)
		ares_freeaddrinfo(res);
	free(f);
	if (--j->forward_pending == 0)
		finish(j);
}

/* Keep a PTR name once, lower case, when it is a host name; the rest are a liar's decoration. */
static void
keep_name(struct job *j, const char *name)
{
	size_t len = strlen(name), i;
	char lower[RDNS_NAME_MAX];

	if (j->nnames == NAMES_MAX || !rdns_valid_name(name, len))
		return;
	if (name[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)name[i]);
	lower[len] = '\0';
	for (i = 0; i < j->nnames; i++)
		if (!strcmp(j->names[i], lower))
			return;
	memcpy(j->names[j->nnames++], lower, len + 1);
}

static void
ptr_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct job *j = arg;
	struct hostent *h = NULL;
	struct ares_addrinfo_hints hints;
	unsigned i;

	(void)timeouts;
	j->r->inflight--;
	if (status != ARES_SUCCESS) {
		j->q->state = temporary_status(status) ? RDNS_UNRESOLVED : RDNS_NONE;
		j->r->active--;
		return;
	}
	status = ares_parse_ptr_reply(abuf, alen, j->addr, j->family == AF_INET ? 4 : 16, j->family, &h);
	if (status != ARES_SUCCESS || !h) {
		j->q->state = temporary_status(status) ? RDNS_UNRESOLVED : RDNS_NONE;
		j->r->active--;
		return;
	}
	if (h->h_name)
		keep_name(j, h->h_name);
	for (i = 0; h->h_aliases && h->h_aliases[i]; i++)
		keep_name(j, h->h_aliases[i]);
	ares_free_hostent(h);
	if (j->nnames == 0) {
		j->q->state = RDNS_NONE;
		j->r->active--;
		return;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_flags = ARES_AI_NOSORT;	/* else c-ares connect()s to every address to sort them */
	j->forward_pending = j->nnames;
	for (i = 0; i < j->nnames; i++) {
		struct forward *f = malloc(sizeof *f);

		if (!f) {
			j->temporary = 1;
			if (--j->forward_pending == 0)
				finish(j);
			continue;
		}
		f->job = j;
		f->name = i;
		started(j->r);
		ares_getaddrinfo(j->r->ch, j->names[i], NULL, &hints, forward_done, f);
	}
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start the PTR look-ups of more of the batch's addresses, up to ACTIVE_MAX at once. */
static void
start_more(struct rdns *r)
{
	while (r->active < ACTIVE_MAX && r->next < r->njobs) {
		struct job *j = &r->jobs[r->next++];
		char rev[80];

		if (!j->family)
			continue;	/* no address: nothing to look up */
		reverse_name(j, rev, sizeof rev);
		r->active++;
		started(r);
		ares_query(r->ch, rev, ns_c_in, ns_t_ptr, ptr_done, j);
	}
}

/* Run the channel until nothing is out or the deadline passes; then cancel what is left. */
static void
run(struct rdns *r, long long deadline)
{
	for (;;) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd fds[ARES_GETSOCK_MAXNUM];
		struct timeval max, tv, *tvp;
		long long left = deadline - now_ms();
		unsigned bits;
		int i, nfds = 0, wait_ms, ready;

		start_more(r);
		if (r->inflight == 0)
			return;
		if (left <= 0) {
			ares_cancel(r->ch);	/* their callbacks run now, as unresolved */
			return;
		}
		/* c-ares's own ARES_GETSOCK_WRITABLE shifts an int by up to 31: the bits are tested unsigned. */
		bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			bool readable = bits & (1u << i), writable = bits & (1u << (i + ARES_GETSOCK_MAXNUM));

			if (readable || writable) {
				fds[nfds].fd = socks[i];
				fds[nfds].events = (short)((readable ? POLLIN : 0) | (writable ? POLLOUT : 0));
				fds[nfds++].revents = 0;
			}
		}
		max.tv_sec = left / 1000;
		max.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(r->ch, &max, &tv);
		wait_ms = (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000);
		ready = poll(fds, (nfds_t)nfds, wait_ms);
		if (ready < 0 && errno != EINTR)
			ready = 0;
		for (i = 0; i < nfds; i++)
			if (fds[i].revents)
				ares_process_fd(r->ch, fds[i].revents & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD,
						fds[i].revents & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
		if (ready <= 0)
			ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);	/* the timeouts */
	}
}

void
rdns_resolve(struct rdns *r, struct rdns_query *q, size_t n, unsigned *inflight)
{
	struct job *jobs = calloc(n ? n : 1, sizeof *jobs);
	long long deadline = now_ms() + r->timeout_ms;
	size_t i;

	r->inflight_max = 0;
	for (i = 0; i < n; i++) {
		q[i].state = RDNS_UNRESOLVED;
		q[i].name[0] = '\0';
	}
	if (!jobs) {
		*inflight = 0;
		return;
	}
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		j->r = r;
		j->q = &q[i];
		j->confirmed = -1;
		if (inet_pton(AF_INET, q[i].addr, j->addr) == 1)
			j->family = AF_INET;
		else if (inet_pton(AF_INET6, q[i].addr, j->addr) == 1)
			j->family = AF_INET6;
		else
			q[i].state = RDNS_OFF;	/* no address: nothing to look up */
	}
	r->jobs = jobs;
	r->njobs = n;
	r->next = 0;
	r->active = 0;
	run(r, deadline);
	*inflight = r->inflight_max;
	r->jobs = NULL;
	r->njobs = r->next = 0;
	free(jobs);
}

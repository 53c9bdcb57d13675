/* backfill.c - many messages, several workers; see backfill.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "backfill.h"
#include "escape.h"
#include "log.h"
#include "mbox.h"
#include "tally.h"
#include "walk.h"

/* A message to deliver: a whole file, or the message at off, len in an mbox. */
struct work {
	uint64_t off, len;
	uint32_t index;		/* its number in the mbox, from 1 */
	uint8_t mbox;
	char path[PATH_MAX];	/* sent up to its NUL */
};

/* What the parent hears, from the finder and the workers. */
enum note_type {
	NOTE_TOTAL,		/* n: the messages there are (when counted for the progress line) */
	NOTE_UNREADABLE,	/* path, err; n: 1 from a worker (a message), 0 from the finder */
	NOTE_OUTCOMES,		/* outcomes: of a worker's messages since its last note */
	NOTE_SENT,		/* n: the messages handed out, all of them */
};
struct note {
	uint8_t type;
	int err;
	uint64_t n;
	struct outcomes outcomes;
	char path[PATH_MAX];	/* sent up to its NUL */
};

/* Free heap a worker keeps from message to message instead of returning it. */
#define WORKER_KEEP_FREE (8 << 20)

/* A worker's outcomes go to the parent this often: one wake-up for many messages. */
#define NOTE_EVERY 64
#define NOTE_SECONDS 0.1

#define PROGRESS_TTY_SECONDS 0.25
#define PROGRESS_LINE_SECONDS 5.0

static volatile sig_atomic_t stop_asked;

static void
on_stop(int sig)
{
	(void)sig;
	stop_asked = 1;
}

/* One datagram; a peer gone (the parent killed) ends the sender too. */
static void
send_all(int fd, const void *p, size_t len)
{
	while (send(fd, p, len, MSG_NOSIGNAL) < 0) {
		if (errno != EINTR || stop_asked)
			_exit(EX_TEMPFAIL);
	}
}

static void
send_note(int fd, struct note *n)
{
	send_all(fd, n, n->type == NOTE_UNREADABLE ? offsetof(struct note, path) + strlen(n->path) + 1 :
			n->type == NOTE_OUTCOMES ? offsetof(struct note, path) : offsetof(struct note, outcomes));
}

/* The finder: walks the paths once to count (for the progress line), once to hand out. */
struct finder {
	int work_fd, note_fd;
	bool counting;
	uint64_t found;
};

static void
finder_problem(void *arg, const char *path, int err)
{
	struct finder *f = arg;
	struct note n = { .type = NOTE_UNREADABLE, .err = err };

	if (f->counting)
		return;
	snprintf(n.path, sizeof n.path, "%s", path);
	send_note(f->note_fd, &n);
}

static void
hand_out(struct finder *f, const char *path, bool mbox, uint64_t off, uint64_t len, uint32_t index)
{
	struct work w = { off, len, index, mbox, "" };

	f->found++;
	if (f->counting)
		return;
	snprintf(w.path, sizeof w.path, "%s", path);
	send_all(f->work_fd, &w, offsetof(struct work, path) + strlen(w.path) + 1);
}

/* A file: one message, or an mbox's messages. */
static int
finder_file(void *arg, const char *path)
{
	struct finder *f = arg;
	char head[8];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		finder_problem(f, path, errno);
		return 0;
	}
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		finder_problem(f, path, errno);
	} else if (!mbox_is(head, (size_t)n)) {
		hand_out(f, path, false, 0, 0, 0);
	} else {
		static struct mbox_scan scan;	/* 64 KiB: not on the stack */
		uint32_t index = 0;
		off_t off;
		uint64_t len;
		int more;

		mbox_scan_init(&scan, fd);
		while ((more = mbox_scan_next(&scan, &off, &len)) > 0)
			hand_out(f, path, true, (uint64_t)off, len, ++index);
		if (more < 0)
			finder_problem(f, path, errno);
	}
	close(fd);
	return stop_asked ? -1 : 0;
}

static void
finder_pass(struct finder *f, char *const *paths, int n)
{
	struct walk_visitor v = { finder_file, finder_problem, f };
	int i;

	for (i = 0; i < n && !stop_asked; i++) {
		struct stat st;

		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
			walk_tree(paths[i], &v);
		else
			finder_file(f, paths[i]);
	}
}

/* Counting first costs a read of each mbox, and gives the progress line its ETA and the summary what was not tried. */
static void
finder_run(int work_fd, int note_fd, char *const *paths, int n)
{
	struct finder f = { work_fd, note_fd, true, 0 };
	struct note note = { 0 };

	finder_pass(&f, paths, n);
	note.type = NOTE_TOTAL;
	note.n = f.found;
	send_note(note_fd, &note);
	f.counting = false;
	f.found = 0;
	finder_pass(&f, paths, n);
	note.type = NOTE_SENT;
	note.n = f.found;
	send_note(note_fd, &note);
}

/*
 * One message handed out, delivered into res.  false when it could not be
 * opened (note says why); *mbox_fd and open_path keep an mbox open from
 * one of its messages to the next, as they come in order.
 */
static bool
deliver_work(struct pipeline *pl, const struct deliver_opts *o, const struct work *w, int *mbox_fd,
	     char *open_path, struct message_result *res, struct note *note)
{
	char name[PATH_MAX];
	int fd;

	if (w->mbox) {
		if (strcmp(open_path, w->path)) {
			if (*mbox_fd >= 0)
				close(*mbox_fd);
			open_path[0] = '\0';
			if ((*mbox_fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) >= 0)
				snprintf(open_path, PATH_MAX, "%s", w->path);
		}
		snprintf(name, sizeof name, "%.*s#%u", PATH_MAX - 16, w->path, w->index);
		if (*mbox_fd >= 0) {
			deliver_mbox_message(pl, o, *mbox_fd, (off_t)w->off, w->len, name, res);
			return true;
		}
	} else if ((fd = open(w->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) >= 0) {
		deliver_fd(pl, o, fd, w->path, res);
		close(fd);
		return true;
	} else if (errno == ENOENT) {
		/* In a live Maildir, moved from new/ to cur/ since it was found: the next run has it. */
		memset(res, 0, sizeof *res);
		res->status = MSG_TEMPFAIL;
		snprintf(res->reason, sizeof res->reason, "%.*s: moved or removed since it was found",
			 (int)(sizeof res->reason - 40), w->path);
		log_err("%s", res->reason);
		return true;
	}
	note->type = NOTE_UNREADABLE;
	note->err = errno;
	note->n = 1;	/* a message found, so one done */
	snprintf(note->path, sizeof note->path, "%s", w->mbox ? name : w->path);
	return false;
}

/*
 * A worker: messages from work_fd until it is closed.  Their outcomes go
 * to note_fd added up, every NOTE_EVERY messages or NOTE_SECONDS, and at
 * once after a deferral (the parent stops the run on too many in a row).
 */
static void
worker_run(struct pipeline *pl, const struct deliver_opts *o, int work_fd, int note_fd)
{
	struct work w;
	struct note pending = { .type = NOTE_OUTCOMES };
	char open_path[PATH_MAX] = "";
	int mbox_fd = -1;
	double sent_at = tally_now();

	/*
	 * Message after message allocates and frees the same few hundred
	 * kilobytes: keep them rather than give them back to the kernel and
	 * fault them in again each time (up to WORKER_KEEP_FREE).
	 */
	mallopt(M_TRIM_THRESHOLD, WORKER_KEEP_FREE);
	mallopt(M_MMAP_THRESHOLD, WORKER_KEEP_FREE);
	while (!stop_asked) {
		struct message_result res;
		struct note note = { .type = NOTE_UNREADABLE };
		ssize_t got = recv(work_fd, &w, sizeof w, 0);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= (ssize_t)offsetof(struct work, path))
			break;	/* closed: every message is handed out */
		w.path[sizeof w.path - 1] = '\0';
		if (!deliver_work(pl, o, &w, &mbox_fd, open_path, &res, &note)) {
			char clean[512];

			log_err("cannot read %s: %s", esc_log(clean, sizeof clean, note.path), strerror(note.err));
			send_note(note_fd, &note);
			continue;
		}
		outcomes_add(&pending.outcomes, &res);
		if (pending.outcomes.messages >= NOTE_EVERY || res.status == MSG_TEMPFAIL ||
		    tally_now() - sent_at >= NOTE_SECONDS) {
			send_note(note_fd, &pending);
			memset(&pending.outcomes, 0, sizeof pending.outcomes);
			sent_at = tally_now();
		}
	}
	if (pending.outcomes.messages)
		send_note(note_fd, &pending);
	if (mbox_fd >= 0)
		close(mbox_fd);
}

static void
take_note(struct tally *t, const struct note *n, uint64_t *sent)
{
	switch (n->type) {
	case NOTE_TOTAL:
		t->total = n->n;
		t->counted = true;
		break;
	case NOTE_SENT:
		*sent = n->n;
		break;
	case NOTE_UNREADABLE:
		tally_unreadable(t, n->path, n->err);
		t->done += n->n;	/* a worker's: a message found that it could not open */
		break;
	case NOTE_OUTCOMES:
		tally_add(t, &n->outcomes);
		break;
	}
}

/* fork(), the child with SIGTERM asking it to stop after its message; -1 when fork fails. */
static pid_t
spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct sigaction sa = { 0 };

		sa.sa_handler = on_stop;	/* no SA_RESTART: a blocked recv or send returns */
		sigaction(SIGTERM, &sa, NULL);
	}
	return pid;
}

int
backfill_run(struct pipeline *pl, const struct deliver_opts *o, char *const *paths, int n,
	     const struct backfill_opts *bo)
{
	int work[2], notes[2], rc = EX_OK;
	pid_t pids[1 + BACKFILL_MAX_JOBS];
	unsigned nchildren = 0, i, died = 0;
	struct tally t;
	uint64_t sent = UINT64_MAX;
	bool tty = isatty(STDERR_FILENO), stopping = false;
	double drawn = 0;
	char line[1024], clean[2048];
	struct note note;

	tally_init(&t);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, work) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, notes) < 0) {
		log_err("cannot make the workers' sockets: %s", strerror(errno));
		return EX_OSERR;
	}
	fflush(NULL);
	for (i = 0; i <= bo->jobs; i++) {
		pid_t pid = spawn();

		if (pid < 0) {
			log_err("cannot start a worker: %s", strerror(errno));
			break;
		}
		if (pid == 0) {
			close(notes[0]);
			if (i == 0) {
				close(work[0]);
				finder_run(work[1], notes[1], paths, n);
			} else {
				close(work[1]);
				worker_run(pl, o, work[0], notes[1]);
			}
			fflush(NULL);
			_exit(EX_OK);
		}
		pids[nchildren++] = pid;
	}
	close(work[0]);
	close(work[1]);
	close(notes[1]);

	for (;;) {
		struct pollfd p = { notes[0], POLLIN, 0 };
		double now;
		ssize_t got;

		if (poll(&p, 1, bo->progress ? 250 : -1) < 0 && errno != EINTR)
			break;
		if (p.revents) {
			if ((got = recv(notes[0], &note, sizeof note, 0)) < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;	/* every child is gone */
			take_note(&t, &note, &sent);
			if (note.type == NOTE_TOTAL)
				drawn = 0;	/* show the total at once */
		}
		if (!stopping && t.deferred_in_a_row >= BACKFILL_STOP_AFTER) {
			stopping = true;
			for (i = 0; i < nchildren; i++)
				kill(pids[i], SIGTERM);
		}
		now = tally_now();
		if (bo->progress && now - drawn >= (tty ? PROGRESS_TTY_SECONDS : PROGRESS_LINE_SECONDS)) {
			tally_progress(&t, stderr, tty);
			drawn = now;
		}
	}
	close(notes[0]);
	for (i = 0; i < nchildren; i++) {
		int status;

		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
		if (i > 0 && !stopping && (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status))))
			died++;
	}
	/* Messages handed to a worker that died are deferred: the next run has them. */
	if (died && sent != UINT64_MAX && sent > t.done) {
		t.deferred += sent - t.done;
		t.done = sent;
		if (!t.first_deferral[0])
			snprintf(t.first_deferral, sizeof t.first_deferral, "a worker died");
	}
	if (nchildren <= bo->jobs || (sent == UINT64_MAX && !stopping)) {
		/* A fork failed or the finder died: not every message was tried. */
		t.deferred++;
		if (!t.first_deferral[0])
			snprintf(t.first_deferral, sizeof t.first_deferral, "not every message was handed out");
	}
	if (bo->progress)
		tally_progress_clear(stderr, tty);
	tally_summary(&t, line, sizeof line);
	if (stopping) {
		size_t len = strlen(line);

		snprintf(line + len, sizeof line - len, "; stopped after %u deferrals in a row", BACKFILL_STOP_AFTER);
	}
	fprintf(stderr, "dmarc-pipe: %s\n", line);
	tally_log_line(&t, stopping, clean, sizeof clean);
	log_line(t.deferred || t.unreadable || stopping ? LOG_WARNING : LOG_INFO, clean);
	if (t.unreadable)
		rc = EX_NOINPUT;
	else if (t.deferred || stopping)
		rc = EX_TEMPFAIL;
	return rc;
}

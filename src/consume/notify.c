/* notify.c - systemd's notify protocol, without libsystemd; see notify.h. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un addr;
static socklen_t addr_len;		/* 0: nobody listens */
static uint64_t watchdog_usec, last_ping_usec;

static uint64_t
now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC"), *wpid = getenv("WATCHDOG_PID");
	size_t len;

	if (wd && (!wpid || strtol(wpid, NULL, 10) == (long)getpid()))
		watchdog_usec = strtoull(wd, NULL, 10);
	if (path && (path[0] == '/' || path[0] == '@') && (len = strlen(path)) < sizeof addr.sun_path) {
		memset(&addr, 0, sizeof addr);
		addr.sun_family = AF_UNIX;
		memcpy(addr.sun_path, path, len);
		if (path[0] == '@')
			addr.sun_path[0] = '\0';	/* the abstract namespace */
		addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	last_ping_usec = now_usec();
}

void
notify_send(const char *msg)
{
	int fd;

	if (!addr_len || (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	(void)sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr, addr_len);
	close(fd);
}

void
notify_watchdog(void)
{
	uint64_t now;

	if (!watchdog_usec || !addr_len)
		return;
	now = now_usec();
	if (now - last_ping_usec < watchdog_usec / 2)
		return;
	last_ping_usec = now;
	notify_send("WATCHDOG=1");
}

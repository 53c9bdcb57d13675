/* http.c - /metrics over HTTP; see http.h. */
#include "config.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "hostport.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "metrics_page.h"
#include "redis.h"

/* Bounds on what a client can hold: connections, idle seconds, bytes of request. */
#define HTTP_CONNECTIONS 256
#define HTTP_TIMEOUT_SECONDS 10
#define HTTP_REQUEST_BYTES (16 * 1024)

struct http {
	struct MHD_Daemon *daemon;
	const struct conf *conf;	/* not owned */
	const struct health *health;	/* not owned */
	struct redis *redis;		/* owned; used by the daemon's thread alone */
	char **keys;			/* owned: the counters' hashes */
	struct buf page;		/* the last page rendered */
};

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
      const char *upload, size_t *upload_size, void **state)
{
	static const char not_found[] = "404 not found: try /metrics\n", bad_method[] = "405 method not allowed\n";
	struct http *h = cls;
	struct dp_error err = { 0 };
	char msg[DP_REASON_MAX + 32];

	(void)version, (void)upload;
	if (*upload_size) {	/* a body nobody asked for: drop it */
		*upload_size = 0;
		return MHD_YES;
	}
	if (!*state) {		/* headers seen; answer once the request is complete */
		*state = h;
		return MHD_YES;
	}
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", bad_method, sizeof bad_method - 1);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1);
	if (metrics_render(h->redis, h->conf, h->keys, &h->page, &err) != DP_OK ||
	    (metrics_render_health(h->health, &h->page) < 0 && dp_fail(&err, DP_TEMPFAIL, "%s", DP_REASON_OOM))) {
		log_warn("event=metrics reason=\"%s\"", err.reason);
		snprintf(msg, sizeof msg, "503 %s\n", err.reason);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", msg, strlen(msg));
	}
	return reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", h->page.data ? h->page.data : "",
		     h->page.len);
}

/* metrics_listen into an address; 0 or -1 with a reason. */
static int
resolve(const char *listen, struct sockaddr_storage *ss, socklen_t *len, struct dp_error *err)
{
	struct hostport hp;
	struct addrinfo hints = { 0 }, *ai;
	char why[DP_REASON_MAX], port[8];
	int rc;

	if (hostport_parse(listen, strlen(listen), 0, &hp, why, sizeof why) < 0) {
		dp_fail(err, DP_REFUSE, "metrics_listen %s", why);
		return -1;
	}
	snprintf(port, sizeof port, "%u", hp.port);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(hp.host, port, &hints, &ai))) {
		dp_fail(err, DP_REFUSE, "metrics_listen \"%s\": %s", listen, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

struct http *
http_start(const struct conf *c, const struct health *health, struct dp_error *err)
{
	struct http *h = calloc(1, sizeof *h);
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY;

	if (!h || !(h->redis = redis_new(c)) || !(h->keys = metric_keys(c))) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto fail;
	}
	h->conf = c;
	h->health = health;
	if (resolve(c->metrics_listen, &ss, &sslen, err) < 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, serve, h,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SECONDS,
				     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_REQUEST_BYTES,
				     MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)128,
				     MHD_OPTION_END);
	if (!h->daemon) {
		dp_fail_errno(err, DP_TEMPFAIL, "cannot listen for /metrics");
		snprintf(err->reason + strlen(err->reason), sizeof err->reason - strlen(err->reason), " on %s",
			 c->metrics_listen);
		goto fail;
	}
	log_info("event=listen address=%s path=/metrics", c->metrics_listen);
	return h;
fail:
	http_stop(h);
	return NULL;
}

void
http_stop(struct http *h)
{
	if (!h)
		return;
	if (h->daemon)
		MHD_stop_daemon(h->daemon);
	redis_free(h->redis);
	metric_keys_free(h->keys);
	buf_free(&h->page);
	free(h);
}

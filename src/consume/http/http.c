/* http.c - /metrics over HTTP; see http.h. */
#include "config.h"

#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "buf.h"
#include "cidr.h"
#include "hostport.h"
#include "html.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "metrics_page.h"
#include "pages.h"
#include "rdns.h"
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
	struct buf page;		/* the last /metrics rendered */
	struct html html;		/* the last overview page rendered */
	struct cidr *allow;		/* owned: who may connect (http_allow); NULL anyone */
	size_t nallow;
};

/*
 * The overview pages' policy: nothing but their own inline style (by
 * nonce) and inline SVG; no script, no frame, no form, no request
 * anywhere.  %s is the nonce.
 */
#define PAGE_CSP "default-src 'none'; style-src 'nonce-%s'; img-src 'self' data:; base-uri 'none'; " \
		 "form-action 'none'; frame-ancestors 'none'"

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* An overview page, with the headers that keep report text inert. */
static enum MHD_Result
reply_html(struct MHD_Connection *conn, unsigned status, const struct html *page)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(page->out.len, page->out.data ? page->out.data : (void *)"",
								 MHD_RESPMEM_MUST_COPY);
	char csp[sizeof PAGE_CSP + HTML_NONCE_LEN];
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	snprintf(csp, sizeof csp, PAGE_CSP, page->nonce);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* ?days=: absent is the default; 0 when it is none of page_days. */
static unsigned
days_asked(struct MHD_Connection *conn)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "days");
	size_t i;

	if (!v)
		return PAGE_DAYS_DEFAULT;
	for (i = 0; i < sizeof page_days / sizeof page_days[0]; i++) {
		char want[12];

		snprintf(want, sizeof want, "%u", page_days[i]);
		if (!strcmp(v, want))
			return page_days[i];
	}
	return 0;
}

/* The domain of /domain/<domain>, lower case and without a final dot, into out (256); false when it is none. */
static bool
domain_of(const char *rest, char out[256])
{
	size_t len = strlen(rest), i;

	if (!rdns_valid_name(rest, len))
		return false;
	if (rest[len - 1] == '.')
		len--;
	for (i = 0; i < len; i++)
		out[i] = (char)(rest[i] >= 'A' && rest[i] <= 'Z' ? rest[i] + 32 : rest[i]);
	out[len] = '\0';
	return true;
}

/* GET of an overview page: 200, 400 for a range none of page_days, 404, or 503 when Redis failed. */
static enum MHD_Result
serve_page(struct http *h, struct MHD_Connection *conn, const char *url)
{
	static const char not_found[] = "404 not found: try /, /tls, /failures or /metrics\n",
			  bad_days[] = "400 bad request: days is 7, 30 or 90\n";
	struct page_args a = { h->redis, h->conf, days_asked(conn) };
	struct dp_error err = { 0 };
	enum page_result rc = PAGE_NOT_FOUND;
	char domain[256], msg[DP_REASON_MAX + 32];

	if (!strcmp(url, "/") || !strcmp(url, "/tls") || !strcmp(url, "/failures") || !strncmp(url, "/domain/", 8)) {
		if (!a.days)
			return reply(conn, MHD_HTTP_BAD_REQUEST, "text/plain", bad_days, sizeof bad_days - 1);
		if (html_reset(&h->html) < 0)
			return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", "503 no random bytes\n", 20);
	}
	if (!strcmp(url, "/"))
		rc = page_overview(&h->html, &a, &err);
	else if (!strcmp(url, "/tls"))
		rc = page_tls(&h->html, &a, &err);
	else if (!strcmp(url, "/failures"))
		rc = page_failures(&h->html, &a, &err);
	else if (!strncmp(url, "/domain/", 8) && domain_of(url + 8, domain))
		rc = page_domain(&h->html, &a, domain, &err);
	if (rc == PAGE_NOT_FOUND)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, sizeof not_found - 1);
	if (rc == PAGE_OK && html_failed(&h->html))
		rc = (dp_fail(&err, DP_TEMPFAIL, "%s", DP_REASON_OOM), PAGE_FAILED);
	if (rc == PAGE_FAILED) {
		log_warn("event=page reason=\"%s\"", err.reason);
		snprintf(msg, sizeof msg, "503 %s\n", err.reason);
		return reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain", msg, strlen(msg));
	}
	return reply_html(conn, MHD_HTTP_OK, &h->html);
}

/* Whether the client may connect: http_allow has its address. */
static enum MHD_Result
allowed(void *cls, const struct sockaddr *sa, socklen_t len)
{
	const struct http *h = cls;
	unsigned char a[16];

	if (!h->allow)
		return MHD_YES;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memset(a, 0, 10);
		a[10] = a[11] = 0xff;
		memcpy(a + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		memcpy(a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return MHD_NO;
	return cidr_list_has(h->allow, h->nallow, a) ? MHD_YES : MHD_NO;
}

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
      const char *upload, size_t *upload_size, void **state)
{
	static const char bad_method[] = "405 method not allowed\n";
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
		return serve_page(h, conn, url);
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
	char why[200];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY;

	if (!h || !(h->redis = redis_new(c)) || !(h->keys = metric_keys(c))) {
		dp_fail(err, DP_TEMPFAIL, "%s", DP_REASON_OOM);
		goto fail;
	}
	h->conf = c;
	h->health = health;
	if (cidr_list_parse(c->http_allow, &h->allow, &h->nallow, why, sizeof why) < 0) {
		dp_fail(err, DP_REFUSE, "http_allow: %s", why);
		goto fail;
	}
	if (resolve(c->metrics_listen, &ss, &sslen, err) < 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->daemon = MHD_start_daemon(flags, 0, allowed, h, serve, h,
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
	log_info("event=listen address=%s paths=\"/metrics / /domain/ /tls /failures\"%s%s", c->metrics_listen,
		 h->allow ? " allow=" : "", h->allow ? c->http_allow : "");
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
	html_free(&h->html);
	free(h->allow);
	free(h);
}

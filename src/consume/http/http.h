/*
 * http.h - /metrics and the overview pages (pages.h) over HTTP
 * (libmicrohttpd), in its own thread with its own Redis connection: a
 * slow or hostile client can hold up neither the consumption nor, for
 * long, other clients (connection limits and timeouts in http.c).  Only
 * addresses of http_allow may connect; GET and HEAD only (405 for other
 * methods), 404 for any other path.
 */
#ifndef DP_HTTP_H
#define DP_HTTP_H

#include "conf.h"
#include "health.h"
#include "status.h"

struct http;

/*
 * Listen on c->metrics_listen ("host:port", IPv4 or [IPv6]); the page
 * shows health, the sinks' state (both must outlive the server).  NULL
 * with a reason in err.
 */
struct http *http_start(const struct conf *c, const struct health *health, struct dp_error *err);
void http_stop(struct http *h);

#endif

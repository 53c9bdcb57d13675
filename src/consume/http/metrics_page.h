/*
 * metrics_page.h - what GET /metrics answers: the counters the metrics
 * sink keeps in Redis (metrics.h) and gauges of the streams and groups,
 * in the Prometheus text format 0.0.4.
 */
#ifndef DP_METRICS_PAGE_H
#define DP_METRICS_PAGE_H

#include "buf.h"
#include "conf.h"
#include "health.h"
#include "redis.h"
#include "status.h"

/* The page, from Redis; keys are metric_keys(c).  out is reset first. */
enum dp_status metrics_render(struct redis *r, const struct conf *c, char *const *keys, struct buf *out,
			      struct dp_error *err);

/* This process's sinks: dmarc_consume_sink_up and dmarc_consume_sink_failures_total, appended to out.  0 or -1. */
int metrics_render_health(const struct health *h, struct buf *out);

#endif

/*
 * sources_table.h - dmarc-consume --sources DOMAIN: who sent as the
 * domain over the last days with rollups, from the rollups alone
 * (sinks/rollup.h): one row per source address, failing sources first,
 * as aligned columns for a terminal or as JSON.
 */
#ifndef DP_SOURCES_TABLE_H
#define DP_SOURCES_TABLE_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"

/* Print the table to out; the exit status (EX_OK, EX_USAGE for a bad domain, EX_TEMPFAIL when Redis failed). */
int sources_table(const struct conf *c, const char *domain, unsigned days, bool json, FILE *out);

#endif

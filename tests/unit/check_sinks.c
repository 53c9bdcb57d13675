/* Unit tests: the syslog record line and the flat fields (sink_syslog.c, fields.c). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "escape.h"
#include "log.h"
#include "kind.h"
#include "sink.h"
#include "unit.h"
#include "testlib.h"

static const char hostile[] =
	"<feedback><report_metadata>"
	"<org_name>Evil \"Org\" \\ ] name&#10;event=summary status=ok&#13;&#9;x</org_name>"
	"<report_id>r1</report_id></report_metadata>"
	"<record><row><source_ip>192.0.2.1</source_ip><count>3</count></row>"
	"<auth_results><dkim><domain>a,b.example</domain><result>pass</result></dkim>"
	"<dkim><selector>s\\2</selector><result>fail</result></dkim></auth_results></record></feedback>";

static enum dp_status
to_sink(void *arg, const struct kind_report *r, size_t ord, const void *rec)
{
	struct sink *sink = arg;
	struct dp_error err = { 0 };

	return sink->ops->record(sink, r, ord, rec, &err);
}

/* The syslog line of the (only) record of xml, as log.h copies it to stderr. */
static char *
syslog_line(const char *xml)
{
	struct conf conf;
	void *state;
	struct kind_report view;
	struct kind_parse res;
	struct dp_error err = { 0 };
	struct sink *sink;
	char path[] = "/tmp/dmarc-pipe-sink.XXXXXX", *line = calloc(1, 8192);
	int fd = mkstemp(path), saved = dup(2);
	FILE *fp;

	conf_defaults(&conf, CONF_PIPE);
	kinds_init();
	state = kind_aggregate.state_new(&conf);
	ck_assert_int_eq(kind_parse_bytes(&kind_aggregate, state, xml, strlen(xml), &conf, &res, &err), DP_OK);
	ck_assert(res.complete);
	kind_aggregate.view(state, &view);

	dup2(fd, 2);
	log_open("test", 0, false, true, NULL);
	sink = sink_syslog_new();
	kind_each_record(&view, to_sink, sink);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	fp = fdopen(fd, "r");
	rewind(fp);
	ck_assert_ptr_nonnull(fgets(line, 8192, fp));
	ck_assert_msg(fgetc(fp) == EOF, "more than one line for one record");
	fclose(fp);
	unlink(path);
	sink_free(sink);
	kind_aggregate.state_free(state);
	conf_free(&conf);
	return line;
}

/* The raw value of key in a line of key="value" pairs; NULL if absent. */
static char *
value_of(const char *line, const char *key)
{
	char pat[64];
	const char *p, *q;
	struct buf out = BUF_INIT(0);

	snprintf(pat, sizeof pat, " %s=\"", key);
	if (!(p = strstr(line, pat)))
		return NULL;
	p += strlen(pat);
	for (q = p; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	ck_assert_int_eq(unesc_syslog(&out, p, (size_t)(q - p)), 0);
	return out.data ? out.data : strdup("");
}

START_TEST(hostile_org_name_stays_one_field)
{
	char *line = syslog_line(hostile), *org;
	const unsigned char *p;

	ck_assert_msg(!strncmp(line, "test: event=record rid=", 23), "got '%s'", line);
	for (p = (const unsigned char *)line; *p && *p != '\n'; p++)
		ck_assert_msg(*p >= 0x20 && *p != 0x7f, "raw control byte 0x%02x in '%s'", *p, line);
	/* The injected "event=summary" is inside the quoted value, not a field of its own. */
	ck_assert_ptr_null(strstr(line, " event=summary"));
	org = value_of(line, "org_name");
	ck_assert_ptr_nonnull(org);
	ck_assert_str_eq(org, "Evil \"Org\" \\ ] name\nevent=summary status=ok\r\tx");
	free(org);
	free(line);
}
END_TEST

START_TEST(lists_stay_aligned)
{
	char *line = syslog_line(hostile), *v;

	v = value_of(line, "dkim_domains");
	ck_assert_str_eq(v, "a\\x2cb.example,");	/* the comma inside an item is escaped */
	free(v);
	v = value_of(line, "dkim_selectors");
	ck_assert_str_eq(v, ",s\\\\2");
	free(v);
	v = value_of(line, "dkim_results");
	ck_assert_str_eq(v, "pass,fail");
	free(v);
	ck_assert_ptr_null(value_of(line, "spf_domains"));	/* empty list: no field */
	ck_assert_ptr_nonnull(strstr(line, " count=3"));
	ck_assert_ptr_nonnull(strstr(line, " source_ip=\"192.0.2.1\""));
	free(line);
}
END_TEST

UNIT_SUITE("sinks", hostile_org_name_stays_one_field, lists_stay_aligned)

/* Fuzz target: report XML parsing, then every record read back and flattened. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "flatten.h"
#include "report.h"
#include "xmlreport.h"
#include "testlib.h"

static struct conf conf;
static struct report *rep;
static struct buf scratch = BUF_INIT(0);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	conf_defaults(&conf);
	conf.max_records = 5000;
	xml_report_init();
	if (!(rep = report_new(conf.max_auth_results)))
		abort();
	return 0;
}

static int
touch(void *arg, const char *key, const char *value, size_t len, bool number)
{
	(void)arg;
	if (!key || (len && !value) || (number && len == 0))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_error err = { 0 };
	struct xml_result res;
	struct stream *s = stream_mem(data, size, &err);
	enum dp_status rc = xml_report_parse(s, &conf, rep, NULL, &res, &err);

	if (rc == DP_OK && res.complete) {
		struct dmarc_report view;
		struct report_cursor c = { 0, 0 };
		struct dmarc_record rec;
		size_t n = 0;

		report_view(rep, &view);
		while (report_next(rep, &c, &rec) > 0) {
			if (rec.ord != n++ || record_flatten(&view, &rec, &scratch, touch, NULL) != 0)
				abort();
		}
		if (n != view.nrecords || n > conf.max_records)
			abort();
	}
	if (rc != DP_OK && err.reason[0] == '\0')
		abort();	/* every refusal has a reason */
	stream_free(s);
	return 0;
}

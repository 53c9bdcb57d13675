/* Fuzz target: aggregate report XML parsing, then every record read back in both forms. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "kind.h"
#include "conf.h"
#include "testlib.h"

static struct conf conf;
static void *state;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc; (void)argv;
	conf_defaults(&conf, CONF_PIPE);
	conf.max_records = 5000;
	kinds_init();
	if (!(state = kind_aggregate.state_new(&conf)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_document(&kind_aggregate, state, &conf, data, size);
	return 0;
}

/* Fuzz target: TLS report JSON parsing, then every record read back in both forms. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "conf.h"
#include "kind.h"
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
	kinds_init();
	if (!(state = kind_tlsrpt.state_new(&conf)))
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_document(&kind_tlsrpt, state, &conf, data, size);
	return 0;
}

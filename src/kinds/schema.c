/* schema.c - the registry of the kinds' schemas; see schema.h. */
#include "config.h"

#include <string.h>

#include "schema.h"

const struct kind_schema *const kind_schemas[] = {
	&aggregate_schema,
	&tlsrpt_schema,
	&failure_schema,
	NULL,
};

const struct kind_schema *
kind_schema_for_stream(const char *name)
{
	size_t i;

	for (i = 0; kind_schemas[i]; i++)
		if (strcmp(kind_schemas[i]->stream, name) == 0)
			return kind_schemas[i];
	return NULL;
}

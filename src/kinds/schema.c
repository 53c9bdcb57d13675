/* schema.c - the registry of the kinds' schemas; see schema.h. */
#include "config.h"

#include <string.h>

#include "schema.h"

#define KIND_SCHEMA_ENTRY_(k) &k##_schema,
const struct kind_schema *const kind_schemas[] = { KIND_LIST(KIND_SCHEMA_ENTRY_) NULL };

const struct kind_schema *
kind_schema_for_stream(const char *name)
{
	size_t i;

	for (i = 0; kind_schemas[i]; i++)
		if (strcmp(kind_schemas[i]->stream, name) == 0)
			return kind_schemas[i];
	return NULL;
}

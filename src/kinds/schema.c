/* schema.c - the registry of the kinds' schemas; see schema.h. */
#include "config.h"

#include <string.h>

#include "kind.h"
#include "schema.h"

#define KIND_SCHEMA_ENTRY_(k) &k##_schema,
const struct kind_schema *const kind_schemas[] = { KIND_LIST(KIND_SCHEMA_ENTRY_) NULL };

void
origin_fields(const struct origin *o, struct fields *f)
{
	FIELD_STR(f, "mail_auth", o ? o->mail_auth : NULL);
	FIELD_STR(f, "mail_from_domain", o ? o->mail_from_domain : NULL);
}

const struct kind_schema *
kind_schema_for_stream(const char *name)
{
	size_t i;

	for (i = 0; kind_schemas[i]; i++)
		if (strcmp(kind_schemas[i]->stream, name) == 0)
			return kind_schemas[i];
	return NULL;
}

/*
 * kindlist.h - every kind of report, named once, in the order the
 * summary counts them and the streams are read.
 *
 * A kind named k is the folder src/kinds/k/, which defines the parser
 * `const struct kind kind_k` (kind.h) and the schema
 * `const struct kind_schema k_schema` (schema.h).  The registries of
 * both, KIND_COUNT and the declarations follow from this list: adding a
 * kind is adding its folder and one word here.
 */
#ifndef DP_KINDLIST_H
#define DP_KINDLIST_H

#define KIND_LIST(X) \
	X(aggregate) \
	X(tlsrpt) \
	X(failure)

#define KIND_LIST_ONE_(k) +1
/* How many kinds there are; kinds[] and kind_schemas[] hold them in this order. */
#define KIND_COUNT (0 KIND_LIST(KIND_LIST_ONE_))

#endif

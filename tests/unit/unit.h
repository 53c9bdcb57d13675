/* unit.h - shared helpers for the Check unit tests. */
#ifndef DP_UNIT_H
#define DP_UNIT_H

#include <check.h>

/* Run every test of s; the exit status for the harness. */
static inline int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

/* A suite of one test case holding the given tests. */
#define UNIT_SUITE(name, ...)						\
	static Suite *							\
	unit_suite(void)						\
	{								\
		Suite *s = suite_create(name);				\
		TCase *tc = tcase_create(name);				\
		const TTest *tests[] = { __VA_ARGS__ };			\
		size_t i;						\
									\
		for (i = 0; i < sizeof tests / sizeof tests[0]; i++)	\
			tcase_add_test(tc, tests[i]);	\
		suite_add_tcase(s, tc);					\
		return s;						\
	}								\
	int main(void) { return unit_run(unit_suite()); }

#endif

/*
 * crashsuite: a suite whose one case crashes and leaves a child behind. It
 * is not run on its own: usertests' crashed_case_children_are_ended runs it
 * and checks that the test framework ends the orphan with the case's
 * process group (test.h), so that it cannot disturb the cases after it.
 */
#include "test.h"

static void crash_leaving_a_child(void)
{
    int pid = fork();
    if (pid == 0) {
        for (;;)
            sleep(1000); /* the orphan: sleeps until someone ends it */
    }
    *(volatile int*)0 = 1; /* the case crashes */
}

static const struct test_case cases[] = {TEST_CASE(crash_leaving_a_child)};

int main(int argc, char** argv) { return test_run_suite("crashsuite", cases, TEST_COUNT(cases), argc, argv); }

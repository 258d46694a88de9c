/*
 * The entry point of the host unit-test binary: doctest's own main, which
 * runs every TEST_CASE linked in (from every .cc file in tests/host) and ends with
 * the "test cases: N | N passed | N failed" summary that tests/run_all.py
 * reads. Pass --help for doctest's filters (-tc=, -ts=, -s, ...).
 */
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

/*
 * The entry point of the host unit-test binary: runs every TEST_CASE linked
 * in (from every .cc file in tests/host) with doctest, which ends with the
 * "test cases: N | N passed | N failed" summary tests/run_all.py reads.
 * Pass --help for doctest's options (-tc=, -ts=, -s, --duration=true, ...).
 *
 * Output is unbuffered: when a sanitizer ends the process in the middle of
 * a test case, everything doctest said about the cases before it must
 * already be out, or run_all.py would blame the wrong case.
 */
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <stdio.h>

#include <iostream>

int main(int argc, char** argv)
{
    setvbuf(stdout, nullptr, _IONBF, 0);
    std::cout.setf(std::ios::unitbuf);
    doctest::Context context(argc, argv);
    return context.run();
}

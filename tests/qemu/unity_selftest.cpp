// SPDX-License-Identifier: BSD-3-Clause
// Known outcomes for checking tests/unit/unity_reporter.cpp's output
// (test_unity_reporter.py). Several of these fail on purpose.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <stdexcept>

TEST_CASE("passes: a plain check")
{
	CHECK(1 + 1 == 2);
}

TEST_CASE("fails: values are shown")
{
	int got = 3;
	CHECK(got == 4);
	CHECK(got == 5);
}

TEST_CASE("fails: FAIL_CHECK text")
{
	FAIL_CHECK("the display said | \"Wrong PIN\"");
}

TEST_CASE("fails: throws" * doctest::description("an exception escapes"))
{
	throw std::runtime_error("boom\nsecond line");
}

TEST_CASE("skipped: not today" * doctest::skip())
{
	CHECK(false);
}

TEST_CASE("passes: should_fail that fails" * doctest::should_fail())
{
	CHECK(false);
}

// SPDX-License-Identifier: BSD-3-Clause
// The one retry backoff (core/backoff.h): ceilings double to the cap, every
// delay lies in [ceiling/2, ceiling], jitter spreads, reset starts over, and
// a seed repeats the sequence.
#include <doctest/doctest.h>

#include "agent/core/backoff.h"

#include <set>
#include <vector>

using namespace hotdesk;

TEST_CASE("backoff: ceilings double from first_ms and stop at max_ms")
{
	const Backoff b(BackoffPolicy{100, 3000}, 1);
	const std::vector<uint64_t> want = {100, 100, 200, 400, 800, 1600, 3000, 3000};
	for (unsigned attempt = 0; attempt < want.size(); ++attempt) {
		INFO(attempt);
		CHECK(b.ceiling_ms(attempt) == want[attempt]); // attempt 0 counts as 1
	}
	CHECK(b.ceiling_ms(1000) == 3000);
}

TEST_CASE("backoff: every delay within [ceiling/2, ceiling], the cap included")
{
	for (uint64_t seed = 0; seed < 50; ++seed) {
		Backoff b(BackoffPolicy{500, 30000}, seed);
		for (unsigned attempt = 1; attempt <= 40; ++attempt) {
			const uint64_t c = b.ceiling_ms(attempt);
			const uint64_t d = b.next_ms();
			INFO("seed " << seed << " attempt " << attempt);
			CHECK(d >= c - c / 2);
			CHECK(d <= c);
			CHECK(d <= 30000);
		}
		CHECK(b.attempts() == 40);
	}
}

TEST_CASE("backoff: the jitter spreads phones that fail together")
{
	std::set<uint64_t> firsts;
	for (uint64_t seed = 0; seed < 100; ++seed)
		firsts.insert(Backoff(BackoffPolicy{1000, 300000}, seed).next_ms());
	CHECK(firsts.size() > 50);
	CHECK(*firsts.begin() < 600);
	CHECK(*firsts.rbegin() > 900);
}

TEST_CASE("backoff: reset starts again from first_ms")
{
	Backoff b(BackoffPolicy{100, 3000}, 7);
	for (int i = 0; i < 6; ++i)
		b.next_ms();
	CHECK(b.attempts() == 6);
	CHECK(b.next_ms() >= 1500);
	b.reset();
	CHECK(b.attempts() == 0);
	const uint64_t d = b.next_ms();
	CHECK(d >= 50);
	CHECK(d <= 100);
	CHECK(b.attempts() == 1);
}

TEST_CASE("backoff: a seed repeats the sequence; delay_ms does not count")
{
	Backoff a(BackoffPolicy{200, 10000}, 42), b(BackoffPolicy{200, 10000}, 42);
	for (int i = 0; i < 10; ++i)
		CHECK(a.next_ms() == b.next_ms());
	Backoff c(BackoffPolicy{200, 10000}, 3);
	c.delay_ms(5);
	CHECK(c.attempts() == 0);
	// A cap below the first delay is raised to it.
	CHECK(Backoff(BackoffPolicy{800, 100}, 1).ceiling_ms(3) == 800);
}

TEST_CASE("backoff: retry_jitter off makes phones that fail together retry together")
{
	set_retry_jitter(false);
	std::set<uint64_t> firsts;
	for (uint64_t seed = 0; seed < 20; ++seed) {
		Backoff b(BackoffPolicy{1000, 4000}, seed);
		CHECK(b.next_ms() == 1000);
		CHECK(b.next_ms() == 2000);
		CHECK(b.next_ms() == 4000);
		CHECK(b.next_ms() == 4000);
	}
	set_retry_jitter(true); // a Backoff made now spreads again
	for (uint64_t seed = 0; seed < 20; ++seed)
		firsts.insert(Backoff(BackoffPolicy{1000, 4000}, seed).next_ms());
	CHECK(firsts.size() > 5);
}

// SPDX-License-Identifier: BSD-3-Clause
// Retry delays: exponential backoff with jitter, one implementation for every
// retry loop (baresip's ctrl_tcp reconnect, the device profile fetch, the
// status push).
//
// The ceiling before retry n (1-based) is first_ms * 2^(n-1), capped at
// max_ms; the delay is drawn uniformly from [ceiling/2, ceiling] ("equal
// jitter", AWS Architecture Blog, "Exponential Backoff And Jitter", 2015):
// phones that lost the PBX together do not come back in lockstep, and no
// retry comes sooner than half its ceiling. Milliseconds throughout.
#pragma once

#include <cstdint>
#include <random>

namespace hotdesk
{

struct BackoffPolicy {
	uint64_t first_ms = 1000; // ceiling of the first retry
	uint64_t max_ms = 300000; // cap of every ceiling (>= first_ms)
};

// Process-wide switch, hotdeskd.conf's `retry_jitter` (docs/config.md): off
// makes every Backoff built afterwards wait its full ceiling, so phones that
// failed together retry together. It exists to measure what the jitter buys
// (bench/fleet.py, docs/scale.md); the composition root sets it once, before
// it builds any owner. Default on.
void set_retry_jitter(bool on);

class Backoff
{
public:
	// `seed` makes the jitter repeatable (tests); by default it is random.
	explicit Backoff(BackoffPolicy p);
	Backoff(BackoffPolicy p, uint64_t seed);

	// The delay before the next retry; counts the attempt.
	uint64_t next_ms();
	// After a success: the next failure waits about first_ms again.
	void reset() { attempts_ = 0; }
	unsigned attempts() const { return attempts_; }

	// The delay before retry number `attempt` (1-based; 0 counts as 1),
	// jitter applied; does not count. And its ceiling, before jitter.
	uint64_t delay_ms(unsigned attempt);
	uint64_t ceiling_ms(unsigned attempt) const;
	const BackoffPolicy &policy() const { return p_; }

private:
	BackoffPolicy p_;
	unsigned attempts_ = 0;
	bool jitter_;
	std::mt19937_64 rng_;
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "backoff.h"

#include <algorithm>

namespace hotdesk
{

namespace
{
bool g_retry_jitter = true;
}

void set_retry_jitter(bool on)
{
	g_retry_jitter = on;
}

Backoff::Backoff(BackoffPolicy p) : Backoff(p, std::random_device{}()) {}

Backoff::Backoff(BackoffPolicy p, uint64_t seed) : p_(p), jitter_(g_retry_jitter), rng_(seed)
{
	p_.max_ms = std::max(p_.max_ms, p_.first_ms);
}

uint64_t Backoff::next_ms()
{
	return delay_ms(++attempts_);
}

uint64_t Backoff::ceiling_ms(unsigned attempt) const
{
	uint64_t d = p_.first_ms;
	for (unsigned i = 1; i < attempt && d < p_.max_ms; ++i)
		d *= 2;
	return std::min(d, p_.max_ms);
}

uint64_t Backoff::delay_ms(unsigned attempt)
{
	const uint64_t ceiling = ceiling_ms(attempt);
	if (!jitter_)
		return ceiling;
	const uint64_t floor = ceiling - ceiling / 2;
	return std::uniform_int_distribution<uint64_t>(floor, ceiling)(rng_);
}

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
// The two clocks the agent reads (OS time, hence platform/): a monotonic one for latencies and
// uptimes (milliseconds, never jumps), and the wall clock as ISO 8601 UTC
// ("2026-11-30T09:20:00Z") for "since" fields a PBX or a person reads.
#pragma once

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>

namespace hotdesk
{

inline uint64_t monotonic_ms()
{
	using namespace std::chrono;
	return static_cast<uint64_t>(
	    duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

inline std::string utc_now_iso8601()
{
	const std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

} // namespace hotdesk

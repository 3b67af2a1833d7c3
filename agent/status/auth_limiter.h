// SPDX-License-Identifier: BSD-3-Clause
// Failed-authentication throttle per source address.
//
// After `max_failures` failures within `window_ms` an address is blocked for
// `block_ms`: the server then answers 429 without looking at the token, so
// guessing costs the attacker time, not us CPU. Pure (time is passed in) and
// bounded: at most `max_tracked` addresses are remembered; when full, the
// least recently seen one is forgotten.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace hotdesk
{

class AuthLimiter
{
public:
	struct Params {
		unsigned max_failures = 5;
		uint64_t window_ms = 60000;
		uint64_t block_ms = 30000;
		size_t max_tracked = 1024;
	};

	AuthLimiter() : AuthLimiter(Params{}) {}
	explicit AuthLimiter(Params p) : p_(p) {}

	// Milliseconds the address stays blocked, 0 when it may try.
	uint64_t blocked_for(const std::string &addr, uint64_t now_ms) const;
	void failure(const std::string &addr, uint64_t now_ms);
	void success(const std::string &addr) { by_addr_.erase(addr); }
	size_t tracked() const { return by_addr_.size(); }

private:
	struct Entry {
		std::deque<uint64_t> failures; // at most max_failures, oldest first
		uint64_t blocked_until = 0;
		uint64_t last_seen = 0;
	};

	void make_room(uint64_t now_ms);

	Params p_;
	std::unordered_map<std::string, Entry> by_addr_;
};

} // namespace hotdesk

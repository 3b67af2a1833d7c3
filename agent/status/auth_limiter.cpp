// SPDX-License-Identifier: BSD-3-Clause
#include "auth_limiter.h"

#include <iterator>

namespace hotdesk
{

uint64_t AuthLimiter::blocked_for(const std::string &addr, uint64_t now_ms) const
{
	const auto it = by_addr_.find(addr);
	if (it == by_addr_.end() || it->second.blocked_until <= now_ms)
		return 0;
	return it->second.blocked_until - now_ms;
}

void AuthLimiter::failure(const std::string &addr, uint64_t now_ms)
{
	if (!by_addr_.count(addr))
		make_room(now_ms);
	Entry &e = by_addr_[addr];
	e.last_seen = now_ms;
	while (!e.failures.empty() && now_ms - e.failures.front() > p_.window_ms)
		e.failures.pop_front();
	e.failures.push_back(now_ms);
	if (e.failures.size() >= p_.max_failures) {
		e.blocked_until = now_ms + p_.block_ms;
		e.failures.clear(); // a fresh window after the block
	}
}

// Forgets addresses with nothing left to remember, then, if still full, the
// one seen least recently. O(n) with n <= max_tracked, on failures only.
void AuthLimiter::make_room(uint64_t now_ms)
{
	if (by_addr_.size() < p_.max_tracked)
		return;
	for (auto it = by_addr_.begin(); it != by_addr_.end();) {
		const Entry &e = it->second;
		const bool stale =
		    e.blocked_until <= now_ms &&
		    (e.failures.empty() || now_ms - e.failures.back() > p_.window_ms);
		it = stale ? by_addr_.erase(it) : std::next(it);
	}
	if (by_addr_.size() < p_.max_tracked || by_addr_.empty())
		return;
	auto oldest = by_addr_.begin();
	for (auto it = by_addr_.begin(); it != by_addr_.end(); ++it)
		if (it->second.last_seen < oldest->second.last_seen)
			oldest = it;
	by_addr_.erase(oldest);
}

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
// The pool identity (e.g. HD0001): the phone's own account, from
// hotdeskd.conf until the device profile's identity 1 replaces it, and the
// account options every identity's baresip account line is built with
// (agent/core/account_line.h). A changed pool account goes into baresip
// make-before-break, but only when the phone is idle with no call up (the
// current account is what emergency calls have). A new pool account that
// does not register is not kept as the pool: the identity falls back to the
// last pool identity that registered (issue 14, kind 1), so the next logout
// returns to an account that works.
#pragma once

#include "../core/account_line.h"
#include "../core/identity.h"
#include "../profile/profile.h"
#include "baresip_accounts.h"

#include <functional>
#include <string>

namespace hotdesk
{

class PoolAccount
{
public:
	PoolAccount(Identity pool, AccountOptions options);
	~PoolAccount()
	{
		pool_.wipe();
		good_.wipe();
	}

	// The device profile's identity 1 and outbound proxy.
	void apply(const DeviceProfile &p);
	const Identity &identity() const { return pool_; }
	// The baresip account line of `id` (the pool or a person).
	std::string line(const Identity &id) const { return account_line(id, options_); }
	// The outbound proxy every identity's account line carries ("" for none).
	const std::string &outbound_proxy() const { return options_.outbound_proxy; }
	// Puts the pool account into baresip when it differs from what baresip
	// holds; `idle`: the phone is the pool, no call is up, nothing swaps.
	// `done` (optional) hears whether the new account registered;
	// `fell_back` is called when it failed and the identity went back to
	// the last one that registered. True when a swap started.
	bool swap_if_changed(BaresipAccounts &accounts, bool idle,
	                     std::function<void(bool ok)> done = {},
	                     std::function<void()> fell_back = {});
	// The pool's account is registered as it is now: the fallback from now on.
	void mark_registered();
	// The pool's account does not register (refused, or no answer by the
	// deadline): put the fallback in (the last pool identity that registered,
	// at first hotdeskd.conf's) when it differs, and only when `idle` (the
	// phone is the pool, no call up). Once per identity: true when it did.
	// When what fails is the fallback itself while the pool account is
	// another (a device profile's, not tried yet), that one is put in
	// instead (swap_if_changed). `done` hears whether it registered.
	bool fall_back_now(BaresipAccounts &accounts, bool idle,
	                   std::function<void(bool ok)> done = {});

private:
	bool fall_back();
	// baresip is being given, or holds, hotdeskd.conf's pool account, and
	// no pool account has registered yet.
	bool on_unproven_fallback(const BaresipAccounts &accounts) const;
	Identity pool_;
	AccountOptions options_;
	Identity good_; // the last pool identity that registered
	AccountOptions good_options_;
	bool have_good_ = false;
	// The pool account line that did not register (a hash: it holds the
	// password). It is not swapped to again: the same device profile applied
	// once more (the cached one at start, a re-check) is not a new one, and
	// trying it would take the working account out again (seen: a reboot with
	// a refused pool cached ended with no pool registered).
	size_t refused_line_ = 0;
	static size_t line_hash(const std::string &line);
	bool good_proven_ = false; // good_ registered (not only hotdeskd.conf's)
};

} // namespace hotdesk

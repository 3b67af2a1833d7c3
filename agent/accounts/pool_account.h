// SPDX-License-Identifier: BSD-3-Clause
// The pool identity (e.g. HD0001): the phone's own account, from
// hotdeskd.conf until the device profile's identity 1 replaces it, and the
// account options every identity's baresip account line is built with
// (agent/core/account_line.h). A changed pool account goes into baresip
// make-before-break, but only when the phone is idle with no call up (the
// current account is what emergency calls have).
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
	~PoolAccount() { pool_.wipe(); }

	// The device profile's identity 1 and outbound proxy.
	void apply(const DeviceProfile &p);
	const Identity &identity() const { return pool_; }
	// The baresip account line of `id` (the pool or a person).
	std::string line(const Identity &id) const { return account_line(id, options_); }
	// Puts the pool account into baresip when it differs from what baresip
	// holds; `idle`: the phone is the pool, no call is up, nothing swaps.
	// `done` (optional) hears whether the new account registered.
	void swap_if_changed(BaresipAccounts &accounts, bool idle,
	                     std::function<void(bool ok)> done = {}) const;

private:
	Identity pool_;
	AccountOptions options_;
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "pool_account.h"

#include "../core/log.h"

#include <functional>

namespace hotdesk
{

PoolAccount::PoolAccount(Identity pool, AccountOptions options)
    : pool_(std::move(pool)), options_(std::move(options))
{
	pool_.pool = true;
	// Until a pool account registers, the fallback is hotdeskd.conf's.
	mark_registered();
	good_proven_ = false;
}

void PoolAccount::apply(const DeviceProfile &p)
{
	pool_.wipe();
	pool_ = Identity{};
	pool_.pool = true;
	pool_.ext = p.pool_ext;
	pool_.name = p.pool.realname;
	pool_.sip_user = p.pool.user;
	pool_.auth_user = p.pool.auth_user;
	pool_.sip_password = p.pool.password;
	pool_.domain = p.pool.host;
	options_.outbound_proxy = p.pool.outbound;
}

void PoolAccount::mark_registered()
{
	good_.wipe();
	good_ = pool_;
	good_options_ = options_;
	have_good_ = true;
	good_proven_ = true;
}

bool PoolAccount::on_unproven_fallback(const BaresipAccounts &accounts) const
{
	return have_good_ && !good_proven_ && accounts.state() != AccountsState::Offline &&
	       accounts.wanted_line() == account_line(good_, good_options_);
}

bool PoolAccount::fall_back_now(BaresipAccounts &accounts, bool idle,
                                std::function<void(bool ok)> done)
{
	// A swap asked for while the accounts machine re-applies waits for it.
	if (!idle)
		return false;
	// What fails is hotdeskd.conf's pool account, which never registered,
	// while the device profile's waits untried (it came during the first
	// REGISTER; with a 3CX authentication ID only the profile's account can
	// register): that one goes in, it is not given up.
	if (on_unproven_fallback(accounts) && accounts.wanted_line() != line(pool_)) {
		log_warn("pool: " + good_.aor() +
		         " does not register; the device profile's goes in");
		return swap_if_changed(accounts, idle, std::move(done));
	}
	const size_t failing = line_hash(line(pool_));
	if (!fall_back())
		return false;
	refused_line_ = failing;
	log_warn("pool: the pool account does not register; back to " + good_.aor() +
	         " (the last pool identity that registered, or hotdeskd.conf's)");
	accounts.swap(line(pool_), pool_.aor(), true, "pool",
	              [this, done](bool ok, const std::string &) {
		              if (ok)
			              mark_registered();
		              if (done)
			              done(ok);
	              });
	return true;
}

size_t PoolAccount::line_hash(const std::string &line)
{
	return std::hash<std::string>{}(line);
}

bool PoolAccount::fall_back()
{
	if (!have_good_ || account_line(good_, good_options_) == line(pool_))
		return false;
	pool_.wipe();
	pool_ = good_;
	options_ = good_options_;
	return true;
}

bool PoolAccount::swap_if_changed(BaresipAccounts &accounts, bool idle,
                                  std::function<void(bool ok)> done,
                                  std::function<void()> fell_back)
{
	const std::string want = line(pool_);
	// Settled; or still putting in hotdeskd.conf's pool account, which never
	// registered (a re-apply after connecting): the swap waits for that
	// (BaresipAccounts queues it), rather than the device profile's account
	// waiting for the next profile.
	const bool settled = accounts.state() == AccountsState::Ready &&
	                     accounts.wanted_aor() == accounts.in_baresip();
	if (!idle || (!settled && !on_unproven_fallback(accounts)))
		return false;
	if (accounts.wanted_aor() == pool_.aor() && accounts.wanted_line() == want)
		return false;
	if (line_hash(want) == refused_line_) {
		log_info("pool: the device profile's pool account did not register before: kept " +
		         accounts.in_baresip() + " until another one comes");
		if (fall_back() && fell_back) // later swaps to the pool use the working one
			fell_back();
		return false;
	}
	const std::string old = accounts.in_baresip();
	accounts.swap(
	    want, pool_.aor(), false, "pool",
	    [this, old, done, fell_back, tried = line_hash(want)](bool ok, const std::string &why) {
		    if (done)
			    done(ok);
		    if (ok) {
			    mark_registered();
			    return;
		    }
		    log_error("pool: the new pool account did not register (" + why +
		              "); keeping " + old);
		    refused_line_ = tried;
		    if (fall_back() && fell_back)
			    fell_back();
	    });
	return true;
}

} // namespace hotdesk

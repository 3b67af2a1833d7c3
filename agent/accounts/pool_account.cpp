// SPDX-License-Identifier: BSD-3-Clause
#include "pool_account.h"

#include "../core/log.h"

namespace hotdesk
{

PoolAccount::PoolAccount(Identity pool, AccountOptions options)
    : pool_(std::move(pool)), options_(std::move(options))
{
	pool_.pool = true;
	// Until a pool account registers, the fallback is hotdeskd.conf's.
	mark_registered();
}

void PoolAccount::apply(const DeviceProfile &p)
{
	pool_.wipe();
	pool_ = Identity{};
	pool_.pool = true;
	pool_.ext = p.pool_ext;
	pool_.name = p.pool.realname;
	pool_.sip_user = p.pool.user;
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
}

bool PoolAccount::fall_back_now(BaresipAccounts &accounts, bool idle,
                                std::function<void(bool ok)> done)
{
	// A swap asked for while the accounts machine re-applies waits for it.
	if (!idle || !fall_back())
		return false;
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

bool PoolAccount::fall_back()
{
	if (!have_good_ || account_line(good_, good_options_) == line(pool_))
		return false;
	pool_.wipe();
	pool_ = good_;
	options_ = good_options_;
	return true;
}

void PoolAccount::swap_if_changed(BaresipAccounts &accounts, bool idle,
                                  std::function<void(bool ok)> done,
                                  std::function<void()> fell_back)
{
	const std::string want = line(pool_);
	if (!idle || accounts.state() != AccountsState::Ready ||
	    accounts.wanted_aor() != accounts.in_baresip())
		return;
	if (accounts.wanted_aor() == pool_.aor() && accounts.wanted_line() == want)
		return;
	const std::string old = accounts.in_baresip();
	accounts.swap(want, pool_.aor(), false, "pool",
	              [this, old, done, fell_back](bool ok, const std::string &why) {
		              if (done)
			              done(ok);
		              if (ok) {
			              mark_registered();
			              return;
		              }
		              log_error("pool: the new pool account did not register (" + why +
		                        "); keeping " + old);
		              if (fall_back() && fell_back)
			              fell_back();
	              });
}

} // namespace hotdesk

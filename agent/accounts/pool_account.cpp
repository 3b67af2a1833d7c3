// SPDX-License-Identifier: BSD-3-Clause
#include "pool_account.h"

#include "../core/log.h"

namespace hotdesk
{

PoolAccount::PoolAccount(Identity pool, AccountOptions options)
    : pool_(std::move(pool)), options_(std::move(options))
{
	pool_.pool = true;
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

void PoolAccount::swap_if_changed(BaresipAccounts &accounts, bool idle,
                                  std::function<void(bool ok)> done) const
{
	const std::string want = line(pool_);
	if (!idle || accounts.state() != AccountsState::Ready ||
	    accounts.wanted_aor() != accounts.in_baresip())
		return;
	if (accounts.wanted_aor() == pool_.aor() && accounts.wanted_line() == want)
		return;
	const std::string old = accounts.in_baresip();
	accounts.swap(want, pool_.aor(), false, "pool",
	              [old, done](bool ok, const std::string &why) {
		              if (!ok)
			              log_error("pool: the new pool account did not register (" +
			                        why + "); keeping " + old);
		              if (done)
			              done(ok);
	              });
}

} // namespace hotdesk

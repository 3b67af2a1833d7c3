// SPDX-License-Identifier: BSD-3-Clause
// Make-before-break swap of baresip's SIP account over ctrl_tcp:
//
//   uanew NEW -> uafind NEW -> wait REGISTER_OK(NEW) -> uadel OLD
//
// baresip 1.0.0 keeps a "current account" pointer that dangles when the
// current or the last account is deleted, so the new account is made current
// before the old one goes, and the phone is never without an account.
// On REGISTER_FAIL or timeout: uafind OLD -> uadel NEW (rollback), unless
// force_break (logout), where OLD goes anyway and NEW keeps retrying.
#pragma once

#include "../ctrl/ctrl_client.h"

#include <functional>
#include <string>

namespace hotdesk
{

class AccountSwap
{
public:
	using Done = std::function<void(bool ok, const std::string &reason)>;

	AccountSwap(CtrlClient &ctrl, unsigned register_timeout_ms);
	~AccountSwap();

	// old_aor may be empty (nothing to remove). Only one swap at a time.
	// `label` ("login", "roam", "logout", "pool") names the crash points
	// "<label>.after_uanew", ".after_register_ok", ".after_uadel".
	void start(const std::string &old_aor, const std::string &new_line,
	           const std::string &new_aor, bool force_break, Done done,
	           const std::string &label = "swap");
	bool busy() const { return static_cast<bool>(done_); }
	// baresip went away: whatever it held is gone, so there is nothing to
	// roll back; report failure now (the owner re-applies its identity to
	// the reconnected baresip).
	void abort(const std::string &why);
	// Feed REGISTER_OK / REGISTER_FAIL events.
	void on_register(const std::string &aor, bool ok, const std::string &param);

private:
	void registered();
	void failed(const std::string &why);
	void finish(bool ok, const std::string &why);
	static void timeout_h(void *arg);

	CtrlClient &ctrl_;
	unsigned timeout_ms_;
	std::string old_aor_, new_aor_, label_;
	void crash(const char *step) const;
	bool force_break_ = false;
	bool waiting_register_ = false;
	bool register_seen_ = false;
	bool selected_ = false;
	Done done_;
	struct tmr tmr_ {
	};
	unsigned generation_ = 0;
};

} // namespace hotdesk

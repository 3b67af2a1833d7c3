// SPDX-License-Identifier: BSD-3-Clause
#include "account_swap.h"

#include "../../platform/fault/crash_point.h"
#include "../core/log.h"

namespace hotdesk
{

AccountSwap::AccountSwap(CtrlClient &ctrl, unsigned register_timeout_ms)
    : ctrl_(ctrl), timeout_ms_(register_timeout_ms)
{
	tmr_init(&tmr_);
}

AccountSwap::~AccountSwap()
{
	tmr_cancel(&tmr_);
}

void AccountSwap::start(const std::string &old_aor, const std::string &new_line,
                        const std::string &new_aor, bool force_break, Done done,
                        const std::string &label)
{
	label_ = label;
	if (busy()) {
		done(false, "another account change is in progress");
		return;
	}
	old_aor_ = old_aor == new_aor ? std::string() : old_aor;
	new_aor_ = new_aor;
	force_break_ = force_break;
	register_seen_ = false;
	selected_ = false;
	waiting_register_ = true;
	done_ = std::move(done);
	const unsigned gen = ++generation_;
	log_info("swap: " + (old_aor_.empty() ? std::string("(none)") : old_aor_) + " -> " +
	         new_aor_);
	tmr_start(&tmr_, timeout_ms_, timeout_h, this);
	ctrl_.request("uanew", new_line, [this, gen](Expected<std::string> r) {
		if (gen != generation_ || !busy())
			return;
		if (!r) {
			failed("uanew: " + r.error().what);
			return;
		}
		crash("after_uanew");
		ctrl_.request("uafind", new_aor_, [this, gen](Expected<std::string> r2) {
			if (gen != generation_ || !busy())
				return;
			if (!r2) {
				failed("uafind: " + r2.error().what);
				return;
			}
			selected_ = true;
			if (register_seen_)
				registered();
		});
	});
}

void AccountSwap::on_register(const std::string &aor, bool ok, const std::string &param)
{
	if (!busy() || !waiting_register_ || aor != new_aor_)
		return;
	if (!ok) {
		failed("registrar said " + param);
		return;
	}
	register_seen_ = true;
	if (selected_)
		registered();
}

void AccountSwap::registered()
{
	waiting_register_ = false;
	tmr_cancel(&tmr_);
	crash("after_register_ok");
	if (old_aor_.empty()) {
		finish(true, "");
		return;
	}
	const unsigned gen = generation_;
	ctrl_.request("uadel", old_aor_, [this, gen](Expected<std::string> r) {
		if (gen != generation_ || !busy())
			return;
		if (!r) // already gone (e.g. baresip restarted) is fine
			log_warn("swap: uadel " + old_aor_ + ": " + r.error().what);
		crash("after_uadel");
		finish(true, "");
	});
}

void AccountSwap::failed(const std::string &why)
{
	waiting_register_ = false;
	tmr_cancel(&tmr_);
	log_warn("swap to " + new_aor_ + " failed: " + why);
	const unsigned gen = generation_;
	const std::string keep = force_break_ || old_aor_.empty() ? new_aor_ : old_aor_;
	const std::string drop = force_break_ || old_aor_.empty() ? old_aor_ : new_aor_;
	// Select the account that stays before deleting the other one.
	ctrl_.request("uafind", keep, [this, gen, drop, why](Expected<std::string>) {
		if (gen != generation_ || !busy())
			return;
		if (drop.empty()) {
			finish(false, why);
			return;
		}
		ctrl_.request("uadel", drop, [this, gen, why](Expected<std::string>) {
			if (gen != generation_ || !busy())
				return;
			finish(false, why);
		});
	});
}

void AccountSwap::abort(const std::string &why)
{
	if (!busy())
		return;
	waiting_register_ = false;
	tmr_cancel(&tmr_);
	++generation_; // callbacks of requests still in flight do nothing
	log_warn("swap to " + new_aor_ + " aborted: " + why);
	finish(false, why);
}

void AccountSwap::finish(bool ok, const std::string &why)
{
	auto done = std::move(done_);
	done_ = nullptr;
	if (done)
		done(ok, why);
}

void AccountSwap::crash(const char *step) const
{
	platform::crash_point((label_ + "." + step).c_str());
}

void AccountSwap::timeout_h(void *arg)
{
	auto *self = static_cast<AccountSwap *>(arg);
	self->failed("no registration within " + std::to_string(self->timeout_ms_) + " ms");
}

} // namespace hotdesk

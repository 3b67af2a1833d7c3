// SPDX-License-Identifier: BSD-3-Clause
// Whether the occupant's identity is registered, from baresip's REGISTER
// events (class "register": REGISTERING, REGISTER_OK, REGISTER_FAIL with
// the registrar's status line in `param`), as the status API's word
// (registered | registering | failed | unknown) and as service up/down for
// the session. Events of an account swap in progress belong to the swap
// (BaresipAccounts) and only move the word here.
#pragma once

#include "../ctrl/ctrl_message.h"

#include <functional>
#include <string>

namespace hotdesk
{

class RegistrationHealth
{
public:
	struct Handlers {
		std::function<void(bool up)> service; // the occupant's registration came or went
		std::function<void()> changed;        // word() changed
	};
	explicit RegistrationHealth(Handlers h) : h_(std::move(h)) {}

	// A register-class event; `occupant` is the AOR in force, `swapping`
	// whether a swap owns the registration events now.
	void on_event(const CtrlMessage &m, const std::string &occupant, bool swapping);
	// baresip (re-read after a reconnect) has the occupant's account
	// registered: as good as the REGISTER_OK that went by unseen.
	void found_registered(const std::string &aor, const std::string &occupant);
	// baresip went away: nothing is known.
	void lost();
	const std::string &word() const { return word_; }

private:
	void set(const std::string &w);
	Handlers h_;
	std::string word_ = "unknown";
};

} // namespace hotdesk

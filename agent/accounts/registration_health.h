// SPDX-License-Identifier: BSD-3-Clause
// Whether the occupant's identity is registered, from baresip's REGISTER
// events (class "register": REGISTERING, REGISTER_OK, REGISTER_FAIL with
// the registrar's status line in `param`) and from hotdeskd's own
// deadlines, as the status API's word (registered | registering | failed |
// unknown) and as service up/down for the session. Events of an account
// swap in progress belong to the swap (BaresipAccounts) and only move the
// word here.
//
// What an answer means is agent/core/registration_policy.h (one table); this
// owner applies it: the words for the display, the log line, and
// DropPerson for a committed person refused for good.
//
// Deadlines (issue 14, kind 6): baresip says nothing for a registrar name
// that does not resolve and takes 32 s to report an unreachable one, so a
// registration not confirmed within `deadline_ms` of the account going in
// (expect()) or of REGISTERING counts as failed ("Registrar not answering")
// until a REGISTER_OK comes. A registration whose granted time runs out
// without a refresh counts as failed too (the registrar dropped the binding).
#pragma once

#include "../core/registration_policy.h"
#include "../ctrl/ctrl_message.h"

#include <re.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace hotdesk
{

class RegistrationHealth
{
public:
	struct Handlers {
		// The occupant's registration came or went; `words` say why it went
		// ("Password refused (401)"; "" when up).
		std::function<void(bool up, const std::string &words)> service;
		std::function<void()> changed; // word() changed
		// The policy says: the committed person's credentials were refused
		// for good (display words, log text).
		std::function<void(const std::string &words, const std::string &why)> drop_person;
		// Re-register the occupant's account now (the registrar did not
		// answer; libre's own retry may be up to 30 min away). Returns
		// false when it cannot now (a call is up, a swap runs).
		std::function<bool()> reregister;
	};
	// retry_ms: how often to re-register while nothing answers (0: never);
	// at most kRetryBudget times per kRetryWindowMs.
	RegistrationHealth(Handlers h, unsigned deadline_ms, unsigned retry_ms = 0);
	static constexpr unsigned kRetryBudget = 5;
	static constexpr unsigned kRetryWindowMs = 600000;
	~RegistrationHealth();
	RegistrationHealth(const RegistrationHealth &) = delete;
	RegistrationHealth &operator=(const RegistrationHealth &) = delete;

	// A register-class event; `occupant` is the AOR in force, `person`
	// whether a person (not the pool) holds it, `swapping` whether a swap
	// owns the registration events now.
	void on_event(const CtrlMessage &m, const std::string &occupant, bool person,
	              bool swapping);
	// The occupant's account went into baresip (connect, re-apply, a failed
	// swap that kept it): its registration has deadline_ms to be confirmed.
	void expect(const std::string &aor);
	// baresip (re-read after a reconnect) has the occupant's account
	// registered: as good as the REGISTER_OK that went by unseen.
	void found_registered(const std::string &aor, const std::string &occupant);
	// What the registrar granted (seconds, from `reginfo`), logged beside
	// what was asked; the registration counts as failed if no refresh comes
	// within it.
	void granted(const std::string &aor, unsigned granted_s, unsigned asked_s);
	// baresip went away: nothing is known.
	void lost();
	const std::string &word() const { return word_; }

private:
	void set(const std::string &w);
	void up();
	void registered_now();
	void start_deadline(unsigned ms, const char *what);
	void deadline_passed();
	void failed_no_answer();
	void retry_due();
	Handlers h_;
	unsigned deadline_ms_;
	std::string word_ = "unknown";
	std::string aor_;                   // the AOR the deadline watches
	const char *waiting_ = "";          // what the running deadline waits for
	unsigned long long granted_ms_ = 0; // what the registrar granted aor_
	struct tmr tmr_ {
	};
	unsigned retry_ms_;
	std::vector<uint64_t> retries_; // when hotdeskd re-registered (tmr_jiffies)
	struct tmr retry_tmr_ {
	};
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "registration_health.h"

#include "../core/log.h"

namespace hotdesk
{

RegistrationHealth::RegistrationHealth(Handlers h, unsigned deadline_ms, unsigned retry_ms)
    : h_(std::move(h)), deadline_ms_(deadline_ms), retry_ms_(retry_ms)
{
	tmr_init(&tmr_);
	tmr_init(&retry_tmr_);
}

RegistrationHealth::~RegistrationHealth()
{
	tmr_cancel(&tmr_);
	tmr_cancel(&retry_tmr_);
}

void RegistrationHealth::on_event(const CtrlMessage &m, const std::string &occupant, bool person,
                                  bool swapping)
{
	if (m.aor != occupant)
		return;
	if (m.aor != aor_) {
		granted_ms_ = 0; // another account: nothing granted to it yet
		aor_ = m.aor;
	}
	if (m.type == "REGISTERING") {
		if (word_ != "registered")
			set("registering");
		if (!swapping)
			start_deadline(deadline_ms_, "confirmed");
		return;
	}
	if (m.type != "REGISTER_OK" && m.type != "REGISTER_FAIL")
		return;
	const RegisterStatus s = parse_register_param(m.type == "REGISTER_OK", m.param);
	if (s.answer == RegisterAnswer::Registered) {
		registered_now();
		if (!swapping)
			up();
		return;
	}
	tmr_cancel(&tmr_);
	set("failed");
	if (swapping)
		return; // the swap rolls back (BaresipAccounts); the policy's Joining row
	const RegisterAction a =
	    register_action(s.answer, person ? RegisterHolder::Person : RegisterHolder::Pool);
	log_warn("registration: " + m.aor + " refused: " + register_log_text(s) + " (" +
	         register_answer_name(s.answer) + ", " + register_action_name(a) + ")");
	const std::string words = register_display_text(s);
	h_.service(false, words);
	// Nobody answered: hotdeskd re-registers on its own schedule. A refusal
	// (a 503 included: its Retry-After is not visible through baresip, and
	// libre waits at least 30 s) is left to libre's backoff.
	if (s.answer == RegisterAnswer::NoAnswer)
		failed_no_answer();
	if (a == RegisterAction::DropPerson && h_.drop_person)
		h_.drop_person(words, "registration refused: " + register_log_text(s));
}

void RegistrationHealth::expect(const std::string &aor)
{
	if (aor != aor_)
		granted_ms_ = 0; // another account: nothing granted to it yet
	aor_ = aor;
	if (word_ == "registered")
		return;
	if (word_ == "unknown")
		set("registering");
	start_deadline(deadline_ms_, "confirmed");
}

void RegistrationHealth::found_registered(const std::string &aor, const std::string &occupant)
{
	if (aor != occupant)
		return;
	if (aor != aor_)
		granted_ms_ = 0;
	aor_ = aor;
	registered_now();
	up();
}

void RegistrationHealth::granted(const std::string &aor, unsigned granted_s, unsigned asked_s)
{
	if (aor != aor_ || word_ != "registered")
		return;
	log_info("registration: " + aor + " registered for " + std::to_string(granted_s) +
	         " s (asked " + std::to_string(asked_s) + " s)" +
	         (granted_s != asked_s ? ": the registrar chose the interval" : ""));
	granted_ms_ = granted_s * 1000ull;
	registered_now();
}

// libre refreshes at 90 % of the granted time; no REGISTER_OK by the end of
// it means the registrar has no binding any more.
void RegistrationHealth::registered_now()
{
	tmr_cancel(&retry_tmr_);
	set("registered");
	if (granted_ms_ > 0)
		start_deadline(static_cast<unsigned>(granted_ms_ + deadline_ms_), "refreshed");
	else
		tmr_cancel(&tmr_);
}

void RegistrationHealth::lost()
{
	tmr_cancel(&tmr_);
	tmr_cancel(&retry_tmr_);
	granted_ms_ = 0;
	set("unknown");
}

void RegistrationHealth::up()
{
	h_.service(true, "");
}

void RegistrationHealth::start_deadline(unsigned ms, const char *what)
{
	waiting_ = what;
	tmr_start(
	    &tmr_, ms, [](void *arg) { static_cast<RegistrationHealth *>(arg)->deadline_passed(); },
	    this);
}

void RegistrationHealth::deadline_passed()
{
	log_warn("registration: " + aor_ + " not " + waiting_ + " in time; counted as failed");
	set("failed");
	h_.service(false, register_display_text(RegisterStatus{}));
	failed_no_answer();
}

void RegistrationHealth::failed_no_answer()
{
	if (retry_ms_ == 0 || tmr_isrunning(&retry_tmr_))
		return;
	tmr_start(
	    &retry_tmr_, retry_ms_,
	    [](void *arg) { static_cast<RegistrationHealth *>(arg)->retry_due(); }, this);
}

// At most kRetryBudget re-registrations per kRetryWindowMs: a registrar that
// bans addresses after many REGISTERs must not lock the desk out.
void RegistrationHealth::retry_due()
{
	if (word_ == "registered")
		return;
	const uint64_t now = tmr_jiffies();
	std::vector<uint64_t> recent;
	for (uint64_t t : retries_)
		if (now - t < kRetryWindowMs)
			recent.push_back(t);
	retries_ = recent;
	if (retries_.size() >= kRetryBudget) {
		const uint64_t wait = retries_.front() + kRetryWindowMs - now;
		tmr_start(
		    &retry_tmr_, wait,
		    [](void *arg) { static_cast<RegistrationHealth *>(arg)->retry_due(); }, this);
		return;
	}
	if (h_.reregister && h_.reregister()) {
		retries_.push_back(now);
		log_info("registration: " + aor_ + " re-registered by hotdeskd (" +
		         std::to_string(retries_.size()) + " in the last 10 min)");
	}
	failed_no_answer();
}

void RegistrationHealth::set(const std::string &w)
{
	if (w == word_)
		return;
	word_ = w;
	h_.changed();
}

} // namespace hotdesk

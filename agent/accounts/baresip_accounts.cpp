// SPDX-License-Identifier: BSD-3-Clause
#include "baresip_accounts.h"

#include "../core/call_census.h"

#include "../../platform/fault/crash_point.h"
#include "../core/log.h"
#include "../core/text.h"
#include "../ctrl/reginfo.h"

#include <algorithm>
#include <iterator>
#include <memory>

namespace hotdesk
{

using S = AccountsState;
using E = AccountsEvent;
using A = BaresipAccounts;

// clang-format off
// First matching row wins; a guard of nullptr always matches. An event with
// no row is a bug and is logged as one. Keep
// docs/accounts-state-machine.dot in step (scripts/gen-state-diagram).
const BaresipAccounts::Row BaresipAccounts::kTable[] = {
	// from            event             guard                  to               action
	{S::Offline,     E::Up,            nullptr,               S::Listing,      &A::list},
	{S::Offline,     E::Apply,         nullptr,               S::Offline,      &A::lost},
	{S::Offline,     E::Down,          nullptr,               S::Offline,      &A::noop},
	{S::Offline,     E::RegisterOk,    nullptr,               S::Offline,      &A::noop},
	{S::Offline,     E::RegisterFail,  nullptr,               S::Offline,      &A::noop},
	{S::Offline,     E::Timeout,       nullptr,               S::Offline,      &A::noop},
	{S::Offline,     E::Refresh,       nullptr,               S::Offline,      &A::noop},

	{S::Listing,     E::Listed,        &A::nothing_wanted,    S::Ready,        &A::finish_reapply},
	{S::Listing,     E::Listed,        &A::all_present,       S::Selecting,    &A::select},
	{S::Listing,     E::Listed,        nullptr,               S::Adding,       &A::add},
	{S::Listing,     E::CommandFail,   nullptr,               S::Ready,        &A::reapply_failed},

	// The old account's REGISTER events until its uadel answered are its
	// own: ignored (add_after_clearing() forgets them).
	{S::Clearing,    E::CommandOk,     &A::more_steps,        S::Clearing,     &A::step_next},
	{S::Clearing,    E::CommandOk,     nullptr,               S::Adding,       &A::add_after_clearing},
	{S::Clearing,    E::CommandFail,   nullptr,               S::Listing,      &A::clearing_failed},
	{S::Clearing,    E::RegisterOk,    nullptr,               S::Clearing,     &A::noop},
	{S::Clearing,    E::RegisterFail,  nullptr,               S::Clearing,     &A::noop},
	{S::Clearing,    E::Timeout,       nullptr,               S::Clearing,     &A::noop},
	{S::Clearing,    E::Apply,         nullptr,               S::Clearing,     &A::noop},
	{S::Clearing,    E::Refresh,       nullptr,               S::Clearing,     &A::noop},
	{S::Clearing,    E::Down,          nullptr,               S::Offline,      &A::lost},

	{S::Adding,      E::CommandOk,     &A::more_to_add,       S::Adding,       &A::add},
	{S::Adding,      E::CommandOk,     nullptr,               S::Selecting,    &A::select},
	{S::Adding,      E::CommandFail,   &A::cleared_first,     S::Listing,      &A::clearing_failed},
	{S::Adding,      E::CommandFail,   &A::is_swap,           S::RollingBack,  &A::roll_back},
	{S::Adding,      E::CommandFail,   nullptr,               S::Ready,        &A::reapply_failed},
	{S::Adding,      E::Timeout,       &A::cleared_first,     S::Listing,      &A::clearing_failed},
	{S::Adding,      E::Timeout,       &A::is_swap,           S::RollingBack,  &A::roll_back},

	{S::Selecting,   E::CommandOk,     &A::register_refused,  S::RollingBack,  &A::roll_back},
	{S::Selecting,   E::CommandOk,     &A::register_seen,     S::Removing,     &A::registered},
	{S::Selecting,   E::CommandOk,     &A::is_swap,           S::Registering,  &A::noop},
	{S::Selecting,   E::CommandOk,     nullptr,               S::Removing,     &A::start_removing},
	{S::Selecting,   E::CommandFail,   &A::is_swap,           S::RollingBack,  &A::roll_back},
	{S::Selecting,   E::CommandFail,   nullptr,               S::Ready,        &A::reapply_failed},
	{S::Selecting,   E::Timeout,       &A::is_swap,           S::RollingBack,  &A::roll_back},

	{S::Registering, E::RegisterOk,    nullptr,               S::Removing,     &A::registered},
	{S::Registering, E::RegisterFail,  nullptr,               S::RollingBack,  &A::roll_back},
	{S::Registering, E::Timeout,       nullptr,               S::RollingBack,  &A::roll_back},

	{S::Removing,    E::CommandOk,     &A::more_to_remove,    S::Removing,     &A::remove_next},
	{S::Removing,    E::CommandFail,   &A::more_to_remove,    S::Removing,     &A::remove_next},
	{S::Removing,    E::CommandOk,     &A::is_swap,           S::Ready,        &A::finish_ok},
	{S::Removing,    E::CommandFail,   &A::is_swap,           S::Ready,        &A::finish_ok},
	{S::Removing,    E::CommandOk,     nullptr,               S::Ready,        &A::finish_reapply},
	{S::Removing,    E::CommandFail,   nullptr,               S::Ready,        &A::finish_reapply},

	{S::RollingBack, E::CommandOk,     &A::more_to_remove,    S::RollingBack,  &A::remove_next},
	{S::RollingBack, E::CommandFail,   &A::more_to_remove,    S::RollingBack,  &A::remove_next},
	{S::RollingBack, E::CommandOk,     nullptr,               S::Ready,        &A::finish_failed},
	{S::RollingBack, E::CommandFail,   nullptr,               S::Ready,        &A::finish_failed},

	{S::Ready,       E::Apply,         &A::job_to_kept,       S::Selecting,    &A::start_job_to_kept},
	{S::Ready,       E::Apply,         &A::job_clears_first,  S::Clearing,     &A::start_job_clearing},
	{S::Ready,       E::Apply,         &A::has_job,           S::Adding,       &A::start_job},
	{S::Ready,       E::Apply,         nullptr,               S::Ready,        &A::noop},
	{S::Ready,       E::RegisterOk,    nullptr,               S::Ready,        &A::noop},
	{S::Ready,       E::RegisterFail,  nullptr,               S::Ready,        &A::noop},
	{S::Ready,       E::Timeout,       nullptr,               S::Ready,        &A::noop},
	{S::Ready,       E::Refresh,       nullptr,               S::Listing,      &A::list},

	// In every connected state: baresip going away ends whatever ran
	// (what it held is gone, nothing to roll back); an account change asked
	// for meanwhile waits; registrations of other steps are recorded by
	// on_register() and need no transition.
	{S::Listing,     E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Adding,      E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Selecting,   E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Registering, E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Removing,    E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::RollingBack, E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Ready,       E::Down,          nullptr,               S::Offline,      &A::lost},
	{S::Listing,     E::Apply,         nullptr,               S::Listing,      &A::noop},
	{S::Adding,      E::Apply,         nullptr,               S::Adding,       &A::noop},
	{S::Selecting,   E::Apply,         nullptr,               S::Selecting,    &A::noop},
	{S::Registering, E::Apply,         nullptr,               S::Registering,  &A::noop},
	{S::Removing,    E::Apply,         nullptr,               S::Removing,     &A::noop},
	{S::RollingBack, E::Apply,         nullptr,               S::RollingBack,  &A::noop},
	{S::Listing,     E::RegisterOk,    nullptr,               S::Listing,      &A::noop},
	{S::Listing,     E::RegisterFail,  nullptr,               S::Listing,      &A::noop},
	{S::Adding,      E::RegisterOk,    nullptr,               S::Adding,       &A::noop},
	{S::Adding,      E::RegisterFail,  nullptr,               S::Adding,       &A::noop},
	{S::Selecting,   E::RegisterOk,    nullptr,               S::Selecting,    &A::noop},
	{S::Selecting,   E::RegisterFail,  nullptr,               S::Selecting,    &A::noop},
	{S::Removing,    E::RegisterOk,    nullptr,               S::Removing,     &A::noop},
	{S::Removing,    E::RegisterFail,  nullptr,               S::Removing,     &A::noop},
	{S::RollingBack, E::RegisterOk,    nullptr,               S::RollingBack,  &A::noop},
	{S::RollingBack, E::RegisterFail,  nullptr,               S::RollingBack,  &A::noop},
	{S::Removing,    E::Timeout,       nullptr,               S::Removing,     &A::noop},
	{S::RollingBack, E::Timeout,       nullptr,               S::RollingBack,  &A::noop},
	{S::Listing,     E::Timeout,       nullptr,               S::Listing,      &A::noop},
	// A kept account that changes while a step runs is applied after it
	// (next()).
	{S::Listing,     E::Refresh,       nullptr,               S::Listing,      &A::noop},
	{S::Adding,      E::Refresh,       nullptr,               S::Adding,       &A::noop},
	{S::Selecting,   E::Refresh,       nullptr,               S::Selecting,    &A::noop},
	{S::Registering, E::Refresh,       nullptr,               S::Registering,  &A::noop},
	{S::Removing,    E::Refresh,       nullptr,               S::Removing,     &A::noop},
	{S::RollingBack, E::Refresh,       nullptr,               S::RollingBack,  &A::noop},
};
// clang-format on

const BaresipAccounts::Row *BaresipAccounts::table_begin()
{
	return std::begin(kTable);
}
const BaresipAccounts::Row *BaresipAccounts::table_end()
{
	return std::end(kTable);
}

const char *accounts_state_name(AccountsState s)
{
	switch (s) {
	case S::Offline:
		return "offline";
	case S::Listing:
		return "listing";
	case S::Clearing:
		return "clearing";
	case S::Adding:
		return "adding";
	case S::Selecting:
		return "selecting";
	case S::Registering:
		return "registering";
	case S::Removing:
		return "removing";
	case S::RollingBack:
		return "rolling-back";
	case S::Ready:
		return "ready";
	}
	return "?";
}

const char *accounts_event_name(AccountsEvent e)
{
	switch (e) {
	case E::Up:
		return "Up";
	case E::Down:
		return "Down";
	case E::Apply:
		return "Apply";
	case E::Listed:
		return "Listed";
	case E::CommandOk:
		return "CommandOk";
	case E::CommandFail:
		return "CommandFail";
	case E::RegisterOk:
		return "RegisterOk";
	case E::RegisterFail:
		return "RegisterFail";
	case E::Timeout:
		return "Timeout";
	case E::Refresh:
		return "Refresh";
	}
	return "?";
}

BaresipAccounts::BaresipAccounts(CtrlClient &ctrl, unsigned register_timeout_ms)
    : ctrl_(ctrl), timeout_ms_(register_timeout_ms)
{
	tmr_init(&tmr_);
}

BaresipAccounts::~BaresipAccounts()
{
	tmr_cancel(&tmr_);
	++generation_;
}

void BaresipAccounts::want(const std::string &line, const std::string &aor)
{
	// The line holds a SIP password: assigning a shorter one in place would
	// leave the old one's tail behind in the buffer.
	wipe_secret(want_line_);
	want_line_ = line;
	want_aor_ = aor;
}

void BaresipAccounts::swap(const std::string &line, const std::string &aor, bool force_break,
                           const std::string &label, Done done, bool keep_if_silent)
{
	jobs_.push_back(Job{line, aor, label, force_break, std::move(done), keep_if_silent});
	post(E::Apply);
}

void BaresipAccounts::keep(const std::string &line, const std::string &aor)
{
	if (line == keep_line_ && aor == keep_aor_)
		return;
	keep_line_ = line;
	keep_aor_ = aor;
	keep_present_ = false; // the listing that follows tells
	keep_registered_ = false;
	refresh_ = true;
	post(E::Refresh);
}

bool BaresipAccounts::holds(const std::string &aor) const
{
	if (aor.empty() || state_ == AccountsState::Offline)
		return false;
	return aor == in_baresip_ || aor == selected_ || (aor == keep_aor_ && keep_present_) ||
	       aor == held_aor_; // its uadel waits for its call: it is still there
}

void BaresipAccounts::with_selected(const std::string &aor, std::function<void()> send)
{
	// A same-AOR change has the placeholder selected for a few ms: wait for
	// the next account, unless the change waits for a call on `aor`'s old
	// account (then for the whole call): uafind selects that one (the first
	// match) and the placeholder is selected again after.
	if (selected_ == kPlaceholderAor && aor != held_aor_) {
		when_dialable([this, aor, send] { with_selected(aor, send); });
		return;
	}
	if (!holds(aor)) {
		send();
		return;
	}
	auto warn = [aor](Expected<std::string> r) {
		if (!r)
			log_warn("accounts: uafind " + aor + " failed: " + r.error().what);
	};
	// Even when it is ours already: an incoming call selects its account
	// in baresip (menu's CALL_INCOMING handler).
	ctrl_.request("uafind", aor, warn);
	send();
	if (!selected_.empty() && selected_ != aor) {
		const std::string back = selected_;
		ctrl_.request("uafind", back, [back](Expected<std::string> r) {
			if (!r)
				log_warn("accounts: uafind " + back + " failed: " + r.error().what);
		});
	}
}

void BaresipAccounts::on_up()
{
	census_due_ = true;
	post(E::Up);
}

void BaresipAccounts::on_down(const std::string &why)
{
	why_ = "baresip connection lost (" + why + ")";
	post(E::Down);
}

void BaresipAccounts::on_register(const std::string &aor, bool ok, const std::string &param)
{
	if (!keep_aor_.empty() && aor == keep_aor_)
		keep_registered_ = ok;
	if (!swapping_ || aor != cur_.aor) {
		note_register(aor, ok);
		return;
	}
	if (ok) {
		register_seen_ = true;
	} else {
		register_refused_ = true;
		why_ = "registrar said " + param;
	}
	post(ok ? E::RegisterOk : E::RegisterFail);
}

void BaresipAccounts::post(AccountsEvent e)
{
	queue_.push_back(e);
	if (dispatching_)
		return;
	dispatching_ = true;
	while (!queue_.empty()) {
		const AccountsEvent next = queue_.front();
		queue_.pop_front();
		run(next);
	}
	dispatching_ = false;
}

void BaresipAccounts::run(AccountsEvent e)
{
	for (const Row &r : kTable) {
		if (r.from != state_ || r.event != e)
			continue;
		if (r.guard && !(this->*r.guard)())
			continue;
		const AccountsState from = state_;
		state_ = r.to;
		(this->*r.action)();
		if (state_ != from)
			log_debug(std::string("accounts: ") + accounts_state_name(from) + " -> " +
			          accounts_state_name(state_) + " on " + accounts_event_name(e));
		return;
	}
	log_error(std::string("BUG: accounts: unhandled event ") + accounts_event_name(e) +
	          " in state " + accounts_state_name(state_));
}

// One command at a time; its answer comes back as CommandOk/CommandFail
// unless the machine has moved on (baresip lost, timeout) since. A uadel of
// an account that carries a call waits for the call (never cut by an
// account change): to the table it is a command that answers late.
void BaresipAccounts::command(const char *cmd, const std::string &params)
{
	if (std::string(cmd) == "uadel" && params != kPlaceholderAor && call_gate_ &&
	    call_gate_(params)) {
		if (held_aor_ != params) // the table asks again at each step: said once
			log_info("accounts: " + params +
			         " carries a call: its uadel waits for the call to end");
		held_aor_ = params;
		++generation_; // an answer of an earlier command is stale now
		return;
	}
	send(cmd, params);
}

void BaresipAccounts::on_calls_changed()
{
	if (held_aor_.empty() || (call_gate_ && call_gate_(held_aor_)))
		return;
	const std::string aor = std::move(held_aor_);
	held_aor_.clear();
	log_info("accounts: the calls on " + aor + " ended: its uadel goes now");
	send("uadel", aor);
}

void BaresipAccounts::send(const char *cmd, const std::string &params)
{
	const unsigned gen = ++generation_;
	const std::string name = cmd;
	// The last account of this AOR goes (not the old twin of a same-AOR
	// change outside Clearing, whose new twin stays).
	const bool last_of_aor = name == "uadel" && params != kPlaceholderAor &&
	                         (!same_aor_ || state_ == AccountsState::Clearing);
	ctrl_.request(cmd, params, [this, gen, name, params, last_of_aor](Expected<std::string> r) {
		if (r && last_of_aor && removed_)
			removed_(params); // even when the machine moved on: it is gone
		if (gen != generation_)
			return;
		if (!r) {
			// The text is redacted by the client (auth_pass never shows).
			log_warn("accounts: " + name + " failed: " + r.error().what);
			if (why_.empty())
				why_ = name + ": " + r.error().what;
		}
		post(r ? E::CommandOk : E::CommandFail);
	});
}

void BaresipAccounts::crash(const char *step) const
{
	platform::crash_point((cur_.label + "." + step).c_str());
}

bool BaresipAccounts::kept_present() const
{
	if (keep_aor_.empty() || keep_aor_ == want_aor_)
		return true;
	for (const auto &p : present_)
		if (p == keep_aor_)
			return true;
	return false;
}

bool BaresipAccounts::wanted_present() const
{
	for (const auto &p : present_)
		if (p == want_aor_)
			return true;
	return false;
}

// ---- actions ----

void BaresipAccounts::list()
{
	refresh_ = false; // this listing sees the kept account as it is now
	const unsigned gen = ++generation_;
	ctrl_.request("reginfo", "", [this, gen](Expected<std::string> r) {
		if (gen != generation_)
			return;
		if (!r) {
			log_warn("accounts: reginfo failed: " + r.error().what);
			post(E::CommandFail);
			return;
		}
		present_.clear();
		registered_.clear();
		for (const auto &ua : parse_reginfo(*r)) {
			present_.push_back(ua.aor);
			note_register(ua.aor, ua.registered);
			if (ua.registered)
				registered_.push_back(ua.aor);
		}
		// The kept account first: it must be there before anything else.
		to_add_.clear();
		keep_present_ = keep_registered_ = false;
		for (const auto &a : present_)
			keep_present_ = keep_present_ || (!keep_aor_.empty() && a == keep_aor_);
		for (const auto &a : registered_)
			keep_registered_ =
			    keep_registered_ || (!keep_aor_.empty() && a == keep_aor_);
		if (!keep_aor_.empty() && !kept_present())
			to_add_.push_back(keep_line_);
		if (!want_line_.empty() && !wanted_present())
			to_add_.push_back(want_line_);
		if (census_due_ && !present_.empty())
			census(); // posts Listed when done
		else
			post(E::Listed);
		census_due_ = false;
	});
}

// Which calls baresip carries on the accounts it holds (see the header).
// A `line N` that names no call leaves the current one: callstat then shows
// it again, so calls are told apart by Call-ID.
void BaresipAccounts::census()
{
	const unsigned gen = generation_;
	auto seen = std::make_shared<std::vector<std::string>>(); // Call-IDs
	auto ignore = [](Expected<std::string>) {};
	for (const auto &aor : present_) {
		ctrl_.request("uafind", aor, ignore);
		for (int n = 1; n <= kCensusLines; ++n) {
			ctrl_.request("line", std::to_string(n), ignore);
			ctrl_.request(
			    "callstat", "", [this, gen, seen, aor](Expected<std::string> r) {
				    if (gen != generation_ || !r)
					    return;
				    auto e = call_from_callstat(*r);
				    if (!e || e->aor != aor ||
				        std::find(seen->begin(), seen->end(), e->id) != seen->end())
					    return;
				    seen->push_back(e->id);
				    log_info("accounts: baresip carries a call on " + aor +
				             " that hotdeskd did not know of");
				    if (calls_found_)
					    calls_found_(*e);
			    });
		}
	}
	const std::string back = wanted_present() ? want_aor_ : present_.front();
	ctrl_.request("uafind", back, [this, gen](Expected<std::string>) {
		if (gen == generation_)
			post(E::Listed);
	});
}

void BaresipAccounts::start_job()
{
	begin_job();
	add();
}

// A swap to the kept account (a logout while the pool stays registered):
// it is in baresip already, so no uanew; its registration is as good as
// the last REGISTER event said.
void BaresipAccounts::start_job_to_kept()
{
	begin_job();
	register_seen_ = keep_registered_;
	select();
}

void BaresipAccounts::begin_job()
{
	cur_ = std::move(jobs_.front());
	jobs_.pop_front();
	swapping_ = true;
	register_seen_ = false;
	register_refused_ = false;
	why_.clear();
	// The same AOR again (a new password or outbound for the same account)
	// has nothing to remove by AOR: baresip's uadel removes the first match.
	// same_aor_steps() replaces the old account after the new one registered.
	old_aor_ = in_baresip_ == cur_.aor ? std::string() : in_baresip_;
	same_aor_ = !in_baresip_.empty() && in_baresip_ == cur_.aor;
	cleared_first_ = false;
	steps_.clear();
	log_info("swap: " + (old_aor_.empty() ? std::string("(none)") : old_aor_) + " -> " +
	         cur_.aor);
	start_register_timer();
}

void BaresipAccounts::start_register_timer()
{
	tmr_start(
	    &tmr_, timeout_ms_,
	    [](void *arg) {
		    auto *self = static_cast<BaresipAccounts *>(arg);
		    self->why_ =
		        "no registration within " + std::to_string(self->timeout_ms_) + " ms";
		    self->post(E::Timeout);
	    },
	    this);
}

bool BaresipAccounts::job_clears_first() const
{
	return has_job() && !in_baresip_.empty() && jobs_.front().aor == in_baresip_ &&
	       !last_register_ok(in_baresip_);
}

void BaresipAccounts::start_job_clearing()
{
	begin_job();
	cleared_first_ = true;
	log_info("swap: " + cur_.aor + " is not registered: it goes before the new account");
	steps_ = {{"uanew", kPlaceholderLine}, {"uafind", kPlaceholderAor}, {"uadel", cur_.aor}};
	step_next();
}

void BaresipAccounts::step_next()
{
	const auto step = steps_.front();
	steps_.erase(steps_.begin());
	send_step(step);
}

void BaresipAccounts::send_step(const std::pair<std::string, std::string> &step)
{
	if (step.first == "uafind")
		uafind(step.second);
	else
		command(step.first.c_str(), step.second);
}

void BaresipAccounts::when_dialable(std::function<void()> dial)
{
	if (selected_ != kPlaceholderAor) {
		dial();
		return;
	}
	if (!held_aor_.empty()) { // the old account is there until its call ends
		with_selected(held_aor_, dial);
		return;
	}
	log_info("accounts: a dial waits for an account to be selected (the placeholder is)");
	waiting_dials_.push_back(std::move(dial));
}

// Sent right after the uafind of a real account: baresip runs ctrl_tcp
// requests in order, so the dials go out on it.
void BaresipAccounts::run_waiting_dials()
{
	auto dials = std::move(waiting_dials_);
	waiting_dials_.clear();
	for (auto &d : dials)
		d();
}

// The old account is gone: what REGISTER events said so far was its own.
void BaresipAccounts::add_after_clearing()
{
	register_seen_ = register_refused_ = false;
	why_.clear();
	start_register_timer(); // the new account gets the whole time
	add();
}

// A step of the clearing (or the new account's uanew after it) failed:
// what baresip holds is unsure, so the job
// fails and a re-apply (reginfo) puts back the wanted account (the old
// line) and removes the placeholder.
void BaresipAccounts::clearing_failed()
{
	tmr_cancel(&tmr_);
	log_warn("swap to " + cur_.aor + " failed while the old account went: " + why_);
	const std::string why = why_;
	Done done = std::move(cur_.done);
	cur_ = Job{};
	swapping_ = same_aor_ = cleared_first_ = false;
	steps_.clear();
	why_.clear();
	list();
	if (done)
		done(false, why);
}

void BaresipAccounts::note_register(const std::string &aor, bool ok)
{
	for (auto &e : last_register_)
		if (e.first == aor) {
			e.second = ok;
			return;
		}
	last_register_.emplace_back(aor, ok);
}

bool BaresipAccounts::last_register_ok(const std::string &aor) const
{
	for (const auto &e : last_register_)
		if (e.first == aor)
			return e.second;
	return false;
}

void BaresipAccounts::add()
{
	if (swapping_) {
		command("uanew", cur_.line);
		return;
	}
	const std::string line = to_add_.empty() ? want_line_ : to_add_.front();
	if (!to_add_.empty())
		to_add_.erase(to_add_.begin());
	if (!keep_line_.empty() && line == keep_line_)
		keep_present_ = true;
	command("uanew", line);
}

void BaresipAccounts::uafind(const std::string &aor)
{
	selected_ = aor;
	command("uafind", aor);
	if (aor != kPlaceholderAor)
		run_waiting_dials();
}

void BaresipAccounts::select()
{
	if (swapping_)
		crash("after_uanew");
	uafind(swapping_ ? cur_.aor : want_aor_);
}

// The re-apply path: everything but the wanted account goes.
void BaresipAccounts::start_removing()
{
	in_baresip_ = want_aor_;
	to_remove_.clear();
	for (const auto &p : present_)
		if (p != want_aor_ && (keep_aor_.empty() || p != keep_aor_))
			to_remove_.push_back(p);
	log_info("accounts: baresip holds " + want_aor_ + " (" + std::to_string(to_remove_.size()) +
	         " other account(s) removed)");
	for (const auto &r : registered_)
		if ((r == want_aor_ || (!keep_aor_.empty() && r == keep_aor_)) && found_registered_)
			found_registered_(r);
	if (to_remove_.empty())
		post(E::CommandOk); // nothing to remove: as if the last uadel answered
	else
		remove_next();
}

void BaresipAccounts::remove_next()
{
	if (!steps_.empty()) {
		const auto step = steps_.front();
		steps_.erase(steps_.begin());
		send_step(step);
		return;
	}
	const std::string aor = to_remove_.front();
	to_remove_.erase(to_remove_.begin());
	command("uadel", aor);
}

void BaresipAccounts::registered()
{
	tmr_cancel(&tmr_);
	crash("after_register_ok");
	in_baresip_ = cur_.aor;
	note_register(cur_.aor, true);
	to_remove_.clear();
	if (!old_aor_.empty() && old_aor_ != keep_aor_)
		to_remove_.push_back(old_aor_);
	if (cleared_first_)
		steps_ = {{"uadel", kPlaceholderAor}};
	else if (same_aor_)
		steps_ = same_aor_steps(cur_.aor, "");
	if (!more_to_remove())
		post(E::CommandOk);
	else
		remove_next();
}

// The same AOR twice in baresip (a new password or outbound proxy for the
// same account, or a fresh registration): uadel removes the first match and
// uafind selects it, and deleting the selected account leaves menu's
// "current" pointer dangling (/work/shared/notes/baresip-ctrl-tcp.md). So a
// placeholder account (regint=0: it never sends a REGISTER) is selected
// while the old one goes, then the new one is selected and the placeholder
// goes: no account that is deleted is ever the selected one. Measured on
// baresip 1.0.0: 2-9 ms with the placeholder selected, one binding left.
// `readd`: the line that goes back in after both are gone (a failed change:
// the old line registers anew), or "" (the change worked: the old one goes).
std::vector<std::pair<std::string, std::string>>
BaresipAccounts::same_aor_steps(const std::string &aor, const std::string &readd)
{
	std::vector<std::pair<std::string, std::string>> out = {
	    {"uanew", kPlaceholderLine}, {"uafind", kPlaceholderAor}, {"uadel", aor}};
	if (!readd.empty()) {
		out.emplace_back("uadel", aor);
		out.emplace_back("uanew", readd);
	}
	out.emplace_back("uafind", aor);
	out.emplace_back("uadel", kPlaceholderAor);
	return out;
}

bool BaresipAccounts::keeps_new() const
{
	return cur_.force_break || (cur_.keep_if_silent && !register_refused_);
}

void BaresipAccounts::roll_back()
{
	tmr_cancel(&tmr_);
	log_warn("swap to " + cur_.aor + " failed: " + why_);
	const bool keep_new = keeps_new() || old_aor_.empty();
	keep_ = keep_new ? cur_.aor : old_aor_;
	drop_ = keep_new ? old_aor_ : cur_.aor;
	to_remove_.clear();
	if (!drop_.empty() && drop_ != keep_aor_)
		to_remove_.push_back(drop_);
	// A failed change of the same AOR: both go, the old line comes back;
	// with force_break the new one stays and the old one goes.
	if (cleared_first_)
		steps_ = {{"uadel", kPlaceholderAor}}; // the new one stays: keep_new
	else if (same_aor_)
		steps_ = same_aor_steps(cur_.aor, keeps_new() ? "" : want_line_);
	if (keep_ == cur_.aor)
		note_register(cur_.aor, false);
	in_baresip_ = keep_;
	uafind(keep_); // select the one that stays before deleting
}

void BaresipAccounts::finish_ok()
{
	if (!old_aor_.empty())
		crash("after_uadel");
	want(cur_.line, cur_.aor);
	swapping_ = false;
	Done done = std::move(cur_.done);
	cur_ = Job{};
	if (done)
		done(true, "");
	next();
}

void BaresipAccounts::finish_failed()
{
	if (keeps_new() || cleared_first_ || (old_aor_.empty() && !same_aor_))
		want(cur_.line, cur_.aor);
	swapping_ = false;
	Done done = std::move(cur_.done);
	cur_ = Job{};
	if (done)
		done(false, why_);
	next();
}

void BaresipAccounts::finish_reapply()
{
	next();
}

void BaresipAccounts::reapply_failed()
{
	log_error("accounts: cannot apply " + want_aor_ + " to baresip: " + why_);
	why_.clear();
	next();
}

// After a step: the next swap, else a kept account that changed meanwhile.
void BaresipAccounts::next()
{
	// Only accounts baresip still holds need their last answer remembered.
	last_register_.erase(std::remove_if(last_register_.begin(), last_register_.end(),
	                                    [this](const std::pair<std::string, bool> &e) {
		                                    return e.first != in_baresip_ &&
		                                           e.first != keep_aor_;
	                                    }),
	                     last_register_.end());
	if (has_job())
		post(E::Apply);
	else if (refresh_)
		post(E::Refresh);
	else if (settled_)
		settled_(); // may ask for a swap: queued, run after this dispatch
}

// baresip is gone (or was never there): whatever it held is gone with it,
// so there is nothing to roll back. Every account change asked for fails
// now; the owner re-applies its identity when baresip is back (want()).
void BaresipAccounts::lost()
{
	++generation_;
	tmr_cancel(&tmr_);
	in_baresip_.clear();
	selected_.clear();
	present_.clear();
	to_remove_.clear();
	to_add_.clear();
	keep_present_ = false;
	keep_registered_ = false;
	steps_.clear();
	held_aor_.clear(); // baresip and its calls are gone
	same_aor_ = cleared_first_ = false;
	last_register_.clear();
	const std::string why = why_.empty() ? "baresip unreachable" : why_;
	why_.clear();
	run_waiting_dials(); // they fail now, and say so, rather than wait
	std::deque<Job> failed;
	if (swapping_) {
		log_warn("swap to " + cur_.aor + " aborted: " + why);
		failed.push_back(std::move(cur_));
		cur_ = Job{};
		swapping_ = false;
	}
	while (!jobs_.empty()) {
		failed.push_back(std::move(jobs_.front()));
		jobs_.pop_front();
	}
	for (auto &j : failed) {
		if (j.force_break)
			want(j.line, j.aor);
		if (j.done)
			j.done(false, why);
	}
}

} // namespace hotdesk

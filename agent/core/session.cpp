// SPDX-License-Identifier: BSD-3-Clause
#include "session.h"

#include "i18n.h"
#include "registration_policy.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace hotdesk
{

using S = State;
using E = Event;
using Se = Session;

// clang-format off
// The whole behaviour of the session. First matching row wins; a guard of
// nullptr always matches. `home` rows go to Idle on the pool identity and to
// LoggedIn when a person is logged in. An event with no row is a bug and is
// logged as one. Keep docs/session-state-machine.dot in step with this
// (scripts/gen-state-diagram writes it).
//
// Whom a RemoteLogout concerns (the PBX's POST /logout, a refused resume, an
// auto-logout policy) is what it names: a person's extension, or nobody in
// particular ("" : whoever sits at the phone). One that names someone who is
// neither here nor the person a login in flight brings is dropped with a log
// line (for_someone_else). During a login or roam (LoggingIn) the logout is
// remembered (remember_logout) and posted again when the change settles,
// whichever way it ends (run(): replay_logouts): the rows of the state it
// lands in decide. After SwapDone the person who just arrived is logged out
// if it names them or nobody (a call defers it, as in LoggedIn); after a
// failed login the pool drops it (Idle: drop_logout); after a failed roam
// the person still here is logged out if it names them or nobody. So the
// PBX logging out A while B's login is in flight here never logs B out.
// The person's own logout (key or code) in LoggingIn is remembered the same
// way and posted again as the key (remember_own_logout): after SwapDone the
// newcomer leaves (a call defers it: "Logout after the call"); after a failed
// roam the person still here leaves; after a failed login it is dropped.
// An auto-logout names the person whose policy fell due and belongs to
// their session: a login that completes drops it (the newcomer, even the
// same person again, gets a fresh policy); a roam that fails runs it.
const Session::Row Session::kTable[] = {
	// from           event               guard          to             home   action
	{S::Idle,       E::DigitTyped,      nullptr,       S::Collecting, false, &Se::noop},
	{S::Idle,       E::EmergencyNumber, nullptr,       S::Idle,       false, &Se::dial_emergency},
	{S::Idle,       E::NumberEntered,   nullptr,       S::Idle,       false, &Se::dial_number},
	// The PBX login flow: the codes are calls to the PBX, which decides.
	{S::Idle,       E::LoginCode,       &Se::by_call,  S::Idle,       false, &Se::dial_login_code},
	{S::Idle,       E::LoginCode,       &Se::throttled, S::Idle,      false, &Se::say_throttled},
	{S::Idle,       E::LoginCode,       nullptr,       S::PinEntry,   false, &Se::begin_pin},
	{S::Idle,       E::LogoutCode,      nullptr,       S::Idle,       false, &Se::say_not_logged_in},
	{S::Idle,       E::LogoutKey,       nullptr,       S::Idle,       false, &Se::say_not_logged_in},
	{S::Idle,       E::InvalidCode,     nullptr,       S::Idle,       false, &Se::say_invalid},
	{S::Idle,       E::Cancel,          nullptr,       S::Idle,       false, &Se::clear_digits},
	{S::Idle,       E::RemoteLogout,    nullptr,       S::Idle,       false, &Se::drop_logout},
	{S::Idle,       E::CallsEnded,      nullptr,       S::Idle,       false, &Se::noop},
	{S::Idle,       E::ServiceLost,     nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Idle,       E::ServiceRestored, nullptr,       S::Idle,       false, &Se::noop},

	{S::LoggedIn,   E::DigitTyped,      nullptr,       S::Collecting, false, &Se::noop},
	{S::LoggedIn,   E::EmergencyNumber, nullptr,       S::LoggedIn,   false, &Se::dial_emergency},
	{S::LoggedIn,   E::NumberEntered,   nullptr,       S::LoggedIn,   false, &Se::dial_number},
	{S::LoggedIn,   E::LoginCode,       &Se::by_call,  S::LoggedIn,   false, &Se::dial_login_code},
	{S::LoggedIn,   E::LogoutCode,      &Se::by_call,  S::LoggedIn,   false, &Se::dial_logout_code},
	{S::LoggedIn,   E::LogoutKey,       &Se::by_call,  S::LoggedIn,   false, &Se::dial_logout_code},
	{S::LoggedIn,   E::LoginCode,       &Se::throttled, S::LoggedIn,  false, &Se::say_throttled},
	{S::LoggedIn,   E::LoginCode,       nullptr,       S::PinEntry,   false, &Se::begin_pin},
	// No identity change ever cuts a call: it waits for CallsEnded.
	{S::LoggedIn,   E::RemoteLogout,    &Se::for_someone_else, S::LoggedIn, false, &Se::drop_logout},
	{S::LoggedIn,   E::LogoutCode,      &Se::in_call,  S::LoggedIn,   false, &Se::defer_logout},
	{S::LoggedIn,   E::LogoutKey,       &Se::in_call,  S::LoggedIn,   false, &Se::defer_logout},
	{S::LoggedIn,   E::RemoteLogout,    &Se::in_call,  S::LoggedIn,   false, &Se::defer_logout},
	{S::LoggedIn,   E::CallsEnded,      &Se::logout_deferred, S::LoggingOut, false, &Se::run_deferred_logout},
	{S::LoggedIn,   E::CallsEnded,      nullptr,       S::LoggedIn,   false, &Se::noop},
	{S::LoggedIn,   E::LogoutCode,      nullptr,       S::LoggingOut, false, &Se::start_logout},
	{S::LoggedIn,   E::LogoutKey,       nullptr,       S::LoggingOut, false, &Se::start_logout},
	{S::LoggedIn,   E::RemoteLogout,    nullptr,       S::LoggingOut, false, &Se::start_logout},
	{S::LoggedIn,   E::InvalidCode,     nullptr,       S::LoggedIn,   false, &Se::say_invalid},
	{S::LoggedIn,   E::Cancel,          nullptr,       S::LoggedIn,   false, &Se::clear_digits},
	{S::LoggedIn,   E::ServiceLost,     nullptr,       S::Error,      false, &Se::say_no_service},
	{S::LoggedIn,   E::ServiceRestored, nullptr,       S::LoggedIn,   false, &Se::noop},

	{S::Collecting, E::DigitTyped,      nullptr,       S::Collecting, false, &Se::noop},
	{S::Collecting, E::EmergencyNumber, nullptr,       S::Idle,       true,  &Se::dial_emergency},
	{S::Collecting, E::NumberEntered,   nullptr,       S::Idle,       true,  &Se::dial_number},
	{S::Collecting, E::LoginCode,       &Se::by_call,  S::Idle,       true,  &Se::dial_login_code},
	{S::Collecting, E::LogoutCode,      &Se::user_by_call, S::Idle,   true,  &Se::dial_logout_code},
	{S::Collecting, E::LogoutKey,       &Se::user_by_call, S::Idle,   true,  &Se::dial_logout_code},
	{S::Collecting, E::LoginCode,       &Se::throttled, S::Idle,      true,  &Se::say_throttled},
	{S::Collecting, E::LoginCode,       nullptr,       S::PinEntry,   false, &Se::begin_pin},
	{S::Collecting, E::LogoutCode,      &Se::user_in_call, S::LoggedIn, false, &Se::defer_logout},
	{S::Collecting, E::LogoutKey,       &Se::user_in_call, S::LoggedIn, false, &Se::defer_logout},
	{S::Collecting, E::RemoteLogout,    &Se::for_someone_else, S::Collecting, false, &Se::drop_logout},
	{S::Collecting, E::RemoteLogout,    &Se::user_in_call, S::Collecting, false, &Se::defer_logout},
	{S::Collecting, E::CallsEnded,      &Se::logout_deferred, S::LoggingOut, false, &Se::run_deferred_logout},
	{S::Collecting, E::CallsEnded,      nullptr,       S::Collecting, false, &Se::noop},
	{S::Collecting, E::LogoutCode,      &Se::is_user,  S::LoggingOut, false, &Se::start_logout},
	{S::Collecting, E::LogoutCode,      nullptr,       S::Idle,       false, &Se::say_not_logged_in},
	{S::Collecting, E::LogoutKey,       &Se::is_user,  S::LoggingOut, false, &Se::start_logout},
	{S::Collecting, E::LogoutKey,       nullptr,       S::Idle,       false, &Se::say_not_logged_in},
	{S::Collecting, E::RemoteLogout,    &Se::is_user,  S::LoggingOut, false, &Se::start_logout},
	{S::Collecting, E::RemoteLogout,    nullptr,       S::Collecting, false, &Se::drop_logout},
	{S::Collecting, E::InvalidCode,     nullptr,       S::Idle,       true,  &Se::say_invalid},
	{S::Collecting, E::Cancel,          nullptr,       S::Idle,       true,  &Se::clear_digits},
	{S::Collecting, E::ServiceLost,     nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Collecting, E::ServiceRestored, nullptr,       S::Collecting, false, &Se::noop},

	{S::PinEntry,   E::PinDigit,        nullptr,       S::PinEntry,   false, &Se::add_pin},
	{S::PinEntry,   E::PinConfirm,      &Se::pin_too_long, S::PinEntry, false, &Se::refuse_long_pin},
	{S::PinEntry,   E::PinConfirm,      &Se::has_pin,  S::LoggingIn,  false, &Se::send_login},
	{S::PinEntry,   E::PinConfirm,      nullptr,       S::PinEntry,   false, &Se::prompt_pin},
	{S::PinEntry,   E::Cancel,          nullptr,       S::Idle,       true,  &Se::abandon_pin},
	{S::PinEntry,   E::LogoutKey,       nullptr,       S::Idle,       true,  &Se::abandon_pin},
	{S::PinEntry,   E::PinTimeout,      nullptr,       S::Idle,       true,  &Se::pin_timed_out},
	{S::PinEntry,   E::RemoteLogout,    &Se::for_someone_else, S::PinEntry, false, &Se::drop_logout},
	{S::PinEntry,   E::RemoteLogout,    &Se::user_in_call, S::PinEntry, false, &Se::defer_logout},
	{S::PinEntry,   E::CallsEnded,      &Se::logout_deferred, S::LoggingOut, false, &Se::run_deferred_logout},
	{S::PinEntry,   E::CallsEnded,      nullptr,       S::PinEntry,   false, &Se::noop},
	{S::PinEntry,   E::RemoteLogout,    &Se::is_user,  S::LoggingOut, false, &Se::start_logout},
	{S::PinEntry,   E::RemoteLogout,    nullptr,       S::PinEntry,   false, &Se::drop_logout},
	{S::PinEntry,   E::ServiceLost,     nullptr,       S::PinEntry,   false, &Se::noop},
	{S::PinEntry,   E::ServiceRestored, nullptr,       S::PinEntry,   false, &Se::noop},

	// While the PBX and baresip work, keys are still collected so that an
	// emergency number goes out; everything else waits.
	{S::LoggingIn,  E::PbxAccepted,     &Se::in_call,  S::LoggingIn,  false, &Se::defer_swap},
	{S::LoggingIn,  E::CallsEnded,      &Se::swap_deferred, S::LoggingIn, false, &Se::run_deferred_swap},
	{S::LoggingIn,  E::CallsEnded,      nullptr,       S::LoggingIn,  false, &Se::noop},
	{S::LoggingIn,  E::PbxAccepted,     nullptr,       S::LoggingIn,  false, &Se::swap_to_user},
	{S::LoggingIn,  E::PbxRefused,      nullptr,       S::Idle,       true,  &Se::say_refused},
	{S::LoggingIn,  E::PbxFailed,       nullptr,       S::Idle,       true,  &Se::say_pbx_failed},
	{S::LoggingIn,  E::SwapDone,        nullptr,       S::LoggedIn,   false, &Se::commit_user},
	{S::LoggingIn,  E::SwapFailed,      nullptr,       S::Idle,       true,  &Se::say_register_failed},
	{S::LoggingIn,  E::EmergencyNumber, nullptr,       S::LoggingIn,  false, &Se::dial_emergency},
	{S::LoggingIn,  E::DigitTyped,      nullptr,       S::LoggingIn,  false, &Se::noop},
	{S::LoggingIn,  E::NumberEntered,   nullptr,       S::LoggingIn,  false, &Se::say_wait},
	{S::LoggingIn,  E::LoginCode,       nullptr,       S::LoggingIn,  false, &Se::say_wait},
	{S::LoggingIn,  E::LogoutCode,      nullptr,       S::LoggingIn,  false, &Se::remember_own_logout},
	{S::LoggingIn,  E::LogoutKey,       nullptr,       S::LoggingIn,  false, &Se::remember_own_logout},
	{S::LoggingIn,  E::InvalidCode,     nullptr,       S::LoggingIn,  false, &Se::say_wait},
	{S::LoggingIn,  E::Cancel,          nullptr,       S::LoggingIn,  false, &Se::say_wait},
	// A logout for the person leaving or arriving waits for the change to
	// settle (see above); one for someone else is dropped now.
	{S::LoggingIn,  E::RemoteLogout,    &Se::for_someone_else, S::LoggingIn, false, &Se::drop_logout},
	{S::LoggingIn,  E::RemoteLogout,    nullptr,       S::LoggingIn,  false, &Se::remember_logout},
	{S::LoggingIn,  E::ServiceLost,     nullptr,       S::LoggingIn,  false, &Se::noop},
	{S::LoggingIn,  E::ServiceRestored, nullptr,       S::LoggingIn,  false, &Se::noop},

	{S::LoggingOut, E::CallsEnded,      nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::SwapDone,        nullptr,       S::Idle,       false, &Se::commit_pool},
	{S::LoggingOut, E::SwapFailed,      nullptr,       S::Error,      false, &Se::logout_failed},
	{S::LoggingOut, E::EmergencyNumber, nullptr,       S::LoggingOut, false, &Se::dial_emergency},
	{S::LoggingOut, E::DigitTyped,      nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::NumberEntered,   nullptr,       S::LoggingOut, false, &Se::say_wait},
	{S::LoggingOut, E::LoginCode,       nullptr,       S::LoggingOut, false, &Se::say_wait},
	{S::LoggingOut, E::LogoutCode,      nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::LogoutKey,       nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::InvalidCode,     nullptr,       S::LoggingOut, false, &Se::say_wait},
	{S::LoggingOut, E::Cancel,          nullptr,       S::LoggingOut, false, &Se::noop},
	// The person is leaving already (the PBX hears it with the reason given
	// first).
	{S::LoggingOut, E::RemoteLogout,    nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::ServiceLost,     nullptr,       S::LoggingOut, false, &Se::noop},
	{S::LoggingOut, E::ServiceRestored, nullptr,       S::LoggingOut, false, &Se::noop},

	// No service: emergency numbers are still tried; the agent keeps
	// re-applying the identity and reports ServiceRestored.
	{S::Error,      E::ServiceRestored, nullptr,       S::Idle,       true,  &Se::say_restored},
	{S::Error,      E::ServiceLost,     nullptr,       S::Error,      false, &Se::noop},
	{S::Error,      E::EmergencyNumber, nullptr,       S::Error,      false, &Se::dial_emergency},
	{S::Error,      E::DigitTyped,      nullptr,       S::Error,      false, &Se::noop},
	{S::Error,      E::NumberEntered,   nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Error,      E::LoginCode,       nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Error,      E::LogoutCode,      &Se::user_in_call, S::Error,  false, &Se::defer_logout},
	{S::Error,      E::LogoutKey,       &Se::user_in_call, S::Error,  false, &Se::defer_logout},
	{S::Error,      E::RemoteLogout,    &Se::for_someone_else, S::Error, false, &Se::drop_logout},
	{S::Error,      E::RemoteLogout,    &Se::user_in_call, S::Error,  false, &Se::defer_logout},
	{S::Error,      E::CallsEnded,      &Se::logout_deferred, S::Error, false, &Se::run_deferred_drop},
	{S::Error,      E::CallsEnded,      nullptr,       S::Error,      false, &Se::noop},
	{S::Error,      E::LogoutCode,      &Se::is_user,  S::Error,      false, &Se::drop_user},
	{S::Error,      E::LogoutCode,      nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Error,      E::LogoutKey,       &Se::is_user,  S::Error,      false, &Se::drop_user},
	{S::Error,      E::LogoutKey,       nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Error,      E::RemoteLogout,    &Se::is_user,  S::Error,      false, &Se::drop_user},
	{S::Error,      E::RemoteLogout,    nullptr,       S::Error,      false, &Se::drop_logout},
	{S::Error,      E::InvalidCode,     nullptr,       S::Error,      false, &Se::say_no_service},
	{S::Error,      E::Cancel,          nullptr,       S::Error,      false, &Se::noop},
	{S::Error,      E::SwapDone,        nullptr,       S::Error,      false, &Se::noop},
	{S::Error,      E::SwapFailed,      nullptr,       S::Error,      false, &Se::noop},

	// The registrar refused the person's credentials for good: never cut a
	// call (the drop waits like a logout), otherwise back to the pool now.
	{S::Idle,       E::RegistrationRefused, nullptr,   S::Idle,       false, &Se::noop},
	{S::LoggedIn,   E::RegistrationRefused, &Se::in_call, S::LoggedIn, false, &Se::defer_logout},
	{S::LoggedIn,   E::RegistrationRefused, nullptr,   S::LoggingOut, false, &Se::drop_refused},
	{S::Collecting, E::RegistrationRefused, &Se::user_in_call, S::Collecting, false, &Se::defer_logout},
	{S::Collecting, E::RegistrationRefused, &Se::is_user, S::LoggingOut, false, &Se::drop_refused},
	{S::Collecting, E::RegistrationRefused, nullptr,   S::Collecting, false, &Se::noop},
	{S::PinEntry,   E::RegistrationRefused, &Se::user_in_call, S::PinEntry, false, &Se::defer_logout},
	{S::PinEntry,   E::RegistrationRefused, &Se::is_user, S::LoggingOut, false, &Se::drop_refused},
	{S::PinEntry,   E::RegistrationRefused, nullptr,   S::PinEntry,   false, &Se::noop},
	{S::LoggingIn,  E::RegistrationRefused, nullptr,   S::LoggingIn,  false, &Se::noop},
	{S::LoggingOut, E::RegistrationRefused, nullptr,   S::LoggingOut, false, &Se::noop},
	{S::Error,      E::RegistrationRefused, &Se::user_in_call, S::Error, false, &Se::defer_logout},
	{S::Error,      E::RegistrationRefused, &Se::is_user, S::LoggingOut, false, &Se::drop_refused},
	{S::Error,      E::RegistrationRefused, nullptr,   S::Error,      false, &Se::noop},

	// The PBX login flow: the PBX provisioned a person. From a state at
	// rest it runs as a login the PBX accepted (PbxAccepted follows, which
	// waits for the calls); during another change the agent offers it again.
	{S::Idle,       E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::take_provisioned},
	{S::LoggedIn,   E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::take_provisioned},
	{S::Collecting, E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::take_provisioned},
	{S::PinEntry,   E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::take_provisioned},
	{S::Error,      E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::take_provisioned},
	{S::LoggingIn,  E::Provisioned,     nullptr,       S::LoggingIn,  false, &Se::noop},
	{S::LoggingOut, E::Provisioned,     nullptr,       S::LoggingOut, false, &Se::noop},
};
// clang-format on

const Session::Row *Session::table_begin()
{
	return std::begin(kTable);
}
const Session::Row *Session::table_end()
{
	return std::end(kTable);
}

namespace
{

std::string refusal_text(const std::string &reason, const std::string &ext)
{
	if (reason == "wrong_pin")
		return tr("Wrong PIN");
	if (reason == "unknown_extension")
		return trf("Unknown extension %s", {ext});
	if (reason == "not_permitted")
		return trf("%s may not hot desk", {ext});
	if (reason == "locked")
		return trf("%s locked: try later", {ext});
	if (reason == "device_unauthorized")
		return tr("Phone not authorised");
	if (reason == "in_use_elsewhere" || reason == "moved")
		return trf("%s is on another phone", {ext});
	// The PBX accepted, but its user or profile is unusable here (the
	// details follow the reason: agent/pbx/pbx_protocol.h).
	if (reason.rfind("bad_profile", 0) == 0)
		return tr("Bad profile from PBX");
	return tr("Login refused");
}

} // namespace

const char *state_name(State s)
{
	switch (s) {
	case State::Idle:
		return "idle";
	case State::Collecting:
		return "collecting";
	case State::PinEntry:
		return "pin-entry";
	case State::LoggingIn:
		return "logging-in";
	case State::LoggedIn:
		return "logged-in";
	case State::LoggingOut:
		return "logging-out";
	case State::Error:
		return "error";
	}
	return "?";
}

const char *event_name(Event e)
{
	switch (e) {
	case Event::DigitTyped:
		return "DigitTyped";
	case Event::NumberEntered:
		return "NumberEntered";
	case Event::EmergencyNumber:
		return "EmergencyNumber";
	case Event::LoginCode:
		return "LoginCode";
	case Event::LogoutCode:
		return "LogoutCode";
	case Event::InvalidCode:
		return "InvalidCode";
	case Event::Cancel:
		return "Cancel";
	case Event::LogoutKey:
		return "LogoutKey";
	case Event::PinDigit:
		return "PinDigit";
	case Event::PinConfirm:
		return "PinConfirm";
	case Event::PinTimeout:
		return "PinTimeout";
	case Event::PbxAccepted:
		return "PbxAccepted";
	case Event::PbxRefused:
		return "PbxRefused";
	case Event::PbxFailed:
		return "PbxFailed";
	case Event::SwapDone:
		return "SwapDone";
	case Event::SwapFailed:
		return "SwapFailed";
	case Event::ServiceLost:
		return "ServiceLost";
	case Event::ServiceRestored:
		return "ServiceRestored";
	case Event::RemoteLogout:
		return "RemoteLogout";
	case Event::CallsEnded:
		return "CallsEnded";
	case Event::RegistrationRefused:
		return "RegistrationRefused";
	case Event::Provisioned:
		return "Provisioned";
	}
	return "?";
}

Session::Session(DialPlan plan, Identity pool, SessionPorts &ports, SessionTimings t)
    : plan_(std::move(plan)), pool_(std::move(pool)), ports_(ports), t_(t), collector_(plan_),
      occupant_(pool_)
{
	pool_.pool = true;
	occupant_.pool = true;
}

void Session::post(Posted p)
{
	queue_.push_back(std::move(p));
	if (dispatching_)
		return; // runs when the current dispatch is complete
	dispatching_ = true;
	while (!queue_.empty()) {
		Posted next = std::move(queue_.front());
		queue_.pop_front();
		run(next);
		next.result.user.wipe();
	}
	dispatching_ = false;
}

void Session::run(Posted &p)
{
	const Event e = p.event;
	if (e == Event::PbxAccepted || e == Event::PbxRefused || e == Event::PbxFailed ||
	    e == Event::Provisioned)
		result_ = std::move(p.result);
	if (e == Event::SwapFailed)
		last_error_ = p.reason;
	// Why a logout this event starts or defers happens (logout_reason()); an
	// event that is only remembered or dropped leaves the last reason.
	std::string why;
	if (e == Event::LogoutKey || e == Event::LogoutCode)
		why = "user";
	if (e == Event::RemoteLogout) {
		why = p.reason.empty() ? "pbx" : p.reason;
		target_ = p.ext;
		target_reason_ = p.reason;
	}
	if (e == Event::RegistrationRefused)
		why = "registration_refused";
	for (const Row &r : kTable) {
		if (r.from != state_ || r.event != e)
			continue;
		if (r.guard && !(this->*r.guard)())
			continue;
		const State from = state_;
		if (!why.empty() && (r.to == State::LoggingOut || r.action == &Se::defer_logout ||
		                     r.action == &Se::drop_user))
			logout_reason_ = why;
		state_ = r.to_home ? home() : r.to;
		(this->*r.action)();
		// Keys typed while busy were collected only to catch an emergency
		// number; what is left must not prefix the next number dialled.
		if (state_ != from &&
		    (from == State::LoggingIn || from == State::LoggingOut || from == State::Error))
			collector_.clear();
		// The login or roam settled: a logout asked meanwhile is asked again.
		if (from == State::LoggingIn && state_ != State::LoggingIn)
			replay_logouts(e == Event::SwapDone);
		if (state_ != from)
			ports_.log_info(std::string("session: ") + state_name(from) + " -> " +
			                state_name(state_) + " on " + event_name(e));
		render();
		return;
	}
	ports_.log_bug(std::string("session: unhandled event ") + event_name(e) + " in state " +
	               state_name(state_));
}

void Session::dispatch_match(const DialMatch &m)
{
	switch (m.kind) {
	case DialKind::Incomplete:
		dispatch(Event::DigitTyped);
		return;
	case DialKind::Login:
		pending_ext_ = m.value;
		dispatch(Event::LoginCode);
		return;
	case DialKind::Logout:
		dispatch(Event::LogoutCode);
		return;
	case DialKind::Emergency:
		number_ = m.value;
		dispatch(Event::EmergencyNumber);
		return;
	case DialKind::Number:
		number_ = m.value;
		number_masked_ = masked_;
		dispatch(Event::NumberEntered);
		return;
	case DialKind::Invalid:
		message_ = m.value.empty() ? std::string() : tr(m.value); // N_() in dial_plan.cpp
		dispatch(m.value.empty() ? Event::Cancel : Event::InvalidCode);
		return;
	}
}

void Session::on_key(const Key &k)
{
	if (!message_.empty()) { // any key dismisses a message
		message_.clear();
		ports_.stop_timer(Timer::Message);
	}
	if (k.kind == KeyKind::Blf || k.kind == KeyKind::Softkey || k.kind == KeyKind::Page) {
		on_function_key(k);
		return;
	}
	if (state_ == State::PinEntry) {
		on_pin_key(k);
		return;
	}
	switch (k.kind) {
	case KeyKind::Digit:
	case KeyKind::Star:
		collect(k.kind == KeyKind::Star ? '*' : k.digit);
		return;
	case KeyKind::Hash:
		if (!collector_.hash_ends()) {
			collect('#'); // part of a number or code (DialTerminator)
			return;
		}
		[[fallthrough]];
	case KeyKind::Send:
		ports_.stop_timer(Timer::InterDigit);
		dispatch_match(collector_.terminate());
		return;
	case KeyKind::Cancel:
		ports_.stop_timer(Timer::InterDigit);
		collector_.clear();
		dispatch(Event::Cancel);
		return;
	case KeyKind::HookOn: // the handset back: an unfinished number is abandoned
		if (state_ == State::Collecting) {
			ports_.stop_timer(Timer::InterDigit);
			collector_.clear();
			dispatch(Event::Cancel);
		}
		return;
	case KeyKind::Blf:
	case KeyKind::Softkey:
	case KeyKind::Page:
	case KeyKind::HookOff:
	case KeyKind::Headset:
	case KeyKind::Up:
	case KeyKind::Down:
	case KeyKind::Left:
	case KeyKind::Right:
	case KeyKind::Ok:
		return; // handled above, or not the session's (call control, menus)
	}
}

// One dial character. A run of them that starts right after a PIN entry
// ended without a login may be the PIN typed on: it is masked (after_pin()).
void Session::collect(char c)
{
	ports_.stop_timer(Timer::InterDigit);
	if (collector_.empty()) {
		masked_ = after_pin_;
		after_pin_ = false;
	}
	dispatch_match(collector_.push(c));
	if (!collector_.empty())
		ports_.start_timer(Timer::InterDigit, t_.inter_digit_ms);
}

// BLF keys, softkeys and the page key: the key layout says what they do
// (3CX default: BLF 1 is the reserved logout key).
void Session::on_function_key(const Key &k)
{
	const KeyAction a = keys_.press(k);
	if (a.kind == KeyAction::Logout) {
		dispatch(Event::LogoutKey);
		return;
	}
	if (a.kind != KeyAction::Dial && a.kind != KeyAction::Pickup)
		return;
	const bool emergency = dial_policy(plan_, logged_in(), a.number) == DialDecision::Emergency;
	if (state_ == State::PinEntry) {
		if (!emergency) {
			say(tr("Finish the login: PIN, then #"));
			render();
			return;
		}
		dispatch(Event::Cancel); // the PIN is wiped; the emergency call goes out
	}
	// A BLF key is a whole number, under the same dial policy (an
	// emergency number on one dials at once, in every state).
	ports_.stop_timer(Timer::InterDigit);
	collector_.clear();
	number_ = a.number;
	number_masked_ = false;
	dispatch(emergency ? Event::EmergencyNumber : Event::NumberEntered);
}

// In PIN entry every key is acted on or answered: digits are the PIN, '#'
// and Send confirm, Cancel and hook-on abandon the login, '*' starts a new
// code (a person retyping *77*<ext>*), anything else repeats the prompt.
void Session::on_pin_key(const Key &k)
{
	switch (k.kind) {
	case KeyKind::Digit:
		pin_digit_ = k.digit;
		dispatch(Event::PinDigit);
		return;
	case KeyKind::Hash:
	case KeyKind::Send:
		dispatch(Event::PinConfirm);
		return;
	case KeyKind::Cancel:
	case KeyKind::HookOn:
		dispatch(Event::Cancel);
		return;
	case KeyKind::Star:
		dispatch(Event::Cancel);
		collect('*');
		return;
	default:
		say(tr("Enter PIN, then #"));
		render();
		return;
	}
}

void Session::on_timer(Timer t)
{
	switch (t) {
	case Timer::InterDigit:
		if (!collector_.empty())
			dispatch_match(collector_.expire());
		return;
	case Timer::Pin:
		if (state_ == State::PinEntry)
			dispatch(Event::PinTimeout);
		else
			after_pin_ = false; // the time a PIN could still be typed on is over
		return;
	case Timer::Message:
		message_.clear();
		render();
		return;
	case Timer::Throttle:
		throttled_ = false;
		return;
	}
}

void Session::on_login_result(LoginResult r)
{
	Event e = Event::PbxFailed;
	if (r.kind == LoginResult::Accepted)
		e = Event::PbxAccepted;
	else if (r.kind == LoginResult::Refused)
		e = Event::PbxRefused;
	post(Posted{e, std::move(r), {}, {}});
}

void Session::on_swap_result(bool ok, const std::string &reason)
{
	post(Posted{ok ? Event::SwapDone : Event::SwapFailed, {}, ok ? std::string() : reason, {}});
}

void Session::on_service(bool up)
{
	dispatch(up ? Event::ServiceRestored : Event::ServiceLost);
}

void Session::on_calls_ended()
{
	dispatch(Event::CallsEnded);
}

void Session::dial_whole(const std::string &number)
{
	ports_.stop_timer(Timer::InterDigit);
	collector_.clear();
	number_ = number;
	number_masked_ = false;
	dispatch(dial_policy(plan_, logged_in(), number_) == DialDecision::Emergency
	             ? Event::EmergencyNumber
	             : Event::NumberEntered);
}

bool Session::may_dial(const std::string &number) const
{
	if (number.empty() || number.rfind(plan_.login_prefix, 0) == 0 ||
	    number.rfind(plan_.logout_code, 0) == 0)
		return false;
	return dial_policy(plan_, logged_in(), number) != DialDecision::Refuse;
}

std::string Session::pending_change() const
{
	switch (deferred_) {
	case Deferred::Logout:
		return "logout";
	case Deferred::Swap:
		return "login";
	case Deferred::None:
		break;
	}
	return "";
}

void Session::on_remote_logout(const std::string &ext)
{
	post(Posted{Event::RemoteLogout, {}, {}, ext});
}

bool Session::remote_logout_concerns(const std::string &ext) const
{
	const bool here = logged_in() && (ext.empty() || ext == occupant_.ext);
	if (state_ == State::LoggingIn)
		return here || ext.empty() || ext == pending_ext_;
	return here;
}

// The policy is the person's on the phone now: it names them, so a roam in
// flight that brings someone else drops it (they get a fresh policy).
void Session::on_auto_logout(const std::string &reason)
{
	post(Posted{
	    Event::RemoteLogout, {}, reason, occupant_.pool ? std::string() : occupant_.ext});
}

void Session::on_registration_refused(const std::string &words, const std::string &why)
{
	refused_words_ = words;
	last_error_ = why;
	dispatch(Event::RegistrationRefused);
}

void Session::set_no_service_text(const std::string &words)
{
	no_service_text_ = words;
}

void Session::on_provisioned(const Identity &person)
{
	Posted p{Event::Provisioned, {}, {}, {}};
	p.result.kind = LoginResult::Accepted;
	p.result.user = person;
	post(std::move(p));
}

void Session::resume_as(const Identity &user)
{
	set_occupant(user);
	state_ = home();
	render();
	replay_logouts(false); // a confirmation in LoggingIn ends here too
}

void Session::confirm_resume(const std::string &ext)
{
	pending_ext_ = ext;
	state_ = State::LoggingIn;
	render();
}

void Session::set_pool(const Identity &pool)
{
	pool_.wipe();
	pool_ = pool;
	pool_.pool = true;
	if (occupant_.pool) {
		occupant_ = pool_;
		render();
	}
}

Status Session::set_dial_plan(const DialPlan &plan)
{
	if (auto s = validate(plan); !s)
		return s;
	// What is typed stays: a profile arriving mid-dial must not eat digits.
	plan_ = plan; // collector_ refers to plan_, so it sees the new plan
	return Ok{};
}

std::vector<std::string> Session::display_lines() const
{
	std::string status;
	switch (state_) {
	case State::Idle:
		status = tr("Emergency calls only");
		break;
	case State::LoggedIn:
		status = tr("Ready");
		break;
	case State::Collecting:
		status = trf("Dial: %s", {masked_ ? std::string(collector_.text().size(), '*')
		                                  : collector_.text()});
		break;
	case State::PinEntry:
		// TRANSLATORS: %1$s is the extension, %2$s the PIN typed so far as '*'.
		status = trf("PIN for %1$s: %2$s", {pending_ext_, std::string(pin_.size(), '*')});
		break;
	case State::LoggingIn:
		status = trf("Logging in %s...", {pending_ext_});
		break;
	case State::LoggingOut:
		status = tr("Logging out...");
		break;
	case State::Error:
		status = no_service_text_.empty() ? tr("No service") : no_service_text_;
		break;
	}
	if (!message_.empty())
		status = message_;
	return {occupant_.label(), status};
}

void Session::render()
{
	ports_.show(display_lines());
}

void Session::say(const std::string &msg)
{
	message_ = msg;
	++said_;
	ports_.start_timer(Timer::Message, t_.message_ms);
}

void Session::set_occupant(const Identity &id)
{
	Identity old = std::move(occupant_);
	occupant_ = id;
	old.wipe();
	ports_.occupant_changed(occupant_);
}

// ---- actions ----

void Session::clear_digits()
{
	collector_.clear();
}

void Session::dial_emergency()
{
	ports_.log_info("session: emergency call to " + number_);
	ports_.dial_emergency(number_);
	say(trf("Emergency call %s", {number_}));
}

void Session::dial_number()
{
	if (number_masked_) { // it may be the PIN: never on the SIP network
		number_masked_ = false;
		ports_.log_info("session: digits typed right after a PIN entry were not dialled");
		say(tr("Number not dialled"));
		return;
	}
	if (dial_policy(plan_, logged_in(), number_) == DialDecision::Refuse) {
		ports_.log_info("session: refused call from the pool identity");
		// TRANSLATORS: %s is the login code ("*77*"); "ext" stands for the
		// extension the person types after it.
		say(trf("Log in to call: %sext*", {plan_.login_prefix}));
		return;
	}
	ports_.dial(number_);
	say(trf("Calling %s", {number_}));
}

void Session::begin_pin()
{
	wipe_pin();
	ports_.start_timer(Timer::Pin, t_.pin_ms);
	ports_.prepare_login();
}

void Session::add_pin()
{
	// Never cut and sent: a PIN longer than any PIN is refused at
	// confirm and never reaches the PBX (nor counts toward its lockout).
	if (pin_.size() < kMaxPin)
		pin_ += pin_digit_;
	else
		pin_overflow_ = true;
	pin_digit_ = 0;
	ports_.start_timer(Timer::Pin, t_.pin_ms);
}

void Session::refuse_long_pin()
{
	wipe_pin();
	ports_.start_timer(Timer::Pin, t_.pin_ms);
	say(tr("PIN too long: retype it"));
}

void Session::prompt_pin()
{
	say(tr("Enter PIN, then #"));
}

void Session::send_login()
{
	ports_.stop_timer(Timer::Pin);
	ports_.pbx_login(pending_ext_, pin_);
	wipe_pin(); // the PIN lives only as long as the request needs it
}

void Session::wipe_pin()
{
	pin_overflow_ = false;
	after_pin_ = false;
	for (auto &c : pin_)
		c = '\0';
	pin_.clear();
	ports_.stop_timer(Timer::Pin);
}

// The PIN entry ended without a login: the person may type on.
void Session::abandon_pin()
{
	wipe_pin();
	after_pin();
}

void Session::after_pin()
{
	after_pin_ = true;
	ports_.start_timer(Timer::Pin, t_.after_pin_ms);
}

void Session::pin_timed_out()
{
	abandon_pin();
	say(tr("Login timed out"));
}

void Session::swap_to_user()
{
	pending_user_ = std::move(result_.user);
	result_ = {};
	ports_.swap_to(pending_user_, false);
}

void Session::commit_user()
{
	last_error_.clear();
	wrong_pins_ = 0;
	set_occupant(pending_user_);
	pending_user_.wipe();
	pending_user_ = {};
	say(trf("Welcome %s", {occupant_.name.empty() ? occupant_.ext : occupant_.name}));
}

void Session::say_refused()
{
	last_error_ = "login refused: " + result_.reason;
	const std::string reason = result_.reason;
	say(refusal_text(reason, pending_ext_));
	result_ = {};
	after_pin();
	if (reason == "wrong_pin" || reason == "locked")
		count_failure(reason == "wrong_pin");
}

void Session::count_failure(bool say_wait)
{
	if (++wrong_pins_ < t_.throttle_after)
		return;
	const unsigned extra = std::min(wrong_pins_ - t_.throttle_after, 16u);
	const unsigned long long ms = std::min<unsigned long long>(
	    static_cast<unsigned long long>(t_.throttle_base_ms) << extra, t_.throttle_max_ms);
	throttled_ = true;
	ports_.start_timer(Timer::Throttle, static_cast<unsigned>(ms));
	if (say_wait) // "locked" from the PBX says more than the wait
		say(trf("Wrong PIN: wait %u s", {std::to_string((ms + 999) / 1000)}));
}

void Session::say_throttled()
{
	collector_.clear();
	after_pin();
	say(tr("Too many wrong PINs: wait"));
}

void Session::say_pbx_failed()
{
	last_error_ = "login server unreachable";
	say(tr("Login server unreachable"));
	result_ = {};
	after_pin();
}

void Session::say_register_failed()
{
	// The PBX has the user logged in here now: undo that (docs/protocol.md).
	ports_.pbx_logout(pending_user_.ext);
	pending_user_.wipe();
	pending_user_ = {};
	// The registrar's answer in words with its code when there was one
	// (BaresipAccounts: "registrar said 403 Forbidden").
	const std::string prefix = "registrar said ";
	if (last_error_.rfind(prefix, 0) == 0)
		say(register_display_text(
		    parse_register_param(false, last_error_.substr(prefix.size()))));
	else
		say(tr("Registration failed"));
}

void Session::start_logout()
{
	deferred_ = Deferred::None;
	collector_.clear();
	wipe_pin();
	if (!message_.empty()) { // "Logging out..." says what happens now
		message_.clear();
		ports_.stop_timer(Timer::Message);
	}
	ports_.pbx_logout(occupant_.ext);
	ports_.swap_to(pool_, true);
}

// The PBX login flow: the code goes to the PBX as a call (only there: a
// bare number is dialled to the account's own registrar); its IVR asks for
// the PIN, which the keypad sends as DTMF in the call.
void Session::dial_login_code()
{
	collector_.clear();
	if (in_call()) {
		say(tr("Hang up first"));
		return;
	}
	ports_.dial(plan_.login_prefix + pending_ext_ + "*");
	say(tr("Login via PBX"));
}

void Session::dial_logout_code()
{
	collector_.clear();
	if (in_call()) {
		say(tr("Hang up first"));
		return;
	}
	ports_.dial(plan_.logout_code);
	say(tr("Logout via PBX"));
}

// As a login the PBX accepted: PbxAccepted runs next (after this row).
void Session::take_provisioned()
{
	collector_.clear();
	wipe_pin();
	pending_ext_ = result_.user.ext;
	post(Posted{Event::PbxAccepted, std::move(result_), {}, {}});
	result_ = {};
}

void Session::commit_pool()
{
	set_occupant(pool_);
	if (!refused_words_.empty())
		// TRANSLATORS: %s is the registrar's refusal ("Password refused (401)").
		say(trf("%s: logged out", {refused_words_}));
	else if (logout_reason_ == "idle")
		say(tr("Logged out: idle"));
	else if (logout_reason_ == "max_session")
		say(tr("Logged out: time limit"));
	else if (logout_reason_ == "daily")
		say(tr("Logged out: end of day"));
	else
		say(tr("Logged out"));
	refused_words_.clear();
}

void Session::logout_failed()
{
	refused_words_.clear();
	// The swapper removed the user's account anyway (force_break): the
	// phone is the pool again, waiting for its registration.
	set_occupant(pool_);
}

void Session::drop_user()
{
	deferred_ = Deferred::None;
	ports_.pbx_logout(occupant_.ext);
	set_occupant(pool_);
	ports_.swap_to(pool_, true);
}

// The registrar refused the person for good: their account goes (no more
// REGISTERs with the refused credentials), the PBX hears a logout, the
// person reads why.
void Session::drop_refused()
{
	ports_.log_info("session: the registrar refused " + occupant_.ext + " (" + last_error_ +
	                "); back to the pool");
	const std::string why = last_error_;
	start_logout();
	last_error_ = why;
	say(refused_words_);
}

// A call is up: the logout waits for it (the display and the status say
// so); the PBX hears of it when it happens.
void Session::defer_logout()
{
	collector_.clear();
	deferred_ = Deferred::Logout;
	ports_.log_info("session: logout deferred until the last call ends");
	say(tr("Logout after the call"));
}

// The PBX accepted a login or roam during a call: the swap waits.
void Session::defer_swap()
{
	pending_user_ = std::move(result_.user);
	result_ = {};
	deferred_ = Deferred::Swap;
	ports_.log_info("session: the identity change waits for the last call to end");
	say(tr("Login after the call"));
}

void Session::run_deferred_swap()
{
	deferred_ = Deferred::None;
	ports_.swap_to(pending_user_, false);
}

void Session::run_deferred_logout()
{
	deferred_ = Deferred::None;
	start_logout();
}

void Session::run_deferred_drop()
{
	deferred_ = Deferred::None;
	drop_user();
}

// A logout asked during a login or roam: kept (one per person it names)
// until the change settles.
void Session::remember_logout()
{
	auto same = [this](const Remembered &m) { return m.ext == target_; };
	remembered_.erase(std::remove_if(remembered_.begin(), remembered_.end(), same),
	                  remembered_.end());
	remembered_.push_back(Remembered{target_, target_reason_});
	ports_.log_info("session: the logout of " +
	                (target_.empty() ? "whoever sits here" : target_) +
	                " waits until the login of " + pending_ext_ + " settles");
}

// The logout key or code while a login or roam runs (a call may hold its
// swap back): the person asked to leave, so they do once it settled.
void Session::remember_own_logout()
{
	const bool known = std::any_of(remembered_.begin(), remembered_.end(),
	                               [](const Remembered &m) { return m.own; });
	if (!known)
		remembered_.push_back(Remembered{"", "", true});
	ports_.log_info("session: the logout key waits until the login of " + pending_ext_ +
	                " settles");
	say(tr("Logout after the login"));
}

// An auto-logout (the only logout posted with a reason) belongs to the
// session it fell due in: a login that completed started a new one, with a
// fresh policy (the agent re-arms it at occupant_changed()), so it goes.
void Session::replay_logouts(bool new_session)
{
	std::vector<Remembered> all;
	all.swap(remembered_);
	for (auto &m : all) {
		if (m.own) { // after a failed login nobody is here: the failure stays shown
			if (logged_in())
				dispatch(Event::LogoutKey);
			else
				ports_.log_info(
				    "session: the logout key is dropped: nobody is logged in");
			continue;
		}
		if (new_session && !m.reason.empty()) {
			ports_.log_info("session: the auto logout (" + m.reason + ") of " + m.ext +
			                " is dropped: " + occupant_.ext + " logged in since");
			continue;
		}
		post(Posted{Event::RemoteLogout, {}, std::move(m.reason), std::move(m.ext)});
	}
}

void Session::drop_logout()
{
	ports_.log_info(
	    "session: the logout of " + (target_.empty() ? "whoever sits here" : target_) +
	    " is dropped: " + (logged_in() ? occupant_.ext + " sits here" : "nobody is logged in"));
}

void Session::say_not_logged_in()
{
	say(tr("Not logged in"));
}
void Session::say_invalid()
{
	say(message_.empty() ? tr("Unknown code") : message_);
}
void Session::say_wait()
{
	say(tr("Please wait"));
}
void Session::say_no_service()
{
	say(tr("No service"));
}
void Session::say_restored()
{
	say(tr("Service restored"));
}

} // namespace hotdesk

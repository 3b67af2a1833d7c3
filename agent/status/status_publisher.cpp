// SPDX-License-Identifier: BSD-3-Clause
#include "status_publisher.h"

#include "../../platform/clock/clock.h"

#include <chrono>

namespace hotdesk
{

const char *status_state_of(State s, bool logged_in)
{
	switch (s) {
	case State::Idle:
	case State::Collecting:
	case State::PinEntry:
		return logged_in ? "logged-in" : "idle";
	case State::LoggingIn:
		return "logging-in";
	case State::LoggedIn:
		return "logged-in";
	case State::LoggingOut:
		return "logging-out";
	case State::Error:
		return "error";
	}
	return "error";
}

// seq starts from the wall clock in microseconds so that it keeps
// increasing across restarts (the PBX keeps the highest it has seen;
// docs/protocol.md): a restarted daemon starts above anything its
// predecessor sent, and stays below 2^53, exact in every JSON parser.
StatusPublisher::StatusPublisher(std::string device_id, std::unique_ptr<StatusPush> push)
    : device_id_(std::move(device_id)), push_(std::move(push)), started_ms_(monotonic_ms())
{
	seq_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
	                                 std::chrono::system_clock::now().time_since_epoch())
	                                 .count());
}

void StatusPublisher::update(const StatusFacts &f)
{
	StatusSnapshot s = published_;
	s.device_id = device_id_;
	s.pool_ext = f.pool_ext;
	s.state = f.state;
	s.user_ext = f.user_ext;
	s.user_name = f.user_name;
	s.registration = f.registration;
	s.last_error = f.last_error;
	s.pending = f.pending;
	s.state_damaged = f.state_damaged;
	s.calls = f.calls;
	s.logout_reason = f.last_logout_reason;
	s.emergency_via = f.emergency_via;
	s.emergency_ext = f.emergency_ext;
	s.emergency_registration = f.emergency_registration;
	s.emergency_callback = f.emergency_callback;
	s.location = f.location;
	s.version = HOTDESK_VERSION;
	const bool same = have_ && s == published_;
	// Read fresh by every poll, but no change of their own (see the model).
	published_.auto_logout_policy = s.auto_logout_policy = f.auto_logout_policy;
	published_.auto_logout_next = s.auto_logout_next = f.auto_logout_reason;
	published_.auto_logout_at = s.auto_logout_at = f.auto_logout_at;
	if (same)
		return;
	if (!have_ || s.state != published_.state || s.user_ext != published_.user_ext)
		s.since_iso = utc_now_iso8601();
	s.seq = ++seq_;
	s.uptime_s = (monotonic_ms() - started_ms_) / 1000;
	published_ = s;
	have_ = true;
	if (push_)
		push_->publish(published_);
}

StatusSnapshot StatusPublisher::current() const
{
	StatusSnapshot s = published_;
	s.uptime_s = (monotonic_ms() - started_ms_) / 1000;
	return s;
}

} // namespace hotdesk

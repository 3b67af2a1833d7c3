// SPDX-License-Identifier: BSD-3-Clause
// Automatic logout: the desk frees itself when its person forgot to log out.
// Pure logic over times given by the caller (seconds since the Unix epoch,
// UTC), so unit tests need no clock; the owner (agent/occupancy/
// auto_logout.h) feeds it the wall clock and re timers.
//
// Policies (device profile, docs/profile.md), each optional, combinable:
//   idle         no key press and no call for `idle_s`; a call suspends it,
//                its end counts as activity
//   max_session  `max_session_s` after the login (the occupancy's `since`)
//   daily        at a local time of day; the caller computes the next one
//                (the C library's tz database, DST-correct) as `NextDaily`
// The earliest due deadline wins. For the last `countdown_s` before it the
// phone shows a countdown: any key keeps an idle session; "Stay" postpones
// max_session (by the policy's length) or daily (to the next day) only
// when the policy allows it.
//
// Power safety: max_session and daily count from the login time, which is
// persisted, so a phone that restarts after its deadline finds it due at
// once, one that restarts before it keeps the same deadline. Idle time
// counts from the last key, call or restart.
#pragma once

#include "error.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace hotdesk
{

enum class AutoLogoutReason { Idle, MaxSession, Daily };

// The word the PBX protocol and the status endpoint use: idle,
// max_session, daily.
const char *auto_logout_reason_name(AutoLogoutReason r);

struct AutoLogoutPolicy {
	uint32_t idle_s = 0;        // 0: no idle logout
	uint32_t max_session_s = 0; // 0: no maximum session
	int daily_minute = -1;      // minutes after local midnight; -1: none
	uint32_t countdown_s = 60;  // the countdown before any of them
	bool stay_allowed = false;  // "Stay" for max_session and daily
	bool any() const { return idle_s || max_session_s || daily_minute >= 0; }
	bool operator==(const AutoLogoutPolicy &o) const
	{
		return idle_s == o.idle_s && max_session_s == o.max_session_s &&
		       daily_minute == o.daily_minute && countdown_s == o.countdown_s &&
		       stay_allowed == o.stay_allowed;
	}
	bool operator!=(const AutoLogoutPolicy &o) const { return !(*this == o); }
};

// "90s", "30m", "8h" (a number and one unit; 1 s .. 7 days).
Expected<uint32_t> parse_auto_logout_duration(std::string_view text);
// "HH:MM", 24-hour clock: minutes after midnight.
Expected<int> parse_clock_time(std::string_view text);
// "19:00" from minutes after midnight.
std::string clock_time_text(int minute_of_day);

class AutoLogoutPlan
{
public:
	// The next local `daily_minute` strictly after `after_s`, in UTC
	// seconds; -1 when it cannot be computed.
	using NextDaily = std::function<int64_t(int64_t after_s, int daily_minute)>;

	enum class Phase { Off, Waiting, Countdown, Due };
	struct View {
		Phase phase = Phase::Off;
		AutoLogoutReason reason = AutoLogoutReason::Idle;
		int64_t deadline_s = -1;
		int64_t seconds_left = 0;
		bool stay_allowed = false; // a Stay key counts (idle: any key)
	};

	// A person is on the phone since `login_s` (restored or new). A policy
	// change while logged in re-arms with the same login time.
	void arm(const AutoLogoutPolicy &p, int64_t login_s, int64_t now_s, NextDaily next_daily);
	// The phone is the pool again: nothing is due.
	void disarm() { armed_ = false; }
	bool armed() const { return armed_; }
	const AutoLogoutPolicy &policy() const { return policy_; }

	// A key was pressed or the last call ended.
	void activity(int64_t now_s) { last_activity_s_ = now_s; }
	// While a call is up idle time does not run.
	void set_in_call(bool in_call, int64_t now_s);
	// A key during a countdown. Returns true when it kept the session
	// (idle: any key; max_session/daily: `stay` and only if allowed); the
	// key is then consumed.
	bool keep(bool stay, int64_t now_s);
	// A Stay as it is kept across a restart: "max_session <unix s>" or
	// "daily <unix s>" (the postponed deadline); "" when none was pressed.
	const std::string &stay_record() const { return stay_record_; }
	// Put a kept Stay back (after arm()); an unreadable one is ignored.
	void restore_stay(const std::string &record);

	View at(int64_t now_s) const;
	// When the owner must look again: the countdown's start, each second
	// within it, the deadline. -1: never (off, or only idle during a call).
	int64_t next_wakeup(int64_t now_s) const;

private:
	struct Candidate {
		int64_t at_s;
		AutoLogoutReason reason;
	};
	bool earliest(Candidate &out) const;

	AutoLogoutPolicy policy_;
	NextDaily next_daily_;
	bool armed_ = false;
	bool in_call_ = false;
	int64_t last_activity_s_ = 0;
	int64_t max_session_at_s_ = -1;
	int64_t daily_at_s_ = -1;
	std::string stay_record_;
};

} // namespace hotdesk

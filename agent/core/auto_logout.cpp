// SPDX-License-Identifier: BSD-3-Clause
#include "auto_logout.h"

namespace hotdesk
{

const char *auto_logout_reason_name(AutoLogoutReason r)
{
	switch (r) {
	case AutoLogoutReason::Idle:
		return "idle";
	case AutoLogoutReason::MaxSession:
		return "max_session";
	case AutoLogoutReason::Daily:
		return "daily";
	}
	return "?";
}

Expected<uint32_t> parse_auto_logout_duration(std::string_view t)
{
	const auto bad = [&] {
		return make_error("auto logout",
		                  "\"" + std::string(t) +
		                      "\" is not a duration like 90s, 30m or 8h (1 s to 7 days)");
	};
	if (t.size() < 2 || t.size() > 7)
		return bad();
	uint64_t n = 0;
	for (char c : t.substr(0, t.size() - 1)) {
		if (c < '0' || c > '9')
			return bad();
		n = n * 10 + static_cast<uint64_t>(c - '0');
	}
	switch (t.back()) {
	case 's':
		break;
	case 'm':
		n *= 60;
		break;
	case 'h':
		n *= 3600;
		break;
	default:
		return bad();
	}
	if (n < 1 || n > 7 * 24 * 3600)
		return bad();
	return static_cast<uint32_t>(n);
}

Expected<int> parse_clock_time(std::string_view t)
{
	const auto digit = [&](size_t i) { return t[i] >= '0' && t[i] <= '9'; };
	if (t.size() != 5 || t[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
		return make_error("auto logout",
		                  "\"" + std::string(t) + "\" is not a time of day like 19:00");
	const int h = (t[0] - '0') * 10 + (t[1] - '0');
	const int m = (t[3] - '0') * 10 + (t[4] - '0');
	if (h > 23 || m > 59)
		return make_error("auto logout", "\"" + std::string(t) + "\" is not a time of day");
	return h * 60 + m;
}

std::string clock_time_text(int minute_of_day)
{
	const int h = minute_of_day / 60, m = minute_of_day % 60;
	std::string s;
	s += static_cast<char>('0' + h / 10);
	s += static_cast<char>('0' + h % 10);
	s += ':';
	s += static_cast<char>('0' + m / 10);
	s += static_cast<char>('0' + m % 10);
	return s;
}

void AutoLogoutPlan::arm(const AutoLogoutPolicy &p, int64_t login_s, int64_t now_s,
                         NextDaily next_daily)
{
	policy_ = p;
	next_daily_ = std::move(next_daily);
	armed_ = p.any();
	stay_record_.clear();
	last_activity_s_ = now_s;
	max_session_at_s_ = p.max_session_s ? login_s + p.max_session_s : -1;
	// The first daily time after the login: a phone that was off across it
	// finds it due when it comes back.
	daily_at_s_ =
	    (p.daily_minute >= 0 && next_daily_) ? next_daily_(login_s, p.daily_minute) : -1;
}

void AutoLogoutPlan::restore_stay(const std::string &record)
{
	const size_t sp = record.find(' ');
	if (sp == std::string::npos || sp + 1 >= record.size() || record.size() - sp > 20 ||
	    record.find_first_not_of("0123456789", sp + 1) != std::string::npos)
		return;
	const int64_t at = std::stoll(record.substr(sp + 1));
	const std::string what = record.substr(0, sp);
	if (what == "max_session" && policy_.max_session_s && policy_.stay_allowed)
		max_session_at_s_ = at;
	else if (what == "daily" && policy_.daily_minute >= 0 && policy_.stay_allowed)
		daily_at_s_ = at;
	else
		return;
	stay_record_ = record;
}

void AutoLogoutPlan::set_in_call(bool in_call, int64_t now_s)
{
	if (in_call_ && !in_call)
		last_activity_s_ = now_s; // the end of a call counts as activity
	in_call_ = in_call;
}

bool AutoLogoutPlan::earliest(Candidate &out) const
{
	if (!armed_)
		return false;
	bool have = false;
	const auto consider = [&](int64_t at, AutoLogoutReason r) {
		if (at >= 0 && (!have || at < out.at_s)) {
			out = Candidate{at, r};
			have = true;
		}
	};
	if (policy_.idle_s && !in_call_)
		consider(last_activity_s_ + policy_.idle_s, AutoLogoutReason::Idle);
	consider(max_session_at_s_, AutoLogoutReason::MaxSession);
	consider(daily_at_s_, AutoLogoutReason::Daily);
	return have;
}

AutoLogoutPlan::View AutoLogoutPlan::at(int64_t now_s) const
{
	View v;
	Candidate c{};
	if (!earliest(c))
		return v;
	v.reason = c.reason;
	v.deadline_s = c.at_s;
	v.seconds_left = c.at_s > now_s ? c.at_s - now_s : 0;
	v.stay_allowed = c.reason == AutoLogoutReason::Idle || policy_.stay_allowed;
	if (now_s >= c.at_s)
		v.phase = Phase::Due;
	else if (now_s >= c.at_s - static_cast<int64_t>(policy_.countdown_s))
		v.phase = Phase::Countdown;
	else
		v.phase = Phase::Waiting;
	return v;
}

bool AutoLogoutPlan::keep(bool stay, int64_t now_s)
{
	const View v = at(now_s);
	if (v.phase != Phase::Countdown)
		return false;
	switch (v.reason) {
	case AutoLogoutReason::Idle:
		activity(now_s);
		return true;
	case AutoLogoutReason::MaxSession:
		if (!stay || !policy_.stay_allowed)
			return false;
		max_session_at_s_ = now_s + policy_.max_session_s;
		stay_record_ = "max_session " + std::to_string(max_session_at_s_);
		return true;
	case AutoLogoutReason::Daily:
		if (!stay || !policy_.stay_allowed)
			return false;
		daily_at_s_ = next_daily_ ? next_daily_(daily_at_s_, policy_.daily_minute) : -1;
		stay_record_ = "daily " + std::to_string(daily_at_s_);
		return true;
	}
	return false;
}

int64_t AutoLogoutPlan::next_wakeup(int64_t now_s) const
{
	const View v = at(now_s);
	switch (v.phase) {
	case Phase::Off:
		return -1;
	case Phase::Waiting:
		return v.deadline_s - static_cast<int64_t>(policy_.countdown_s);
	case Phase::Countdown:
		return now_s + 1;
	case Phase::Due:
		return now_s;
	}
	return -1;
}

} // namespace hotdesk

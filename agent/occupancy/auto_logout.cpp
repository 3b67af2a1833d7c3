// SPDX-License-Identifier: BSD-3-Clause
#include "auto_logout.h"

#include "../core/i18n.h"
#include "../core/log.h"

#include "../../platform/clock/local_time.h"

namespace hotdesk
{

namespace
{

std::string duration_text(uint32_t s)
{
	if (s % 3600 == 0)
		return std::to_string(s / 3600) + "h";
	if (s % 60 == 0)
		return std::to_string(s / 60) + "m";
	return std::to_string(s) + "s";
}

} // namespace

AutoLogout::AutoLogout(Handlers h) : h_(std::move(h))
{
	tmr_init(&tmr_);
}

AutoLogout::~AutoLogout()
{
	tmr_cancel(&tmr_);
}

AutoLogoutPlan::NextDaily AutoLogout::next_daily() const
{
	const std::string tz = timezone_;
	return [tz](int64_t after, int minute) { return next_local_time(after, minute, tz); };
}

void AutoLogout::set_policy(const AutoLogoutPolicy &p, const std::string &timezone)
{
	// The same policy again (every profile re-check): the deadlines, and a
	// Stay the person pressed, stand.
	if (p == policy_ && timezone == requested_tz_)
		return;
	requested_tz_ = timezone;
	policy_ = p;
	timezone_ = timezone;
	if (p.daily_minute >= 0 && !timezone_known(timezone)) {
		log_warn("auto logout: time zone \"" + timezone +
		         "\" is not in this phone's tz database; the daily logout uses UTC");
		timezone_ = "UTC";
	}
	if (!since_.empty())
		person(since_, stay_);
}

void AutoLogout::person(const std::string &since, const std::string &stay)
{
	since_ = since;
	stay_ = stay;
	int64_t login = parse_iso8601_utc(since);
	const int64_t now = utc_now_s();
	if (login < 0 || login > now)
		login = now; // an unreadable or future login time counts from now
	plan_.arm(policy_, login, now, next_daily());
	plan_.restore_stay(stay);
	reported_ = false;
	reschedule();
}

void AutoLogout::pool()
{
	since_.clear();
	plan_.disarm();
	reported_ = false;
	reschedule();
}

std::optional<AutoLogoutReason> AutoLogout::due_since(const std::string &since,
                                                      const std::string &stay) const
{
	const int64_t login = parse_iso8601_utc(since);
	if (login < 0)
		return std::nullopt;
	AutoLogoutPlan p;
	const int64_t now = utc_now_s();
	p.arm(policy_, login, now, next_daily());
	p.restore_stay(stay);
	const auto v = p.at(now);
	if (v.phase == AutoLogoutPlan::Phase::Due)
		return v.reason;
	return std::nullopt;
}

bool AutoLogout::on_key(const Key &k)
{
	if (!plan_.armed())
		return false;
	const int64_t now = utc_now_s();
	const bool stay = (k.kind == KeyKind::Softkey && k.index == 1) || k.kind == KeyKind::Ok;
	const bool kept = plan_.keep(stay, now);
	if (kept)
		log_info("auto logout: the person stays");
	if (kept && plan_.stay_record() != stay_) {
		stay_ = plan_.stay_record();
		if (h_.stayed)
			h_.stayed(stay_);
	} else
		plan_.activity(now);
	reschedule();
	return kept;
}

void AutoLogout::on_activity()
{
	if (!plan_.armed())
		return;
	plan_.activity(utc_now_s());
	reschedule();
}

void AutoLogout::on_calls(bool active)
{
	plan_.set_in_call(active, utc_now_s());
	reschedule();
}

// Wakes at the countdown's start, each second through it and at the
// deadline; nothing between (no polling while the person works).
void AutoLogout::reschedule()
{
	tmr_cancel(&tmr_);
	const int64_t now = utc_now_s();
	const auto v = plan_.at(now);
	if (v.phase == AutoLogoutPlan::Phase::Due && !reported_) {
		reported_ = true;
		log_info(std::string("auto logout: ") + auto_logout_reason_name(v.reason) +
		         " is due");
		if (h_.due)
			h_.due(v.reason);
	}
	const std::vector<std::string> lines = countdown_lines();
	if (lines != shown_) {
		shown_ = lines;
		if (h_.screen_changed)
			h_.screen_changed();
	}
	if (reported_)
		return;
	const int64_t at = plan_.next_wakeup(now);
	if (at < 0)
		return;
	const uint64_t ms = at > now ? static_cast<uint64_t>(at - now) * 1000 : 0;
	tmr_start(&tmr_, ms, fire_h, this);
}

void AutoLogout::fire_h(void *arg)
{
	static_cast<AutoLogout *>(arg)->reschedule();
}

std::vector<std::string> AutoLogout::countdown_lines() const
{
	if (reported_)
		return {};
	const auto v = plan_.at(utc_now_s());
	if (v.phase != AutoLogoutPlan::Phase::Countdown)
		return {};
	std::vector<std::string> lines{
	    trf("Auto logout in %u s", {std::to_string(v.seconds_left)})};
	if (v.reason == AutoLogoutReason::Idle)
		lines.push_back(tr("Press any key to stay"));
	else if (v.stay_allowed)
		lines.push_back(tr("Stay: OK or softkey 1"));
	return lines;
}

bool AutoLogout::stay_offered() const
{
	const auto v = plan_.at(utc_now_s());
	return !reported_ && v.phase == AutoLogoutPlan::Phase::Countdown &&
	       v.reason != AutoLogoutReason::Idle && v.stay_allowed;
}

std::string AutoLogout::policy_text() const
{
	std::string out;
	const auto add = [&](const std::string &s) { out += (out.empty() ? "" : ", ") + s; };
	if (policy_.idle_s)
		add("idle " + duration_text(policy_.idle_s));
	if (policy_.max_session_s)
		add("max_session " + duration_text(policy_.max_session_s));
	if (policy_.daily_minute >= 0)
		add("daily " + clock_time_text(policy_.daily_minute) + " " + timezone_);
	return out;
}

std::string AutoLogout::next_reason() const
{
	const auto v = plan_.at(utc_now_s());
	return v.phase == AutoLogoutPlan::Phase::Off ? "" : auto_logout_reason_name(v.reason);
}

std::string AutoLogout::next_at() const
{
	const auto v = plan_.at(utc_now_s());
	return v.phase == AutoLogoutPlan::Phase::Off ? "" : iso8601_utc(v.deadline_s);
}

} // namespace hotdesk

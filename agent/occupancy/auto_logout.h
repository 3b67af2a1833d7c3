// SPDX-License-Identifier: BSD-3-Clause
// The desk frees itself: the auto-logout policies of the device profile
// (agent/core/auto_logout.h) on the wall clock and one re timer. While a
// person is on the phone it sleeps until the countdown's start, ticks once
// a second through the countdown (the display shows it), and at the
// deadline tells the composition root, which logs out through the session
// (a call defers it; docs/profile.md, docs/protocol.md).
//
// Times: seconds since the epoch, UTC. The daily time is local to the
// profile's `timezone` (IANA name; unknown names are UTC, logged).
#pragma once

#include "../core/auto_logout.h"
#include "../core/key.h"

#include "../../platform/re/re_cxx.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hotdesk
{

class AutoLogout
{
public:
	struct Handlers {
		std::function<void(AutoLogoutReason)> due; // log the person out now
		std::function<void()> screen_changed;      // the countdown's lines changed
		// The person postponed a deadline: keep `stay` with the occupancy
		// (AutoLogoutPlan::stay_record) and hand it back to person().
		std::function<void(const std::string &stay)> stayed;
	};
	explicit AutoLogout(Handlers h);
	~AutoLogout();
	AutoLogout(const AutoLogout &) = delete;
	AutoLogout &operator=(const AutoLogout &) = delete;

	// The device profile's policy; re-arms a person's session with the same
	// login time (their deadlines move with the policy).
	void set_policy(const AutoLogoutPolicy &p, const std::string &timezone);
	// The occupant: a person logged in since `since` (ISO 8601 UTC, the
	// occupancy record's), or nobody (the pool).
	void person(const std::string &since, const std::string &stay = "");
	void pool();
	// At start, before resuming a person: the policy that was already due
	// for a login at `since` (the phone was off across its deadline).
	std::optional<AutoLogoutReason> due_since(const std::string &since,
	                                          const std::string &stay = "") const;

	// A key: true when it kept the session during a countdown (consumed).
	// Any other key counts as activity.
	bool on_key(const Key &k);
	// A key while the countdown is not on the screen (countdown_may_show()):
	// activity only, never "Stay", never consumed.
	void on_activity();
	void on_calls(bool active);

	// The countdown's display lines; empty when none runs.
	std::vector<std::string> countdown_lines() const;
	// A countdown runs whose "Stay" key counts (max_session or daily with
	// stay allowed; idle takes any key).
	bool stay_offered() const;
	// For the status endpoint: the policy ("idle 30m, daily 19:00"; "" for
	// none) and the next deadline (reason, ISO 8601 UTC; "" when none).
	std::string policy_text() const;
	std::string next_reason() const;
	std::string next_at() const;

private:
	static void fire_h(void *arg);
	void reschedule();
	AutoLogoutPlan::NextDaily next_daily() const;

	Handlers h_;
	AutoLogoutPolicy policy_;
	std::string timezone_ = "UTC";
	std::string requested_tz_ = "UTC"; // as the profile says (timezone_ may fall back)
	std::string since_;                // "" while the pool is on the phone
	std::string stay_;                 // a kept Stay (AutoLogoutPlan::stay_record)
	AutoLogoutPlan plan_;
	// The due policy went to the session, once: a login or roam in flight
	// keeps it until that change settles (Session::on_auto_logout); the
	// next occupant re-arms this with person() or pool().
	bool reported_ = false;
	std::vector<std::string> shown_;
	struct tmr tmr_;
};

} // namespace hotdesk

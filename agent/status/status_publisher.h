// SPDX-License-Identifier: BSD-3-Clause
// Publishes the phone's status: one snapshot serves both the PBX's poll
// (StatusServer -> current()) and the push to the PBX (StatusPush). Every
// change of what the PBX sees bumps `seq`; `since` moves when the state or
// the person changes. Wire formats: docs/status-api.yaml, docs/protocol.md.
#pragma once

#include "../core/session.h"
#include "status_model.h"
#include "status_push.h"

#include <cstdint>
#include <memory>
#include <string>

namespace hotdesk
{

// What the owners know; everything in StatusSnapshot but the bookkeeping.
struct StatusFacts {
	std::string pool_ext;
	std::string state; // idle | logging-in | logged-in | logging-out | error
	std::string user_ext, user_name;
	std::string registration; // registered | registering | failed | unknown
	std::string last_error;
	std::string pending;       // "" | logout | login
	std::string state_damaged; // damaged state files kept aside, "" when none
	uint64_t calls = 0;
	std::string auto_logout_policy, auto_logout_reason, auto_logout_at;
	std::string last_logout_reason;
	std::string emergency_via = "occupant"; // pool | occupant
	std::string emergency_ext, emergency_registration, emergency_callback;
	CivicAddress location;
};

// The status API's word for a session state (docs/status-api.yaml).
const char *status_state_of(State s, bool logged_in);

class StatusPublisher
{
public:
	// `push` may be null (pushes off).
	StatusPublisher(std::string device_id, std::unique_ptr<StatusPush> push);
	// Takes the current facts: when any differs from what was published, a
	// new snapshot (seq + 1) is published and pushed.
	void update(const StatusFacts &f);
	// Holds back the push (StatusPush::hold); no-op with pushes off.
	void hold_push(bool on)
	{
		if (push_)
			push_->hold(on);
	}
	// The published snapshot, with the uptime of now: what a poll returns.
	StatusSnapshot current() const;

private:
	std::string device_id_;
	std::unique_ptr<StatusPush> push_;
	StatusSnapshot published_;
	bool have_ = false;
	uint64_t seq_ = 0;
	uint64_t started_ms_ = 0;
};

} // namespace hotdesk

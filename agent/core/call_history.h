// SPDX-License-Identifier: BSD-3-Clause
// One person's recent calls: missed, received, dialled; the last 20, newest
// first. Held in memory only (a shared phone must not keep who a person
// talked to) and wiped at logout. Browsed on the display with up/down.
//
// Calls (calls.h) records into it when a call ends; the agent routes up,
// down and cancel here while no call is up, and redials selected() on
// send/ok through the dial policy.
#pragma once

#include "key.h"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace hotdesk
{

enum class CallKind { Missed, Received, Dialled };
const char *call_kind_name(CallKind k); // "Missed" | "Received" | "Dialled"

struct CallRecord {
	CallKind kind = CallKind::Dialled;
	std::string number;      // the peer URI's user part ("200")
	std::string name;        // the peer's display name, may be empty
	uint64_t duration_s = 0; // talk time; 0 if never connected
};

class CallHistory
{
public:
	static constexpr size_t kMax = 20;

	// A call that ended. `unseen` counts a missed call for the idle
	// display until the person opens the history (a call the person
	// rejected is missed but not unseen).
	void add(CallRecord r, bool unseen);

	const std::deque<CallRecord> &entries() const { return entries_; } // newest first
	size_t missed_unseen() const { return unseen_; }
	// The idle display's line: "1 missed call", "3 missed calls", or "".
	std::string idle_line() const;
	// The last number dialled (redial), "" if none.
	std::string last_dialled() const;

	// Browsing. Up/Down open the list (at the newest entry) and move the
	// cursor (down: older); Cancel closes it. Opening marks missed calls
	// seen. Returns whether the key was the history's: while browsing,
	// every other key closes it and is not consumed (send/ok: the agent
	// reads selected() first to redial).
	bool on_key(const Key &k);
	bool browsing() const { return browsing_; }
	void open();
	void close() { browsing_ = false; }
	const CallRecord *selected() const;
	size_t cursor() const { return cursor_; }
	// The screen while browsing: {who, "<Kind> [<number>]   i/n"}; who is
	// the name, else the number. {"Call history", "No calls"} when empty.
	std::vector<std::string> lines() const;

	// Logout: overwrite and forget everything.
	void wipe();

private:
	std::deque<CallRecord> entries_;
	size_t unseen_ = 0;
	bool browsing_ = false;
	size_t cursor_ = 0;
};

} // namespace hotdesk

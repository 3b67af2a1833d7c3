// SPDX-License-Identifier: BSD-3-Clause
// The BLF lamps' source: one dialog event subscription (RFC 4235) per
// monitored extension of whoever is on the phone, and what each lamp shows.
//
// follow() is told the identity on the phone and the extensions its BLF keys
// monitor (only those that have a key: the board bounds their number). A new
// identity (login, logout, roam, a new pool password) ends every
// subscription and makes them anew with its credentials; the same identity
// with another list only adds and removes the difference.
//
// States: Unknown until the first NOTIFY, and again whenever the subscription
// is lost or refused; Idle, Ringing, Busy from the dialog-info bodies
// (blf_state_of(), dialog_info.h). A subscription that ends (refused with
// 403/404/489, no answer, terminated by the server) is made again after a
// jittered backoff per extension (core/backoff.h), so a server that refuses
// sees at most one SUBSCRIBE per extension per backoff step, never a storm.
// libre refreshes accepted subscriptions before they expire.
#pragma once

#include "../core/backoff.h"
#include "../core/blf_layout.h"
#include "../core/identity.h"
#include "../profile/dialog_info.h"
#include "dialog_subscriber.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hotdesk
{

struct BlfLampsOptions {
	unsigned expires_s = 600;          // asked for in each SUBSCRIBE
	BackoffPolicy retry{2000, 300000}; // after a refusal or a loss
	uint64_t seed = 0;                 // jitter seed; 0: random
};

class BlfLamps
{
public:
	// `changed(ext, state)` after every change of a lamp's state.
	using Changed = std::function<void(const std::string &ext, BlfState s)>;
	BlfLamps(DialogSubscriber &sip, WatchTimers &timers, BlfLampsOptions o, Changed changed);
	~BlfLamps();
	BlfLamps(const BlfLamps &) = delete;
	BlfLamps &operator=(const BlfLamps &) = delete;

	// Who is on the phone and which extensions its keys monitor.
	void follow(const Identity &who, const std::vector<std::string> &exts);
	// Ends every subscription (shutdown).
	void stop();

	BlfState state(const std::string &ext) const;
	size_t watched() const { return watches_.size(); }

private:
	struct Watch {
		uint64_t sub = 0; // 0: none (waiting for a retry)
		BlfState state = BlfState::Unknown;
		bool have_version = false;
		uint32_t version = 0;
		std::map<std::string, DialogEntry> dialogs; // by dialog id
		Backoff backoff;
		uint64_t change_ms = 0;
		explicit Watch(const BlfLampsOptions &o);
	};

	void on_notify(uint64_t id, const std::string &body, bool active);
	void on_closed(uint64_t id, const DialogWatchEnd &end);
	void on_retry(const std::string &ext);
	void subscribe(const std::string &ext, Watch &w);
	void drop(const std::string &ext, Watch &w);
	void set_state(const std::string &ext, Watch &w, BlfState s);
	std::string ext_of(uint64_t id) const;

	DialogSubscriber &sip_;
	WatchTimers &timers_;
	BlfLampsOptions o_;
	Changed changed_;
	Identity who_;
	bool have_who_ = false;
	std::map<std::string, Watch> watches_;
};

} // namespace hotdesk

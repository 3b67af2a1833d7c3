// SPDX-License-Identifier: BSD-3-Clause
// Subscriptions to the dialog event package (RFC 4235, over RFC 6665
// SUBSCRIBE/NOTIFY) and the retry timers BlfLamps needs, as interfaces:
// sip_dialog_subscriber.h implements them on libre's SIP stack, unit tests
// with fakes.
#pragma once

#include "../core/error.h"

#include <cstdint>
#include <functional>
#include <string>

namespace hotdesk
{

// One subscription: who watches whom, with which credentials.
struct DialogWatch {
	std::string target;   // the monitored AOR, "sip:102@registrar" (Request-URI, To)
	std::string from;     // the watcher's AOR (From), the identity on the phone
	std::string user;     // its SIP user: Contact user, digest user name unless auth_user
	std::string password; // secret: digest only, never logged
	unsigned expires_s = 600;
	std::string auth_user = {}; // the digest user name when not `user` (3CX's auth ID)
};

// Why a subscription ended.
struct DialogWatchEnd {
	int scode = 0;          // the refusing SIP status (403, 404, 489, ...); 0: none
	bool by_notify = false; // the server ended it (Subscription-State: terminated)
	std::string why;        // for the log ("404 Not Found", "no answer (ETIMEDOUT)")
};

class DialogSubscriber
{
public:
	struct Handlers {
		// A NOTIFY's body (already answered 200) on subscription `id`;
		// `active`: its Subscription-State is active (not pending, not
		// terminated).
		std::function<void(uint64_t id, const std::string &body, bool active)> notify;
		// Subscription `id` is over (refused, timed out, terminated by the
		// server); its id is not used again.
		std::function<void(uint64_t id, const DialogWatchEnd &end)> closed;
	};
	virtual ~DialogSubscriber() = default;
	virtual void set_handlers(Handlers h) = 0;
	// Sends the SUBSCRIBE; refreshes it before it expires until unsubscribe().
	virtual Expected<uint64_t> subscribe(const DialogWatch &w) = 0;
	// Ends it (SUBSCRIBE with Expires: 0 when it was accepted); no handler
	// is called for it afterwards.
	virtual void unsubscribe(uint64_t id) = 0;
	// Subscriptions alive (accepted or in progress).
	virtual size_t count() const = 0;
};

// One timer per monitored extension (retry after a failure).
class WatchTimers
{
public:
	virtual ~WatchTimers() = default;
	virtual void set_handler(std::function<void(const std::string &ext)> h) = 0;
	virtual void start(const std::string &ext, uint64_t ms) = 0;
	virtual void stop(const std::string &ext) = 0;
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
// The on-site notification of an emergency call (issue 16; Kari's Law asks
// for one from every multi-line system): the moment an emergency number is
// dialled, hotdeskd tells the PBX
//
//   POST <pbx_url>/api/v1/devices/<mac>/emergency   (docs/protocol.md)
//   {"event":"emergency_call","device":MAC,"pool_ext":..,"number":..,
//    "time":"2026-11-30T12:00:00Z","occupant":{"ext":..,"name":..}|null,
//    "location":{"country":..,"A1":..,..,"ROOM":..},"callback":..}
//
// The call never waits for it: the dial is sent to baresip first and the
// request goes out on libcurl's multi interface. Notices go out one at a
// time, oldest first, and ahead of everything else this phone has queued
// for the PBX: while one is undelivered, `holding()` is true and the
// status push waits (StatusPush::hold). A failure (transport error, 5xx,
// 401/403/404/408/429) is retried with jittered exponential backoff, at
// most max_attempts times in all; a 400, 413 or 422 is not retried. Then
// the notice is dropped with an error in the log and the queue moves on.
#pragma once

#include "../core/backoff.h"
#include "../core/civic_address.h"
#include "../http/http_client.h"
#include "pbx_client.h"

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace hotdesk
{

struct EmergencyCall {
	std::string number;                      // as dialled, e.g. "112"
	std::string pool_ext;                    // the desk's identity (HD0001)
	std::string occupant_ext, occupant_name; // empty: nobody logged in
	std::string time_iso;                    // UTC, ISO 8601, when the number was dialled
	CivicAddress location;
	std::string callback; // emergency callback number or ""
};

// The JSON body above ("" when it cannot be built).
std::string render_emergency_json(const std::string &device, const EmergencyCall &c);

struct EmergencyNoticeConfig {
	PbxConfig pbx; // the PBX the login requests go to (URL, device, token, CA, timeouts)
	unsigned first_backoff_ms = 500;
	unsigned max_backoff_ms = 8000;
	unsigned max_attempts = 6; // first try included
};

class EmergencyNotifier
{
public:
	using Sender = std::function<void(HttpRequest, HttpClient::Done)>;

	EmergencyNotifier(HttpClient &http, EmergencyNoticeConfig cfg);
	// For tests: `send` stands in for HttpClient::perform.
	EmergencyNotifier(Sender send, EmergencyNoticeConfig cfg);
	~EmergencyNotifier();
	EmergencyNotifier(const EmergencyNotifier &) = delete;
	EmergencyNotifier &operator=(const EmergencyNotifier &) = delete;

	// Queue a notice and send it now unless another is in flight or
	// waiting to be retried.
	void notify(const EmergencyCall &c);
	// Called whenever holding() turns false (the other PBX traffic may go).
	void on_released(std::function<void()> f) { released_ = std::move(f); }

	bool holding() const { return !queue_.empty(); }
	size_t queued() const { return queue_.size(); }
	unsigned delivered() const { return delivered_; }
	unsigned dropped() const { return dropped_; }
	unsigned attempts() const { return attempts_; } // of the notice at the front

private:
	void send_now();
	void on_done(Expected<HttpResponse> r);
	void give_up_or_retry(const std::string &why);
	void pop();
	static void retry_h(void *arg);

	Sender send_;
	EmergencyNoticeConfig cfg_;
	std::string url_;
	std::deque<std::string> queue_; // rendered bodies, oldest first
	bool in_flight_ = false;
	unsigned attempts_ = 0;
	unsigned delivered_ = 0, dropped_ = 0;
	Backoff backoff_;
	std::function<void()> released_;
	struct tmr retry_tmr_ {
	};
	std::shared_ptr<EmergencyNotifier *> alive_;
};

} // namespace hotdesk

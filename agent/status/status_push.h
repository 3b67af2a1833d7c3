// SPDX-License-Identifier: BSD-3-Clause
// Pushes the status to the PBX on every change, so its view cannot go stale
// between polls:
//   POST <pbx_url>/api/v1/devices/<mac>/status   (body: render_json)
//   Authorization: Bearer <device token>, server verified against the
//   pinned CA (HttpClient never skips verification).
//
// Newest wins: at most one snapshot is pending, the one with the highest
// seq; publishing a newer one replaces it, an older one is ignored. A
// success for an older seq does not cancel a newer pending one. Failures
// (transport errors, 5xx, 401/403/404/408/429) are retried with jittered
// exponential backoff (core/backoff.h) from first_backoff_ms to
// max_backoff_ms; a 400,
// 413 or 422 means the PBX will never take that document, so it is dropped
// (the next change is pushed as usual). One request in flight at a time.
#pragma once

#include "../core/backoff.h"
#include "../http/http_client.h"
#include "status_model.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace hotdesk
{

struct StatusPushConfig {
	std::string pbx_url; // base URL, e.g. https://pbx.example:8443
	std::string mac;     // this device, lower-case colon separated
	std::string token;   // device token: never logged
	std::string ca_file; // pinned CA for the PBX
	unsigned first_backoff_ms = 500;
	unsigned max_backoff_ms = 30000;
};

class StatusPush
{
public:
	using Sender = std::function<void(HttpRequest, HttpClient::Done)>;

	StatusPush(HttpClient &http, StatusPushConfig cfg);
	// For tests: `send` stands in for HttpClient::perform.
	StatusPush(Sender send, StatusPushConfig cfg);
	~StatusPush();
	StatusPush(const StatusPush &) = delete;
	StatusPush &operator=(const StatusPush &) = delete;

	void publish(const StatusSnapshot &s);
	// While held nothing new is sent (a request in flight finishes): an
	// emergency notice goes to the PBX first (pbx/emergency_notice.h).
	// Releasing sends what is pending.
	void hold(bool on);
	bool held() const { return held_; }

	uint64_t delivered_seq() const { return delivered_; }
	uint64_t pending_seq() const { return pending_ ? pending_->seq : 0; }
	bool in_flight() const { return in_flight_; }
	bool waiting_to_retry() const { return tmr_isrunning(&retry_tmr_); }
	unsigned failures() const { return backoff_.attempts(); }
	// The delay before retry number `failure` (1-based), jitter applied;
	// exposed for tests.
	unsigned backoff_ms(unsigned failure);

private:
	void send_now();
	void on_done(uint64_t seq, Expected<HttpResponse> r);
	void on_failure(uint64_t seq, const std::string &why);
	static void retry_h(void *arg);

	Sender send_;
	StatusPushConfig cfg_;
	std::string url_;
	std::optional<StatusSnapshot> pending_;
	bool in_flight_ = false;
	bool held_ = false;
	uint64_t delivered_ = 0;
	Backoff backoff_; // counts the failures in a row
	struct tmr retry_tmr_ {
	};
	// Callbacks of requests still in flight when we are destroyed find
	// this expired and do nothing.
	std::shared_ptr<StatusPush *> alive_;
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "status_push.h"

#include "../core/log.h"

#include <algorithm>
#include <utility>

namespace hotdesk
{

namespace
{

bool permanent_refusal(long status)
{
	return status == 400 || status == 413 || status == 422;
}

std::string trim_slashes(std::string s)
{
	while (!s.empty() && s.back() == '/')
		s.pop_back();
	return s;
}

} // namespace

StatusPush::StatusPush(HttpClient &http, StatusPushConfig cfg)
    : StatusPush(
          [&http](HttpRequest r, HttpClient::Done d) { http.perform(std::move(r), std::move(d)); },
          std::move(cfg))
{
}

StatusPush::StatusPush(Sender send, StatusPushConfig cfg)
    : send_(std::move(send)), cfg_(std::move(cfg)),
      url_(trim_slashes(cfg_.pbx_url) + "/api/v1/devices/" + cfg_.mac + "/status"),
      backoff_(BackoffPolicy{cfg_.first_backoff_ms, cfg_.max_backoff_ms}),
      alive_(std::make_shared<StatusPush *>(this))
{
	tmr_init(&retry_tmr_);
}

StatusPush::~StatusPush()
{
	tmr_cancel(&retry_tmr_);
}

void StatusPush::publish(const StatusSnapshot &s)
{
	if (s.seq <= delivered_ || (pending_ && s.seq <= pending_->seq))
		return; // the PBX has, or will get, something at least as new
	pending_ = s;
	// While a request is in flight its answer triggers the next send;
	// while backing off the timer does (no hammering a PBX that is down).
	if (!in_flight_ && !tmr_isrunning(&retry_tmr_))
		send_now();
}

void StatusPush::hold(bool on)
{
	held_ = on;
	if (!on && !tmr_isrunning(&retry_tmr_))
		send_now();
}

void StatusPush::send_now()
{
	if (!pending_ || in_flight_ || held_)
		return;
	HttpRequest req;
	req.method = "POST";
	req.url = url_;
	req.body = render_json(*pending_);
	req.ca_file = cfg_.ca_file;
	req.headers.push_back("Authorization: Bearer " + cfg_.token);
	req.max_response = 4096;
	const uint64_t seq = pending_->seq;
	in_flight_ = true;
	std::weak_ptr<StatusPush *> alive = alive_;
	send_(std::move(req), [alive, seq](Expected<HttpResponse> r) {
		if (auto self = alive.lock())
			(*self)->on_done(seq, std::move(r));
	});
}

void StatusPush::on_done(uint64_t seq, Expected<HttpResponse> r)
{
	in_flight_ = false;
	if (!r)
		return on_failure(seq, r.error().str());
	const long code = r->status;
	if (code >= 200 && code < 300) {
		if (backoff_.attempts())
			log_info("status push: PBX reachable again");
		backoff_.reset();
		delivered_ = std::max(delivered_, seq);
		if (pending_ && pending_->seq <= delivered_)
			pending_.reset();
		return send_now(); // a newer snapshot, if one came meanwhile
	}
	if (permanent_refusal(code)) {
		log_warn("status push: PBX refused status " + std::to_string(seq) + " (HTTP " +
		         std::to_string(code) + "); not retried");
		backoff_.reset();
		if (pending_ && pending_->seq == seq)
			pending_.reset();
		return send_now();
	}
	on_failure(seq, "HTTP " + std::to_string(code));
}

void StatusPush::on_failure(uint64_t seq, const std::string &why)
{
	const uint64_t delay = backoff_.next_ms();
	const unsigned failures = backoff_.attempts();
	// First failure and then every tenth: a PBX that is down for an hour
	// should not fill the log.
	if (failures == 1 || failures % 10 == 0)
		log_warn("status push of " + std::to_string(seq) + " failed (" + why +
		         "), attempt " + std::to_string(failures) + "; retrying in " +
		         std::to_string(delay) + " ms");
	tmr_start(&retry_tmr_, delay, retry_h, this);
}

void StatusPush::retry_h(void *arg)
{
	static_cast<StatusPush *>(arg)->send_now();
}

unsigned StatusPush::backoff_ms(unsigned failure)
{
	return static_cast<unsigned>(backoff_.delay_ms(failure));
}

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "emergency_notice.h"

#include "../../platform/re/re_cxx.h"
#include "../core/log.h"

namespace hotdesk
{

namespace
{

int add_str(struct odict *o, const char *key, const std::string &v)
{
	return odict_entry_add(o, key, ODICT_STRING, v.c_str());
}

int add_occupant(struct odict *o, const EmergencyCall &c)
{
	if (c.occupant_ext.empty())
		return odict_entry_add(o, "occupant", ODICT_NULL);
	ReRef<struct odict> u;
	if (odict_alloc(u.out(), 4))
		return ENOMEM;
	if (add_str(u.get(), "ext", c.occupant_ext) || add_str(u.get(), "name", c.occupant_name))
		return ENOMEM;
	return odict_entry_add(o, "occupant", ODICT_OBJECT, u.get());
}

int add_location(struct odict *o, const CivicAddress &a)
{
	ReRef<struct odict> l;
	if (odict_alloc(l.out(), 16))
		return ENOMEM;
	for (const CivicField &f : civic_fields())
		if (add_str(l.get(), f.name, a.*f.member))
			return ENOMEM;
	return odict_entry_add(o, "location", ODICT_OBJECT, l.get());
}

std::string trim_slashes(std::string s)
{
	while (!s.empty() && s.back() == '/')
		s.pop_back();
	return s;
}

bool permanent_refusal(long status)
{
	return status == 400 || status == 413 || status == 422;
}

} // namespace

std::string render_emergency_json(const std::string &device, const EmergencyCall &c)
{
	ReRef<struct odict> o;
	if (odict_alloc(o.out(), 16))
		return {};
	struct odict *d = o.get();
	if (add_str(d, "event", "emergency_call") || add_str(d, "device", device) ||
	    add_str(d, "pool_ext", c.pool_ext) || add_str(d, "number", c.number) ||
	    add_str(d, "time", c.time_iso) || add_occupant(d, c) || add_location(d, c.location) ||
	    add_str(d, "callback", c.callback))
		return {};
	auto json = odict_json(d);
	return json ? *json : std::string();
}

EmergencyNotifier::EmergencyNotifier(HttpClient &http, EmergencyNoticeConfig cfg)
    : EmergencyNotifier(
          [&http](HttpRequest r, HttpClient::Done d) { http.perform(std::move(r), std::move(d)); },
          std::move(cfg))
{
}

EmergencyNotifier::EmergencyNotifier(Sender send, EmergencyNoticeConfig cfg)
    : send_(std::move(send)), cfg_(std::move(cfg)),
      url_(trim_slashes(cfg_.pbx.base_url) + "/api/v1/devices/" + cfg_.pbx.device_id +
           "/emergency"),
      backoff_(BackoffPolicy{cfg_.first_backoff_ms, cfg_.max_backoff_ms}),
      alive_(std::make_shared<EmergencyNotifier *>(this))
{
	tmr_init(&retry_tmr_);
}

EmergencyNotifier::~EmergencyNotifier()
{
	tmr_cancel(&retry_tmr_);
}

void EmergencyNotifier::notify(const EmergencyCall &c)
{
	std::string body = render_emergency_json(cfg_.pbx.device_id, c);
	if (body.empty()) {
		log_error("emergency: cannot build the notice of the call to " + c.number);
		return;
	}
	log_info("emergency: notifying the PBX of the call to " + c.number + " from " + c.pool_ext +
	         (c.occupant_ext.empty() ? std::string() : " (" + c.occupant_ext + ")"));
	queue_.push_back(std::move(body));
	if (!in_flight_ && !tmr_isrunning(&retry_tmr_))
		send_now();
}

void EmergencyNotifier::send_now()
{
	if (queue_.empty() || in_flight_)
		return;
	HttpRequest req;
	req.method = "POST";
	req.url = url_;
	req.body = queue_.front();
	req.ca_file = cfg_.pbx.ca_file;
	req.connect_timeout_ms = cfg_.pbx.connect_timeout_ms;
	req.total_timeout_ms = cfg_.pbx.total_timeout_ms;
	req.headers.push_back("Authorization: Bearer " + cfg_.pbx.token);
	req.headers.push_back("Content-Type: application/json");
	req.max_response = 4096;
	in_flight_ = true;
	++attempts_;
	std::weak_ptr<EmergencyNotifier *> alive = alive_;
	send_(std::move(req), [alive](Expected<HttpResponse> r) {
		if (auto self = alive.lock())
			(*self)->on_done(std::move(r));
	});
}

void EmergencyNotifier::on_done(Expected<HttpResponse> r)
{
	in_flight_ = false;
	if (!r)
		return give_up_or_retry(r.error().str());
	const long code = r->status;
	if (code >= 200 && code < 300) {
		++delivered_;
		log_info("emergency: the PBX has the notice (attempt " + std::to_string(attempts_) +
		         ")");
		return pop();
	}
	if (permanent_refusal(code)) {
		log_error("emergency: the PBX refused the notice (HTTP " + std::to_string(code) +
		          "); not retried");
		++dropped_;
		return pop();
	}
	give_up_or_retry("HTTP " + std::to_string(code));
}

void EmergencyNotifier::give_up_or_retry(const std::string &why)
{
	if (attempts_ >= cfg_.max_attempts) {
		log_error("emergency: the PBX did not take the notice after " +
		          std::to_string(attempts_) + " attempts (" + why + "); dropped");
		++dropped_;
		return pop();
	}
	const uint64_t delay = backoff_.next_ms();
	log_warn("emergency: notice failed (" + why + "), attempt " + std::to_string(attempts_) +
	         "; retrying in " + std::to_string(delay) + " ms");
	tmr_start(&retry_tmr_, delay, retry_h, this);
}

// The front notice is done with: the next one, or the others' turn.
void EmergencyNotifier::pop()
{
	queue_.pop_front();
	attempts_ = 0;
	backoff_.reset();
	if (!queue_.empty())
		return send_now();
	if (released_)
		released_();
}

void EmergencyNotifier::retry_h(void *arg)
{
	static_cast<EmergencyNotifier *>(arg)->send_now();
}

} // namespace hotdesk

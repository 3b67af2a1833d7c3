// SPDX-License-Identifier: BSD-3-Clause
#include "blf_lamps.h"

#include "../core/log.h"

#include <set>

namespace hotdesk
{

namespace
{

const char *state_word(BlfState s)
{
	switch (s) {
	case BlfState::Unknown:
		return "unknown";
	case BlfState::Idle:
		return "idle";
	case BlfState::Ringing:
		return "ringing";
	case BlfState::Busy:
		return "busy";
	}
	return "?";
}

// "102" at the identity's registrar; a full SIP URI stays as it is.
std::string target_of(const std::string &ext, const Identity &who)
{
	if (ext.rfind("sip:", 0) == 0 || ext.rfind("sips:", 0) == 0)
		return ext;
	return "sip:" + ext + "@" + who.domain;
}

bool same_identity(const Identity &a, const Identity &b)
{
	return a.aor() == b.aor() && a.auth_name() == b.auth_name() &&
	       a.sip_password == b.sip_password;
}

} // namespace

BlfLamps::Watch::Watch(const BlfLampsOptions &o)
    : backoff(o.seed ? Backoff(o.retry, o.seed) : Backoff(o.retry))
{
}

BlfLamps::BlfLamps(DialogSubscriber &sip, WatchTimers &timers, BlfLampsOptions o, Changed changed)
    : sip_(sip), timers_(timers), o_(o), changed_(std::move(changed))
{
	sip_.set_handlers({[this](uint64_t id, const std::string &body, bool active) {
		                   on_notify(id, body, active);
	                   },
	                   [this](uint64_t id, const DialogWatchEnd &e) { on_closed(id, e); }});
	timers_.set_handler([this](const std::string &ext) { on_retry(ext); });
}

BlfLamps::~BlfLamps()
{
	changed_ = nullptr; // whoever listens may be gone already
	stop();
	sip_.set_handlers({});
	timers_.set_handler({});
}

void BlfLamps::follow(const Identity &who, const std::vector<std::string> &exts)
{
	if (have_who_ && !same_identity(who, who_))
		stop();
	who_ = who;
	have_who_ = true;
	const std::set<std::string> want(exts.begin(), exts.end());
	for (auto it = watches_.begin(); it != watches_.end();) {
		if (want.count(it->first)) {
			++it;
			continue;
		}
		drop(it->first, it->second);
		it = watches_.erase(it);
	}
	for (const auto &ext : want) {
		if (ext.empty() || watches_.count(ext))
			continue;
		auto &w = watches_.emplace(ext, Watch(o_)).first->second;
		subscribe(ext, w);
	}
}

void BlfLamps::stop()
{
	for (auto &[ext, w] : watches_)
		drop(ext, w);
	watches_.clear();
	wipe_secret(who_.sip_password);
	have_who_ = false;
}

BlfState BlfLamps::state(const std::string &ext) const
{
	auto it = watches_.find(ext);
	return it == watches_.end() ? BlfState::Unknown : it->second.state;
}

void BlfLamps::subscribe(const std::string &ext, Watch &w)
{
	DialogWatch dw{target_of(ext, who_), who_.aor(), who_.sip_user, who_.sip_password,
	               o_.expires_s};
	dw.auth_user = who_.auth_user;
	auto id = sip_.subscribe(dw);
	wipe_secret(dw.password);
	w.have_version = false;
	w.dialogs.clear();
	if (!id) {
		const uint64_t ms = w.backoff.next_ms();
		log_warn("blf: cannot subscribe to " + ext + " (" + id.error().str() +
		         "); again in " + std::to_string(ms) + " ms");
		timers_.start(ext, ms);
		return;
	}
	w.sub = *id;
	log_info("blf: " + who_.ext + " subscribes to the dialog events of " + ext);
}

// Lamps of extensions no longer monitored are simply forgotten (the key
// shows whatever the new layout puts there).
void BlfLamps::drop(const std::string &ext, Watch &w)
{
	timers_.stop(ext);
	if (w.sub)
		sip_.unsubscribe(w.sub);
	w.sub = 0;
	if (w.state != BlfState::Unknown) {
		w.state = BlfState::Unknown;
		if (changed_)
			changed_(ext, BlfState::Unknown);
	}
}

std::string BlfLamps::ext_of(uint64_t id) const
{
	for (const auto &[ext, w] : watches_)
		if (w.sub == id)
			return ext;
	return {};
}

void BlfLamps::set_state(const std::string &ext, Watch &w, BlfState s)
{
	if (w.state == s)
		return;
	w.state = s;
	log_info(std::string("blf: ") + ext + " " + state_word(s));
	if (changed_)
		changed_(ext, s);
}

void BlfLamps::on_notify(uint64_t id, const std::string &body, bool active)
{
	const std::string ext = ext_of(id);
	log_debug("blf: NOTIFY for " + (ext.empty() ? "a dropped subscription" : ext) + ", " +
	          std::to_string(body.size()) + " bytes");
	if (ext.empty())
		return; // a late NOTIFY of a subscription already dropped
	Watch &w = watches_.at(ext);
	if (body.empty()) {
		// No body: no state while pending (RFC 6665 4.1.3). Active with no
		// body is how kamailio's presence_dialoginfo says "no dialog"
		// (without its force_dummy_dialog): idle.
		if (active) {
			w.dialogs.clear();
			w.backoff.reset();
			set_state(ext, w, BlfState::Idle);
		}
		return;
	}
	auto info = parse_dialog_info(body);
	if (!info) {
		log_warn("blf: NOTIFY for " + ext + " ignored: " + info.error().str());
		return;
	}
	// RFC 4235 4.1: a version not above the last one is old news.
	if (w.have_version && info->version <= w.version && info->version != 0)
		return;
	w.have_version = true;
	w.version = info->version;
	if (info->full)
		w.dialogs.clear();
	for (auto &d : info->dialogs) {
		if (d.state == DialogState::Terminated)
			w.dialogs.erase(d.id);
		else
			w.dialogs[d.id] = d;
	}
	std::vector<DialogEntry> now;
	for (const auto &[_, d] : w.dialogs)
		now.push_back(d);
	w.backoff.reset();
	set_state(ext, w, blf_state_of(now));
}

void BlfLamps::on_closed(uint64_t id, const DialogWatchEnd &end)
{
	const std::string ext = ext_of(id);
	if (ext.empty())
		return;
	Watch &w = watches_.at(ext);
	w.sub = 0;
	set_state(ext, w, BlfState::Unknown);
	const uint64_t ms = w.backoff.next_ms();
	log_warn("blf: subscription to " + ext + " ended (" + end.why + "); again in " +
	         std::to_string(ms) + " ms");
	timers_.start(ext, ms);
}

void BlfLamps::on_retry(const std::string &ext)
{
	auto it = watches_.find(ext);
	if (it == watches_.end() || it->second.sub || !have_who_)
		return;
	subscribe(ext, it->second);
}

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "agent.h"

#include "status_endpoint.h"

#include "../../platform/clock/clock.h"
#include "../../platform/fault/crash_point.h"
#include "../core/log.h"
#include "../ctrl/reginfo.h"

#include <chrono>

namespace hotdesk
{

namespace
{

void crash(const std::string &point)
{
	platform::crash_point(point.c_str());
}

} // namespace

Agent::Agent(Config cfg, platform::KeySource &keys, platform::Display &display,
             platform::Storage &storage, KeyGeometry geometry, platform::LedSink *leds)
    : cfg_(std::move(cfg)), keys_(keys), screen_(display, leds), store_(storage),
      occupancy_(store_), blf_keys_(geometry, leds),
      registration_(
          {[this](bool up, const std::string &words) {
	           // Only a lost service or its return move the session.
	           session_->set_no_service_text(words);
	           if (up && !session_->logged_in() && accounts_ &&
	               accounts_->wanted_line() == pool_.line(pool_.identity()))
		           pool_.mark_registered();
	           if (!up || session_->state() == State::Error)
		           session_->on_service(up);
	           // A cached device profile never takes emergency calling
	           // down: a pool account that does not register gives way
	           // to the last one that did (issue 14, kind 1).
	           if (!up && !session_->logged_in() && accounts_ &&
	               pool_.fall_back_now(
	                   *accounts_, !calls_->active() && ctrl_->connected(), [this](bool ok) {
		                   const std::string aor = session_->occupant().aor();
		                   if (ok && !session_->logged_in())
			                   registration_.found_registered(aor, aor);
	                   }))
		           session_->set_pool(pool_.identity());
           },
           [this] { publish(); },
           [this](const std::string &words, const std::string &why) {
	           session_->on_registration_refused(words, why);
           },
           [this] { return reregister(); }},
          cfg_.register_timeout_ms, cfg_.register_retry_ms),
      pool_(
          Identity{true, cfg_.pool_ext, "", cfg_.pool_sip_user, cfg_.pool_password, cfg_.registrar},
          AccountOptions{cfg_.register_interval, cfg_.outbound_proxy}),
      timers_([this](Timer t) { session_->on_timer(t); })
{
}

Agent::~Agent()
{
	session_.reset();
	accounts_.reset();
	ctrl_.reset();
}

Status Agent::start()
{
	if (auto s = http_.init(); !s)
		return s;
	CtrlClient::Handlers h;
	h.up = [this] {
		const Identity &want = session_->occupant();
		accounts_->want(pool_.line(want), want.aor());
		accounts_->on_up();
		registration_.expect(want.aor());
	};
	h.down = [this](const std::string &why) {
		accounts_->on_down(why);
		calls_->on_service_lost();
		registration_.lost();
		hotdesk::log_warn("agent: baresip unreachable (" + why +
		                  "); emergency calls wait for it");
		session_->on_service(false);
		publish();
	};
	h.event = [this](const CtrlMessage &m) { on_ctrl_event(m); };
	ctrl_ = std::make_unique<CtrlClient>(cfg_.ctrl_tcp, h, cfg_.ctrl_timeout_ms);
	accounts_ = std::make_unique<BaresipAccounts>(*ctrl_, cfg_.register_timeout_ms);
	accounts_->on_found_registered([this](const std::string &aor) {
		registration_.found_registered(aor, session_->occupant().aor());
	});
	session_ = std::make_unique<Session>(cfg_.dial_plan, pool_.identity(), *this, cfg_.timings);
	PhoneCalls::Handlers ch;
	ch.screen_changed = [this] {
		screen_.calls_changed(*session_, *calls_);
		redraw();
	};
	ch.last_call_ended = [this] { on_last_call_ended(); };
	ch.dial_allowed = [this](const std::string &n) { return session_->may_dial(n); };
	ch.redial = [this](const std::string &n) { session_->dial_whole(n); };
	calls_ = std::make_unique<PhoneCalls>(*ctrl_, cfg_.dial_plan.emergency, ch);
	PbxConversation::Handlers ph;
	ph.login_result = [this](LoginResult r) { session_->on_login_result(std::move(r)); };
	ph.device_profile = [this](const DeviceProfile &p, bool fresh) {
		apply_device_profile(p, fresh);
	};
	pbx_ = std::make_unique<PbxConversation>(http_, pbx_config(), store_, occupancy_,
	                                         cfg_.device_profile, ph);
	restore();
	relayout();
	if (auto s = keys_.start([this](const Key &k) { on_key(k); }); !s)
		return s;
	show(session_->display_lines());
	if (auto s = start_status(); !s)
		return s;
	if (auto s = ctrl_->start(); !s)
		return s;
	(void)pbx_->fetch_profile();
	return Ok{};
}

PbxConfig Agent::pbx_config() const
{
	return PbxConfig{cfg_.pbx_url,
	                 cfg_.pbx_ca,
	                 cfg_.device_id,
	                 cfg_.pbx_token,
	                 cfg_.pbx_connect_timeout_ms,
	                 cfg_.pbx_timeout_ms};
}

void Agent::on_key(const Key &k)
{
	if (session_->state() == State::PinEntry &&
	    (k.kind == KeyKind::Hash || k.kind == KeyKind::Send))
		pin_key_ms_ = monotonic_ms();
	// Hanging up with no call also abandons a number or a PIN being typed.
	const bool hook_on_free = k.kind == KeyKind::HookOn && !calls_->active();
	if (calls_->on_key(k)) {
		if (hook_on_free)
			session_->on_key(k);
		return;
	}
	session_->on_key(k);
}

// Comes back as whoever the phone was at the last commit (DeskOccupancy).
void Agent::restore()
{
	pbx_->load_cached();
	auto r = occupancy_.restore();
	interrupted_login_ = r.interrupted;
	if (r.user) {
		session_->resume_as(*r.user);
		r.user->wipe();
	}
	const Identity &now = session_->occupant();
	accounts_->want(pool_.line(now), now.aor());
	// Tell the PBX the interrupted login did not happen. With status pushes
	// on, the first push says who sits here and a separate logout would
	// only race with it.
	if (!r.interrupted.empty() && (now.pool || now.ext != r.interrupted) && !cfg_.status_push)
		pbx_->logout(r.interrupted);
}

// ---- status ----

Status Agent::start_status()
{
	std::unique_ptr<StatusPush> push;
	if (cfg_.status_push && !cfg_.pbx_url.empty()) {
		const PbxConfig pc = pbx_config();
		push = std::make_unique<StatusPush>(
		    http_, StatusPushConfig{pc.base_url, pc.device_id, pc.token, pc.ca_file});
	}
	status_ = std::make_unique<StatusPublisher>(cfg_.device_id, std::move(push));
	publish();
	auto server = open_status_endpoint(cfg_, *this);
	if (!server)
		return server.error();
	status_server_ = std::move(*server);
	return Ok{};
}

void Agent::publish()
{
	if (!status_)
		return;
	StatusFacts f;
	f.pool_ext = pool_.identity().ext;
	f.state = status_state_of(session_->state(), session_->logged_in());
	if (session_->logged_in()) {
		f.user_ext = session_->occupant().ext;
		f.user_name = session_->occupant().name;
	}
	f.registration = registration_.word();
	f.last_error = session_->last_error();
	f.pending = session_->pending_change();
	f.calls = calls_ ? calls_->live() : 0;
	status_->update(f);
}

Status Agent::logout()
{
	if (!session_->logged_in())
		return make_error("status", "nobody is logged in");
	hotdesk::log_info("agent: the PBX logs " + session_->occupant().ext + " out");
	session_->on_remote_logout();
	return Ok{};
}

// ---- device profile ----

// Device-level settings change the phone whoever sits at it; a new pool
// account is swapped in make-before-break when the phone is idle, otherwise
// at the next logout.
void Agent::apply_device_profile(const DeviceProfile &p, bool fresh)
{
	for (const auto &w : p.warnings)
		log_warn("agent: device profile: " + w);
	if (auto s = session_->set_dial_plan(p.dial_plan); !s)
		log_error("agent: device profile dial plan refused: " + s.error().str());
	else
		calls_->set_emergency_numbers(p.dial_plan.emergency);
	pool_.apply(p);
	session_->set_pool(pool_.identity());
	pbx_->set_recheck(p.recheck_s);
	if (cfg_.status_token.empty() && !p.status_token.empty() && !status_server_)
		cfg_.status_token = p.status_token; // read when the endpoint starts
	blf_keys_.set_device(p);
	if (session_->state() != State::LoggingIn && session_->state() != State::LoggingOut)
		relayout();
	hotdesk::log_info("agent: device profile applied (pool " + p.pool_ext + ")");
	if (fresh)
		swap_pool_if_changed();
}

void Agent::swap_pool_if_changed()
{
	pool_.swap_if_changed(
	    *accounts_, session_->state() == State::Idle && !calls_->active() && ctrl_->connected(),
	    [this] {
		    hotdesk::log_warn("pool: back to the last pool identity that "
		                      "registered until the next device profile");
		    session_->set_pool(pool_.identity());
	    });
}

// ---- baresip ----

void Agent::on_ctrl_event(const CtrlMessage &m)
{
	if (m.klass == "register")
		on_register_event(m);
	else if (m.type == "MWI_NOTIFY")
		on_mwi(m);
	else
		(void)calls_->on_event(m);
}

// Message waiting (RFC 3842) for whoever is on the phone: the lamp and a line.
void Agent::on_mwi(const CtrlMessage &m)
{
	if (m.aor != session_->occupant().aor())
		return;
	if (auto summary = parse_mwi(m.param); summary)
		screen_.set_voicemail(*summary);
	else
		log_warn("agent: MWI_NOTIFY body unusable: " + summary.error().str());
	redraw();
}

void Agent::on_register_event(const CtrlMessage &m)
{
	const bool swapping = accounts_->swapping();
	const bool ok = m.type == "REGISTER_OK";
	if (swapping && (ok || m.type == "REGISTER_FAIL")) {
		if (ok && pin_key_ms_ && session_->state() == State::LoggingIn)
			hotdesk::log_info("agent: login latency (last PIN key -> REGISTER_OK) " +
			                  std::to_string(monotonic_ms() - pin_key_ms_) + " ms");
		accounts_->on_register(m.aor, ok, m.param);
	}
	const bool fresh = ok && registration_.word() != "registered";
	registration_.on_event(m, session_->occupant().aor(), session_->logged_in(), swapping);
	if (fresh && !swapping && m.aor == session_->occupant().aor())
		log_granted(m.aor);
}

// A fresh registration of the occupant's account (same line: the accounts
// machine replaces it through a placeholder), never during a call (the old
// account carries it) or while another account change runs.
bool Agent::reregister()
{
	const Identity &occ = session_->occupant();
	if (!ctrl_->connected() || calls_->active() || accounts_->state() != AccountsState::Ready ||
	    accounts_->in_baresip() != occ.aor())
		return false;
	const std::string aor = occ.aor();
	// force_break: the fresh account stays even if nothing answers it yet
	// (it keeps trying; what it replaces is the old one's long backoff).
	accounts_->swap(
	    pool_.line(occ), aor, true, "refresh", [this, aor](bool ok, const std::string &why) {
		    if (ok) {
			    registration_.found_registered(aor, session_->occupant().aor());
			    log_granted(aor);
		    } else {
			    hotdesk::log_warn("registration: re-registering " + aor +
			                      " failed: " + why);
		    }
	    });
	return true;
}

// What the registrar granted is in `reginfo` only (baresip's events carry
// the status line, not the Expires): logged, and the refresh deadline.
void Agent::log_granted(const std::string &aor)
{
	ctrl_->request("reginfo", "", [this, aor](Expected<std::string> r) {
		if (!r)
			return;
		for (const auto &ua : parse_reginfo(*r))
			if (ua.aor == aor && ua.registered) {
				registration_.granted(aor, ua.expires_s, cfg_.register_interval);
				return;
			}
	});
}

// ---- SessionPorts ----

void Agent::show(const std::vector<std::string> &)
{
	redraw();
}

// The screen: the calls' while a call is up or the history is open, the
// session's otherwise, with the missed-call and voicemail lines.
void Agent::redraw()
{
	if (calls_)
		screen_.draw(*session_, *calls_);
	publish(); // every step may change the status
}

void Agent::on_last_call_ended()
{
	session_->on_calls_ended();
	swap_pool_if_changed();
	redraw();
}

void Agent::pbx_login(const std::string &ext, const std::string &pin)
{
	pbx_->login(ext, pin);
}

void Agent::pbx_logout(const std::string &ext)
{
	pbx_->logout(ext);
}

// Logout commits first (the person is gone from disk), login and roam
// commit after the new account registered (occupant_changed).
void Agent::swap_to(const Identity &to, bool force_break)
{
	std::string label;
	if (to.pool) {
		label = session_->logged_in() ? "logout" : "pool";
		occupancy_.commit_pool();
		crash(label + ".after_commit");
	} else {
		label = occupancy_.pool() ? "login" : "roam";
		crash(label + ".after_intent");
	}
	accounts_->swap(pool_.line(to), to.aor(), force_break, label,
	                [this, force_break](bool ok, const std::string &why) {
		                on_swap_done(ok, why, force_break);
	                });
}

void Agent::on_swap_done(bool ok, const std::string &why, bool force_break)
{
	pin_key_ms_ = 0;
	if (!ok && !force_break)
		occupancy_.rollback(); // the refused person's profile goes with it
	session_->on_swap_result(ok, why);
	// The swap saw the new account's REGISTER_OK (owned by the swap, it
	// went by RegistrationHealth while the occupant was still the old one).
	if (ok) {
		registration_.found_registered(session_->occupant().aor(),
		                               session_->occupant().aor());
		log_granted(session_->occupant().aor());
	} else {
		registration_.expect(session_->occupant().aor());
	}
	if (ok && ctrl_->connected() && session_->state() == State::Error)
		session_->on_service(true);
}

void Agent::log_info(const std::string &msg)
{
	hotdesk::log_info(msg);
}

void Agent::log_bug(const std::string &msg)
{
	log_error("BUG: " + msg);
}

void Agent::occupant_changed(const Identity &now)
{
	hotdesk::log_info("agent: the phone is now " + now.ext + (now.pool ? " (pool)" : ""));
	if (now.pool) {
		// Nothing of the person stays: their calls' history, their voicemail.
		calls_->history().wipe();
		screen_.clear_voicemail();
	}
	if (now.pool && !occupancy_.pool())
		occupancy_.commit_pool();
	else if (!now.pool && (occupancy_.login_pending() || occupancy_.record().ext != now.ext))
		occupancy_.commit_user(now);
	relayout();
}

// The BLF keys: the pool's while idle, the person's when logged in.
void Agent::relayout()
{
	session_->set_key_layout(blf_keys_.layout(session_->logged_in(), occupancy_.profile()));
}

} // namespace hotdesk

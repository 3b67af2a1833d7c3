// SPDX-License-Identifier: BSD-3-Clause
#include "agent.h"

#include "status_endpoint.h"

#include "../../platform/clock/clock.h"
#include "../../platform/fault/crash_point.h"
#include "../core/log.h"
#include "../core/text.h"
#include "../ctrl/reginfo.h"
#include "../pbx/pbx_protocol.h"

#include <algorithm>
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
      occupancy_(store_),
      auto_logout_(
          {[this](AutoLogoutReason r) { session_->on_auto_logout(auto_logout_reason_name(r)); },
           [this] { redraw(); }, [this](const std::string &stay) { occupancy_.save_stay(stay); }}),
      blf_keys_(geometry, leds),
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
      pool_registration_({[](bool, const std::string &) {}, [this] { publish(); }, {}, {}},
                         cfg_.register_timeout_ms),
      pool_(
          Identity{true, cfg_.pool_ext, "", cfg_.pool_sip_user, cfg_.pool_password, cfg_.registrar},
          AccountOptions{cfg_.register_interval, cfg_.outbound_proxy}),
      timers_([this](Timer t) { session_->on_timer(t); })
{
	board_terminator_ = cfg_.dial_plan.terminator;
	tmr_init(&claim_tmr_);
}

Agent::~Agent()
{
	tmr_cancel(&claim_tmr_);
	claimed_.wipe();
	forget_provisioned();
	blf_lamps_.reset();
	blf_sip_.reset();
	register_check_.reset();
	sip_stack_.reset();
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
		reconcile_provisioning(); // queued behind the re-apply
	};
	h.down = [this](const std::string &why) {
		accounts_->on_down(why);
		calls_->on_service_lost();
		registration_.lost();
		pool_registration_.lost();
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
		pool_registration_.found_registered(aor, pool_.identity().aor());
	});
	session_ = std::make_unique<Session>(cfg_.dial_plan, pool_.identity(), *this, cfg_.timings);
	PhoneCalls::Handlers ch;
	ch.screen_changed = [this] { on_calls_changed(); };
	ch.last_call_ended = [this] { on_last_call_ended(); };
	ch.dial_refused = [this] {
		if (accounts_) // not while the agent goes down
			accounts_->on_calls_changed();
	};
	ch.dial_allowed = [this](const std::string &n) { return session_->may_dial(n); };
	ch.redial = [this](const std::string &n) { session_->dial_whole(n); };
	ch.with_account = [this](const std::string &aor, const std::function<void()> &send) {
		// Always: besides the kept pool, an old account whose uadel waits
		// for this call may be the one carrying it (callfind looks only
		// among the selected account's calls).
		accounts_->with_selected(aor, send);
	};
	calls_ = std::make_unique<PhoneCalls>(*ctrl_, cfg_.dial_plan.emergency, ch);
	// No account change ends a call: a uadel waits for the calls on it.
	accounts_->set_call_gate([this](const std::string &aor) { return calls_->carries(aor); });
	accounts_->on_removed([this](const std::string &aor) { calls_->on_account_gone(aor); });
	// Calls baresip carried before hotdeskd (re)connected: taken up, so the
	// gate above keeps them and the keys reach them.
	accounts_->on_calls_found([this](const BaresipEvent &e) { calls_->adopt(e); });
	// A device profile's new pool account that came while the accounts were
	// busy (a re-apply, a swap) goes in once they are done.
	accounts_->on_settled([this] {
		dial_waiting_emergencies(); // before any change the settling allows
		if (session_)
			swap_pool_if_changed();
	});
	PbxConversation::Handlers ph;
	ph.login_result = [this](LoginResult r) { session_->on_login_result(std::move(r)); };
	ph.device_profile = [this](const DeviceProfile &p, bool fresh) {
		apply_device_profile(p, fresh);
	};
	pbx_ = std::make_unique<PbxConversation>(http_, pbx_config(), store_, occupancy_,
	                                         cfg_.device_profile, ph);
	if (!cfg_.pbx_url.empty()) {
		EmergencyNoticeConfig ec;
		ec.pbx = pbx_config();
		notifier_ = std::make_unique<EmergencyNotifier>(http_, ec);
		notifier_->on_released([this] {
			if (status_)
				status_->hold_push(false);
		});
	}
	open_sip_stack();
	restore();
	start_blf_lamps();
	relayout();
	apply_dial_terminator();
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
	// A key during an auto-logout countdown keeps the session; the hook
	// keeps it too and still does what it does.
	// During a call keys are the call's (the countdown is not on the screen
	// then): they only count as activity; so do keys while the person types
	// or logs in (countdown_may_show()).
	if (calls_->active())
		auto_logout_.on_calls(true);
	else if (!countdown_may_show(*session_))
		auto_logout_.on_activity(); // the countdown is not on the screen
	else if (auto_logout_.on_key(k) && k.kind != KeyKind::HookOff &&
	         k.kind != KeyKind::HookOn) {
		redraw();
		return;
	}
	// The logout key while a restored person is being confirmed: it acts
	// once the phone is that person (or the pool again), as it would have.
	if ((claim_ == Claim::Asking || resume_swap_) && session_->state() == State::LoggingIn &&
	    (k.kind == KeyKind::Blf || k.kind == KeyKind::Softkey) &&
	    session_->key_layout().action_for(k).kind == KeyAction::Logout) {
		parked_ = k;
		return;
	}
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
	// Off across an auto-logout deadline: back as the pool (power-safe).
	if (r.user) {
		if (auto due = auto_logout_.due_since(occupancy_.record().since,
		                                      occupancy_.record().stay)) {
			const char *why = auto_logout_reason_name(*due);
			hotdesk::log_info(std::string("agent: auto logout (") + why +
			                  ") fell due while the phone was off: back as the pool");
			occupancy_.commit_pool();
			pbx_->logout(r.user->ext, why);
			restart_logout_ = why;
			r.user->wipe();
			r.user.reset();
		}
	}
	// In the PBX login flow the person comes back as the state directory
	// says (a call of theirs may still be up in baresip); the cached device
	// profile's word (loaded above) is followed once baresip is connected:
	// a logout or roam that waited for a call when the power went runs then
	// (reconcile_provisioning()). No resume request: a 3CX has none.
	const bool by_call = session_->dial_plan().login_by_call;
	if (r.user && !cfg_.pbx_url.empty() && !by_call) {
		// The person may have logged in elsewhere while this phone was off:
		// the PBX decides before the phone registers them (newest login wins).
		claimed_ = *r.user;
		claim_ext_ = claimed_.ext;
		claim_ = Claim::Asking;
		session_->confirm_resume(claim_ext_);
		ask_resume();
	} else if (r.user) {
		session_->resume_as(*r.user);
	} else if (r.lost && !cfg_.pbx_url.empty() && !by_call) {
		// The pool now (emergency calls work at once); the PBX knows who
		// sat here and hands them back (issue 14, kind 11).
		claim_ = Claim::Lost;
		ask_lost();
	}
	if (r.user)
		r.user->wipe();
	const Identity &now = session_->occupant();
	accounts_->want(pool_.line(now), now.aor());
	// Tell the PBX the interrupted login did not happen. With status pushes
	// on, the first push says who sits here and a separate logout would
	// only race with it.
	const std::string here = claim_ != Claim::None ? claim_ext_ : now.pool ? "" : now.ext;
	if (!r.interrupted.empty() && here != r.interrupted && !cfg_.status_push && !by_call)
		pbx_->logout(r.interrupted);
	restored_ = true;
}

// ---- a restored person, confirmed with the PBX ----

void Agent::ask_resume()
{
	pbx_->resume(claim_ext_, [this](LoginResult r) { on_resume_answer(std::move(r)); });
}

void Agent::claim_retry_h(void *arg)
{
	auto *self = static_cast<Agent *>(arg);
	if (self->claim_ == Claim::Unconfirmed)
		self->ask_resume();
	else if (self->claim_ == Claim::Lost)
		self->ask_lost();
}

void Agent::on_resume_answer(LoginResult r)
{
	if (r.kind == LoginResult::Failed) {
		// Unreachable or broken: the documented behaviour stands (back as
		// the person from the state directory); confirm when it answers.
		if (claim_ == Claim::Asking) {
			log_warn("agent: the PBX did not answer about " + claim_ext_ + " (" +
			         r.reason +
			         "); back as them from the state directory until it does");
			claim_ = Claim::Unconfirmed;
			take_claimed();
		}
		tmr_start(&claim_tmr_, claim_backoff_.next_ms(), claim_retry_h, this);
		return;
	}
	const Claim was = claim_;
	claim_ = Claim::None;
	tmr_cancel(&claim_tmr_);
	if (r.kind == LoginResult::Accepted) {
		hotdesk::log_info("agent: the PBX confirms " + claim_ext_ + " at this phone");
		if (was == Claim::Asking)
			take_claimed();
		return;
	}
	// "moved": their newest login is on another phone (newest login wins).
	log_warn("agent: the PBX refuses " + claim_ext_ + " at this phone (" + r.reason +
	         "); back to the pool");
	if (was == Claim::Asking) {
		claimed_.wipe();
		occupancy_.commit_pool();                // nothing of them stays here
		session_->on_login_result(std::move(r)); // "<ext> is on another phone"
		replay_parked_key();
	} else if (session_->remote_logout_concerns(claim_ext_)) {
		// Never rings for a person who is elsewhere; a swap to them still
		// in flight logs them out once it is done.
		session_->on_remote_logout(claim_ext_);
	}
}

// The restored person becomes the occupant: by a swap from the pool when
// baresip is up, else directly (the accounts are set when it comes up).
void Agent::take_claimed()
{
	if (ctrl_->connected()) {
		resume_swap_ = true;
		LoginResult r;
		r.kind = LoginResult::Accepted;
		r.user = claimed_;
		session_->on_login_result(std::move(r));
	} else {
		session_->resume_as(claimed_);
		replay_parked_key();
	}
	claimed_.wipe();
	claimed_ = {};
}

// ---- the state was lost: who sits here? ----

void Agent::ask_lost()
{
	pbx_->ask_lost([this](LoginResult r) { on_lost_answer(std::move(r)); });
}

void Agent::ask_lost_later(const std::string &why)
{
	const uint64_t ms = claim_backoff_.next_ms();
	log_warn("agent: " + why + "; still the pool, asking again in " + std::to_string(ms) +
	         " ms");
	tmr_start(&claim_tmr_, ms, claim_retry_h, this);
}

// The person named by the PBX is logged in as by a login: the intent and
// profile recorded, make-before-break swap, commit after REGISTER_OK, and
// deferred while a call is up (Session, PbxAccepted). Only from the idle
// pool with baresip there; otherwise the phone asks again later.
void Agent::on_lost_answer(LoginResult r)
{
	const bool at_rest =
	    ctrl_->connected() && session_->state() == State::Idle && !session_->logged_in();
	if (claim_ != Claim::Lost || r.kind == LoginResult::Failed ||
	    (r.kind == LoginResult::Accepted && !at_rest)) {
		const std::string ext = r.user.ext;
		r.user.wipe();
		wipe_secret(r.profile_xml);
		if (claim_ != Claim::Lost)
			hotdesk::log_info(
			    "agent: the PBX's answer who sits here came after a login; "
			    "dropped");
		else if (r.kind == LoginResult::Failed)
			ask_lost_later("the PBX did not say who sits here (" + r.reason + ")");
		else
			ask_lost_later("the PBX names " + ext + " at this phone, which is busy");
		return;
	}
	claim_ = Claim::None;
	tmr_cancel(&claim_tmr_);
	if (r.kind == LoginResult::Refused) {
		if (r.reason == kNobodyHere)
			hotdesk::log_info("agent: the PBX says nobody sits here; staying the pool");
		else
			log_warn("agent: the PBX did not name who sits here (" + r.reason +
			         "); staying the pool");
		publish();
		return;
	}
	hotdesk::log_info("agent: the PBX says " + r.user.ext +
	                  " sits here; logging them in again");
	pbx_->begin_lost_login(r);
	session_->confirm_resume(r.user.ext);
	session_->on_login_result(std::move(r));
}

void Agent::replay_parked_key()
{
	if (!parked_ || session_->state() == State::LoggingIn)
		return;
	const Key k = *parked_;
	parked_.reset();
	session_->on_key(k);
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
	f.auto_logout_policy = auto_logout_.policy_text();
	f.auto_logout_reason = auto_logout_.next_reason();
	f.auto_logout_at = auto_logout_.next_at();
	f.last_logout_reason =
	    session_->logout_reason().empty() ? restart_logout_ : session_->logout_reason();
	const bool pool_apart = emergency_.via_pool && session_->logged_in();
	f.emergency_via = emergency_.via_pool ? "pool" : "occupant";
	f.emergency_ext = emergency_.via_pool ? pool_.identity().ext : session_->occupant().ext;
	f.emergency_registration = pool_apart ? pool_registration_.word() : registration_.word();
	f.emergency_callback = emergency_.callback;
	f.location = emergency_.location;
	f.state_damaged = damaged_state_files();
	// Asking who sits here after a lost state: not "idle", which would make
	// the PBX's view forget the person before it answers.
	if (claim_ == Claim::Lost && f.state == "idle")
		f.state = "logging-in";
	status_->update(f);
}

// What the state directory keeps aside, found at this start or an earlier
// one; listed once, and again when the store finds more damage.
std::string Agent::damaged_state_files()
{
	if (damage_listed_ && damage_seen_ == store_.damage().size())
		return state_damaged_;
	damage_listed_ = true;
	damage_seen_ = store_.damage().size();
	std::string list;
	for (const auto &name : store_.kept_damaged())
		list += (list.empty() ? "" : ",") + name;
	if (list != state_damaged_ && !list.empty())
		hotdesk::log_warn("agent: damaged state files kept for diagnosis: " + list +
		                  " (remove them once looked at)");
	state_damaged_ = list;
	return state_damaged_;
}

// The PBX's trigger (docs/pbx-flow.md); logged so its time is on record.
Status Agent::resync()
{
	hotdesk::log_info("agent: resync asked: fetching the device profile");
	return pbx_->fetch_profile();
}

// `ext` is whom the PBX names ("" : whoever sits here); during a login or
// roam the session keeps it until the change settles (session.cpp).
Status Agent::logout(const std::string &ext)
{
	if (!session_->remote_logout_concerns(ext))
		return make_error("status", ext.empty() ? std::string("nobody is logged in")
		                                        : ext + " is not logged in here");
	const std::string who = !ext.empty()            ? ext
	                        : session_->logged_in() ? session_->occupant().ext
	                                                : "whoever logs in";
	hotdesk::log_info("agent: the PBX logs " + who + " out" +
	                  (session_->state() == State::LoggingIn ? " (a login is in flight)" : ""));
	session_->on_remote_logout(ext);
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
	DialPlan plan = p.dial_plan;
	plan.terminator = session_->dial_plan().terminator; // apply_dial_terminator() decides
	if (auto s = session_->set_dial_plan(plan); !s) {
		log_error("agent: device profile dial plan refused: " + s.error().str());
	} else {
		calls_->set_emergency_numbers(p.dial_plan.emergency);
		device_terminator_ = p.dial_terminator;
		apply_dial_terminator();
	}
	const bool person = provisions_person(p);
	if (!person) { // in the PBX flow identity 1 is a person's while they sit here
		pool_.apply(p);
		session_->set_pool(pool_.identity());
	}
	if (p.dial_plan.login_by_call && p.auto_logout.any())
		log_warn("agent: auto-logout is the PBX's own in the PBX login flow: ignored");
	auto_logout_.set_policy(p.dial_plan.login_by_call ? AutoLogoutPolicy{} : p.auto_logout,
	                        p.timezone);
	pbx_->set_recheck(p.recheck_s);
	if (cfg_.status_token.empty() && !p.status_token.empty() && !status_server_)
		cfg_.status_token = p.status_token; // read when the endpoint starts
	blf_keys_.set_device(p);
	language_.set_device(p.language);
	if (language_.refresh())
		redraw();
	if (session_->state() != State::LoggingIn && session_->state() != State::LoggingOut) {
		relayout();
		if (blf_lamps_)
			redraw(); // the pool's BLF states' line
	}
	hotdesk::log_info("agent: device profile applied (pool " + p.pool_ext + ")");
	if (fresh && !person)
		swap_pool_if_changed();
	apply_emergency(p.emergency);
	if (p.dial_plan.login_by_call)
		follow_provisioning(p, person);
}

// The PBX login flow (docs/pbx-flow.md): the PBX decided who sits here and
// said so with identity 1 of the device profile. Recorded here; the session
// follows it in reconcile_provisioning().
void Agent::follow_provisioning(const DeviceProfile &p, bool person)
{
	forget_provisioned();
	if (!person) {
		pbx_wants_ = Provisioned::Pool;
	} else {
		pbx_wants_ = Provisioned::Person;
		provisioned_.pool = false;
		provisioned_.ext = p.pool.user;
		provisioned_.name = p.pool.realname;
		provisioned_.sip_user = p.pool.user;
		provisioned_.auth_user = p.pool.auth_user; // 3CX's Authentication ID
		provisioned_.sip_password = p.pool.password;
		provisioned_.domain = p.pool.host;
		provisioned_profile_ = person_profile_xml(p);
	}
	reconcile_provisioning();
}

void Agent::forget_provisioned()
{
	pbx_wants_ = Provisioned::None;
	provisioned_.wipe();
	provisioned_ = {};
	wipe_secret(provisioned_profile_);
	provisioned_profile_.clear();
}

// A person is swapped to as after a login (make-before-break, after the
// last call); the pool runs as the PBX's remote logout (which a call
// defers). During another identity change this waits: on_swap_done() calls
// it again, so a logout that came during a provisioned login is not lost.
void Agent::reconcile_provisioning()
{
	if (pbx_wants_ == Provisioned::None || !restored_ || !ctrl_ || !ctrl_->connected() ||
	    session_->state() == State::LoggingIn || session_->state() == State::LoggingOut)
		return;
	const Identity &now = session_->occupant();
	if (pbx_wants_ == Provisioned::Pool) {
		forget_provisioned();
		if (session_->logged_in()) {
			hotdesk::log_info("agent: the PBX provisioned the pool again: " + now.ext +
			                  " leaves");
			session_->on_remote_logout();
		}
		return;
	}
	if (!now.pool && now.aor() == provisioned_.aor() &&
	    pool_.line(now) == pool_.line(provisioned_)) {
		forget_provisioned(); // them already (a re-check, a restart)
		return;
	}
	hotdesk::log_info("agent: the PBX provisioned " + provisioned_.ext + " on this phone");
	occupancy_.begin_login(provisioned_.ext);
	occupancy_.accepted(provisioned_profile_);
	session_->on_provisioned(provisioned_);
	forget_provisioned();
}

// Issue 16: with via_pool the pool identity stays in baresip beside the
// person's (BaresipAccounts::keep), and emergency numbers go out on it.
void Agent::apply_emergency(const EmergencySettings &e)
{
	const bool was = emergency_.via_pool;
	emergency_ = e;
	const Identity &pool = pool_.identity();
	if (e.via_pool)
		accounts_->keep(pool_.line(pool), pool.aor());
	else
		accounts_->keep("", "");
	if (was != e.via_pool)
		hotdesk::log_info(std::string("agent: emergency calls go out on ") +
		                  (e.via_pool
		                       ? "the pool identity " + pool.ext + ", kept registered"
		                       : "whoever is on the phone"));
	screen_.set_location_line(e.location_on_idle ? e.location.short_line() : "");
	redraw();
}

// Ordinary numbers go out as whoever is on the phone: with the pool kept,
// the person's account is selected for the dial (an answered callback to
// the pool left the pool selected in baresip).
void Agent::dial(const std::string &number)
{
	if (emergency_via_pool())
		accounts_->with_selected(session_->occupant().aor(),
		                         [this, number] { calls_->dial(number); });
	else
		accounts_->when_dialable([this, number] { calls_->dial(number); });
}

// The dial goes to baresip first; the PBX hears of it after, and nothing
// about the PBX can hold the call up.
void Agent::dial_emergency(const std::string &number)
{
	if (ctrl_->connected()) {
		send_emergency(number);
	} else {
		hotdesk::log_warn(
		    "agent: emergency call to " + number +
		    ": baresip is unreachable; the call goes out as soon as it is back");
		emergency_waiting_.emplace_back(number, monotonic_ms());
	}
	notify_emergency(number);
}

void Agent::send_emergency(const std::string &number)
{
	if (emergency_via_pool())
		accounts_->with_selected(pool_.identity().aor(),
		                         [this, number] { calls_->dial(number); });
	else
		accounts_->when_dialable([this, number] { calls_->dial(number); });
}

// baresip is back and its accounts are applied (the accounts settled).
void Agent::dial_waiting_emergencies()
{
	if (emergency_waiting_.empty() || !ctrl_->connected())
		return;
	auto waiting = std::move(emergency_waiting_);
	emergency_waiting_.clear();
	const uint64_t now = monotonic_ms();
	for (const auto &[number, since] : waiting) {
		if (now - since > kEmergencyWaitMs) {
			log_error("agent: emergency call to " + number +
			          " dropped: baresip was back only " +
			          std::to_string((now - since) / 1000) + " s after it was dialled");
			continue;
		}
		hotdesk::log_info("agent: baresip is back: the emergency call to " + number +
		                  " goes out (" + std::to_string(now - since) +
		                  " ms after it was dialled)");
		send_emergency(number);
	}
}

void Agent::notify_emergency(const std::string &number)
{
	if (!notifier_)
		return;
	EmergencyCall c;
	c.number = number;
	c.pool_ext = pool_.identity().ext;
	if (session_->logged_in()) {
		c.occupant_ext = session_->occupant().ext;
		c.occupant_name = session_->occupant().name;
	}
	c.time_iso = utc_now_iso8601();
	c.location = emergency_.location;
	c.callback = emergency_.callback;
	if (status_)
		status_->hold_push(true); // the notice goes ahead of the status
	notifier_->notify(c);
	if (!notifier_->holding() && status_)
		status_->hold_push(false);
}

// Also while the pool shows "No service" (State::Error): a new pool account
// is often what brings the service back (a changed password or registrar).
void Agent::swap_pool_if_changed()
{
	const bool pool_at_rest = session_->state() == State::Idle ||
	                          (session_->state() == State::Error && !session_->logged_in());
	pool_.swap_if_changed(
	    *accounts_, pool_at_rest && !calls_->active() && ctrl_->connected(),
	    [this](bool ok) {
		    // Its REGISTER_OK went to the swap: say the service is back.
		    const std::string aor = session_->occupant().aor();
		    if (ok)
			    registration_.found_registered(aor, aor);
	    },
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
	else if (calls_->on_event(m))
		accounts_->on_calls_changed(); // a held uadel may go
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
	if (ok || m.type == "REGISTER_FAIL") {
		if (swapping && ok && pin_key_ms_ && session_->state() == State::LoggingIn)
			hotdesk::log_info("agent: login latency (last PIN key -> REGISTER_OK) " +
			                  std::to_string(monotonic_ms() - pin_key_ms_) + " ms");
		// Outside a swap only the kept account's state is recorded.
		accounts_->on_register(m.aor, ok, m.param);
	}
	const bool fresh = ok && registration_.word() != "registered";
	registration_.on_event(m, session_->occupant().aor(), session_->logged_in(), swapping);
	// The kept pool identity's word: recorded only (never moves the session).
	pool_registration_.on_event(m, pool_.identity().aor(), false, true);
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
	if (calls_) {
		screen_.set_notice(auto_logout_.countdown_lines(), auto_logout_.stay_offered());
		screen_.draw(*session_, *calls_);
	}
	publish(); // every step may change the status
}

void Agent::on_calls_changed()
{
	accounts_->on_calls_changed(); // a call ended by a key may free a held uadel
	screen_.calls_changed(*session_, *calls_);
	auto_logout_.on_calls(calls_->active());
	redraw();
}

void Agent::on_last_call_ended()
{
	auto_logout_.on_calls(false);
	session_->on_calls_ended();
	swap_pool_if_changed();
	redraw();
}

void Agent::pbx_login(const std::string &ext, const std::string &pin)
{
	if (claim_ == Claim::Lost) { // the person at the keys wins
		claim_ = Claim::None;
		tmr_cancel(&claim_tmr_);
		hotdesk::log_info("agent: a login by keypad; the question who sat here is dropped");
	}
	pbx_->login(ext, pin);
}

void Agent::pbx_logout(const std::string &ext)
{
	if (session_->dial_plan().login_by_call) {
		hotdesk::log_info("agent: " + ext +
		                  " left as the PBX provisioned (PBX login flow)");
		return;
	}
	pbx_->logout(ext, session_->logout_reason());
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
		label = resume_swap_ ? "resume" : occupancy_.pool() ? "login" : "roam";
		crash(label + ".after_intent");
	}
	std::string line = pool_.line(to);
	// A restored person stays when the registrar does not answer yet (a
	// site-wide power cut: the phones boot before it): the swap keeps their
	// account, which baresip goes on registering (docs/scale.md found half
	// of them dropped to the pool by a 3 s timeout).
	resume_aor_ = !to.pool && resume_swap_ ? to.aor() : std::string();
	if (to.pool || !register_check_) {
		start_swap(line, to.aor(), force_break, label);
		return;
	}
	// A person's credentials are asked of the registrar first (issue 14,
	// kind 5): a refused password then costs 2 REGISTERs instead of the 16
	// baresip's libre sends before it reports REGISTER_FAIL.
	register_check_->check(RegisterTarget{to.aor(), to.domain, pool_.outbound_proxy(),
	                                      to.auth_name(), to.sip_password},
	                       [this, line = std::move(line), aor = to.aor(), force_break,
	                        label](const RegisterCheckResult &r) {
		                       on_register_check(r, line, aor, force_break, label);
	                       });
}

void Agent::start_swap(const std::string &line, const std::string &aor, bool force_break,
                       const std::string &label)
{
	accounts_->swap(
	    line, aor, force_break, label,
	    [this, force_break](bool ok, const std::string &why) {
		    on_swap_done(ok, why, force_break);
	    },
	    !resume_aor_.empty());
}

// Only a refusal of the credentials stops the swap, the way a REGISTER_FAIL
// of the new account does ("registrar said 401 Unauthorized": the same words
// on the display, the same rollback, the PBX told). Whatever else the check
// found (no answer, a transport it cannot use, 423, 5xx, a DNS failure) the
// swap goes on as without the check: the check never makes a login fail
// that works without it (agent/accounts/register_check.h).
void Agent::on_register_check(const RegisterCheckResult &r, const std::string &line,
                              const std::string &aor, bool force_break, const std::string &label)
{
	if (r.verdict == RegisterVerdict::Refused) {
		log_warn("agent: " + label + ": the registrar refuses the credentials of " + aor +
		         " (" + r.reason + "); the account does not go to baresip");
		on_swap_done(false, "registrar said " + r.reason, force_break);
		return;
	}
	hotdesk::log_info("agent: " + label + ": credentials of " + aor + " " +
	                  register_verdict_name(r.verdict) + " (" + r.reason + ")");
	start_swap(line, aor, force_break, label);
}

void Agent::on_swap_done(bool ok, const std::string &why, bool force_break)
{
	pin_key_ms_ = 0;
	// A restored person's account that the registrar has not answered: kept
	// (see swap_to), so the person stays and shows "No service" until it does.
	const bool unanswered =
	    !ok && resume_swap_ && !resume_aor_.empty() && accounts_->wanted_aor() == resume_aor_;
	resume_aor_.clear();
	if (unanswered) {
		log_warn("agent: resume: " + why +
		         "; the restored person stays while baresip goes on registering them");
		ok = true;
	}
	if (!ok && !force_break)
		occupancy_.rollback(); // the refused person's profile goes with it
	if (!ok && resume_swap_)
		occupancy_.commit_pool(); // the restored person could not register
	const bool resumed = resume_swap_;
	resume_swap_ = false;
	session_->on_swap_result(ok, why);
	if (resumed)
		replay_parked_key();
	// The swap saw the new account's REGISTER_OK (owned by the swap, it
	// went by RegistrationHealth while the occupant was still the old one).
	if (ok && !unanswered) {
		registration_.found_registered(session_->occupant().aor(),
		                               session_->occupant().aor());
		log_granted(session_->occupant().aor());
	} else {
		registration_.expect(session_->occupant().aor());
	}
	if (ok && !unanswered && ctrl_->connected() && session_->state() == State::Error)
		session_->on_service(true);
	// A provisioned login that failed: the same profile must be followed
	// again at the next re-check or resync, not answered 304.
	if (!ok && session_->dial_plan().login_by_call && !session_->logged_in())
		pbx_->refetch_unconditionally();
	reconcile_provisioning();
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
	if (claim_ == Claim::Unconfirmed && (now.pool || now.ext != claim_ext_)) {
		claim_ = Claim::None; // the person left before the PBX answered
		tmr_cancel(&claim_tmr_);
	}
	if (now.pool && !occupancy_.pool())
		occupancy_.commit_pool();
	else if (!now.pool && (occupancy_.login_pending() || occupancy_.record().ext != now.ext))
		occupancy_.commit_user(now);
	if (now.pool)
		auto_logout_.pool();
	else
		auto_logout_.person(occupancy_.record().since, occupancy_.record().stay);
	// Before the session says anything to the new occupant ("Welcome",
	// "Logged out"): in their language.
	const UserProfile *u = now.pool ? nullptr : occupancy_.profile();
	language_.follow(!now.pool, u ? u->language : "");
	relayout();
	apply_dial_terminator();
}

// The '#' key: the person's profile over the device profile over the board.
void Agent::apply_dial_terminator()
{
	DialTerminator want = device_terminator_.value_or(board_terminator_);
	if (const UserProfile *u = occupancy_.profile();
	    session_->logged_in() && u && u->dial_terminator)
		want = *u->dial_terminator;
	DialPlan plan = session_->dial_plan();
	if (plan.terminator == want)
		return;
	plan.terminator = want;
	if (auto s = session_->set_dial_plan(plan); !s)
		log_error("agent: dial terminator: " + s.error().str());
	else
		hotdesk::log_info(std::string("agent: dial terminator ") +
		                  dial_terminator_name(want));
}

// The BLF keys: the pool's while idle, the person's when logged in; their
// lamps follow the same identity.
void Agent::relayout()
{
	KeyLayout k = blf_keys_.layout(session_->logged_in(), occupancy_.profile());
	if (blf_lamps_) {
		blf_lamps_->follow(session_->occupant(), BlfKeys::monitored(k));
		for (const auto &ext : BlfKeys::monitored(k))
			k.set_state(ext, blf_lamps_->state(ext));
		blf_keys_.show(k);
	}
	session_->set_key_layout(std::move(k));
}

// hotdeskd's own SIP stack. The credentials check waits at most
// kRegisterCheckMs (or register_timeout_ms when shorter): a registrar that
// answers at all answers in a round trip, and one that does not must not
// double the wait for the swap's own deadline.
void Agent::open_sip_stack()
{
	constexpr unsigned kRegisterCheckMs = 2000;
	auto stack = SipStack::open(cfg_.registrar);
	if (!stack) {
		log_warn("agent: no SIP socket of hotdeskd's own (" + stack.error().str() +
		         "): BLF lamps off, credentials not checked before a login");
		return;
	}
	sip_stack_ = std::move(*stack);
	register_check_ = std::make_unique<RegisterCheck>(
	    sip_stack_->sip(), std::min(cfg_.register_timeout_ms, kRegisterCheckMs));
}

// Subscriptions on libre's SIP stack, beside baresip (agent/keys/blf_lamps.h).
// Without a socket the keys still dial; their lamps stay off.
void Agent::start_blf_lamps()
{
	if (!sip_stack_)
		return;
	auto sip = SipDialogSubscriber::open(*sip_stack_);
	if (!sip) {
		log_warn("agent: BLF lamps off: " + sip.error().str());
		return;
	}
	blf_sip_ = std::move(*sip);
	hotdesk::log_info("agent: BLF subscriptions from " + blf_sip_->local_address());
	blf_lamps_ = std::make_unique<BlfLamps>(
	    *blf_sip_, blf_timers_, BlfLampsOptions{},
	    [this](const std::string &ext, BlfState s) { on_blf_state(ext, s); });
	screen_.show_blf_states(!blf_keys_.has_lamps());
}

void Agent::on_blf_state(const std::string &ext, BlfState s)
{
	session_->key_layout().set_state(ext, s);
	blf_keys_.show(session_->key_layout());
	redraw();
}

} // namespace hotdesk

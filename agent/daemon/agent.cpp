// SPDX-License-Identifier: BSD-3-Clause
#include "agent.h"

#include "../../platform/fault/crash_point.h"
#include "../core/log.h"
#include "../ctrl/reginfo.h"

#include <chrono>
#include <ctime>

namespace hotdesk
{

namespace
{

uint64_t now_ms()
{
	using namespace std::chrono;
	return static_cast<uint64_t>(
	    duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

std::string iso_now()
{
	const std::time_t t = std::time(nullptr);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

} // namespace

Agent::Agent(Config cfg, platform::KeySource &keys, platform::Display &display,
             platform::Storage &storage, KeyGeometry geometry, platform::LedSink *leds)
    : cfg_(std::move(cfg)), keys_(keys), display_(display), store_(storage), geometry_(geometry),
      leds_(leds)
{
	pool_.pool = true;
	pool_.ext = cfg_.pool_ext;
	pool_.sip_user = cfg_.pool_sip_user;
	pool_.sip_password = cfg_.pool_password;
	pool_.domain = cfg_.registrar;
	account_opts_.regint = cfg_.register_interval;
	account_opts_.outbound_proxy = cfg_.outbound_proxy;
	for (int i = 0; i < kTimerCount; ++i) {
		timers_[i].self = this;
		timers_[i].which = static_cast<Timer>(i);
		tmr_init(&timers_[i].tmr);
	}
}

Agent::~Agent()
{
	for (auto &t : timers_)
		tmr_cancel(&t.tmr);
	session_.reset();
	swap_.reset();
	ctrl_.reset();
	pool_.wipe();
}

Status Agent::start()
{
	if (auto s = http_.init(); !s)
		return s;
	const PbxConfig pc = pbx_config();
	pbx_ = std::make_unique<PbxClient>(http_, pc);

	CtrlClient::Handlers h;
	h.up = [this] { on_ctrl_up(); };
	h.down = [this](const std::string &why) { on_ctrl_down(why); };
	h.event = [this](const CtrlMessage &m) { on_ctrl_event(m); };
	ctrl_ = std::make_unique<CtrlClient>(cfg_.ctrl_tcp, h, cfg_.ctrl_timeout_ms);
	swap_ = std::make_unique<AccountSwap>(*ctrl_, cfg_.register_timeout_ms);
	session_ = std::make_unique<Session>(cfg_.dial_plan, pool_, *this, cfg_.timings);
	ProfileFetcher::Handlers fh;
	fh.apply = [this](const DeviceProfile &p, const CachedProfile &c) {
		if (auto s = store_.save_device_profile(c); !s)
			log_error("agent: cannot cache the device profile: " + s.error().str());
		apply_device_profile(p, true);
	};
	fh.failed = [](const std::string &) {};
	fetcher_ = std::make_unique<ProfileFetcher>(http_, pc, fh);
	restore();
	relayout();

	if (auto s = keys_.start([this](const Key &k) {
		    if (session_->state() == State::PinEntry &&
		        (k.kind == KeyKind::Hash || k.kind == KeyKind::Send))
			    pin_key_ms_ = now_ms();
		    session_->on_key(k);
	    });
	    !s)
		return s;
	show(session_->display_lines());
	if (auto s = start_status(); !s)
		return s;
	if (auto s = ctrl_->start(); !s)
		return s;
	if (cfg_.device_profile)
		fetcher_->fetch_now();
	return Ok{};
}

PbxConfig Agent::pbx_config() const
{
	PbxConfig pc;
	pc.base_url = cfg_.pbx_url;
	pc.ca_file = cfg_.pbx_ca;
	pc.device_id = cfg_.device_id;
	pc.token = cfg_.pbx_token;
	pc.connect_timeout_ms = cfg_.pbx_connect_timeout_ms;
	pc.total_timeout_ms = cfg_.pbx_timeout_ms;
	return pc;
}

// ---- status ----

// seq starts from the wall clock so that it keeps increasing across restarts
// (the PBX keeps the highest it has seen; docs/protocol.md).
Status Agent::start_status()
{
	started_ms_ = now_ms();
	// Microseconds since the epoch: a restarted daemon starts above anything
	// its predecessor sent (one change per microsecond is never reached),
	// and stays below 2^53, exact in every JSON parser.
	seq_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
	                                 std::chrono::system_clock::now().time_since_epoch())
	                                 .count());
	since_ = iso_now();
	if (cfg_.status_push && !cfg_.pbx_url.empty()) {
		const PbxConfig pc = pbx_config();
		status_push_ = std::make_unique<StatusPush>(
		    http_, StatusPushConfig{pc.base_url, pc.device_id, pc.token, pc.ca_file});
	}
	if (!cfg_.status_listen.empty() || !cfg_.status_socket.empty()) {
		StatusServerConfig sc;
		sc.listen = cfg_.status_listen;
		sc.token = cfg_.status_token;
		sc.cert_file = cfg_.status_cert;
		sc.key_file = cfg_.status_key;
		sc.client_ca_file = cfg_.status_client_ca;
		sc.unix_path = cfg_.status_socket;
		if (!sc.listen.empty() && sc.token.empty())
			return make_error("config:status_listen",
			                  "needs status_token in the secrets file "
			                  "or hd_status_token in the device profile");
		status_server_ = std::make_unique<StatusServer>(sc, *this);
		if (auto s = status_server_->start(); !s)
			return s;
		log_info("agent: status endpoint " +
		         (sc.listen.empty()
		              ? std::string("off")
		              : sc.listen + (sc.cert_file.empty() ? " (http)" : " (https)")) +
		         (sc.unix_path.empty() ? "" : ", local socket " + sc.unix_path));
	}
	status_changed();
	return Ok{};
}

StatusSnapshot Agent::snapshot()
{
	StatusSnapshot s;
	s.device_id = cfg_.device_id;
	s.pool_ext = pool_.ext;
	switch (session_->state()) {
	case State::Idle:
	case State::Collecting:
	case State::PinEntry:
		s.state = session_->logged_in() ? "logged-in" : "idle";
		break;
	case State::LoggingIn:
		s.state = "logging-in";
		break;
	case State::LoggedIn:
		s.state = "logged-in";
		break;
	case State::LoggingOut:
		s.state = "logging-out";
		break;
	case State::Error:
		s.state = "error";
		break;
	}
	if (session_->logged_in()) {
		s.user_ext = session_->occupant().ext;
		s.user_name = session_->occupant().name;
	}
	s.since_iso = since_;
	s.registration = registration_;
	s.last_error = session_->last_error();
	s.version = HOTDESK_VERSION;
	s.uptime_s = (now_ms() - started_ms_) / 1000;
	s.seq = seq_;
	return s;
}

// Everything but seq and uptime: a change in any of it is a new status.
void Agent::status_changed()
{
	StatusSnapshot now = snapshot();
	StatusSnapshot cmp = now;
	cmp.seq = published_.seq;
	cmp.uptime_s = published_.uptime_s;
	cmp.since_iso = published_.since_iso;
	if (published_.seq != 0 && cmp == published_)
		return;
	if (now.state != published_.state || now.user_ext != published_.user_ext)
		since_ = iso_now();
	now.since_iso = since_;
	now.seq = ++seq_;
	published_ = now;
	if (status_push_)
		status_push_->publish(now);
}

void Agent::set_registration(const std::string &r)
{
	registration_ = r;
	status_changed();
}

Status Agent::logout()
{
	if (!session_->logged_in())
		return make_error("status", "nobody is logged in");
	log_info("agent: the PBX logs " + session_->occupant().ext + " out");
	session_->on_remote_logout();
	return Ok{};
}

Status Agent::resync()
{
	if (!cfg_.device_profile)
		return make_error("status", "device profiles are off on this phone");
	fetcher_->fetch_now();
	return Ok{};
}

// ---- persistence ----

// Comes back as whoever the phone was at the last commit. An uncommitted
// login is rolled back (and the PBX told); an unreadable state is the pool.
void Agent::restore()
{
	if (auto cached = store_.load_device_profile(); cached && *cached) {
		auto p = parse_device_profile((*cached)->xml);
		if (p) {
			fetcher_->set_validators((*cached)->etag, (*cached)->last_modified);
			apply_device_profile(*p, false);
		} else {
			log_error("agent: cached device profile unusable: " + p.error().str());
		}
	}
	if (auto pending = store_.pending_login(); pending && *pending) {
		stale_login_ = **pending;
		log_warn("agent: a login of " + stale_login_ + " was interrupted; rolling it back");
		(void)store_.end_login();
	}
	auto occ = store_.load_occupancy();
	if (!occ) {
		log_error("agent: " + occ.error().str() + "; starting as the pool");
		commit_pool();
		return;
	}
	occ_ = *occ;
	if (occ_.pool) {
		(void)store_.forget_users_except(""); // nothing of a person outlives a logout
	} else if (auto u = store_.load_user(occ_.ext); u && *u) {
		(void)store_.forget_users_except(occ_.ext); // a rolled-back roam's files
		pending_profile_xml_ = (*u)->profile_xml;
		restoring_ = true;
		session_->resume_as((*u)->id);
		restoring_ = false;
		(*u)->id.wipe();
		log_info("agent: restored " + occ_.ext + " from the state directory");
	} else {
		log_error("agent: saved user missing or corrupt; starting as the pool");
		commit_pool();
	}
	// Tell the PBX the interrupted login did not happen. With status pushes
	// on, the first push says who sits here and a separate logout would
	// only race with it.
	if (!stale_login_.empty() && (occ_.pool || occ_.ext != stale_login_) && !cfg_.status_push)
		pbx_logout(stale_login_);
}

void Agent::commit_user(const Identity &user)
{
	const std::string label = occ_.pool ? "login" : "roam";
	if (auto s = store_.save_user({user, pending_profile_xml_}); !s) {
		log_error("agent: cannot save the user: " + s.error().str());
		return;
	}
	crash(label + ".after_save_user");
	occ_ = Occupancy{false, user.ext, iso_now(), occ_.seq + 1};
	if (auto s = store_.save_occupancy(occ_); !s)
		log_error("agent: cannot save the occupancy: " + s.error().str());
	crash(label + ".after_commit");
	(void)store_.forget_users_except(user.ext); // the person who roamed away
	(void)store_.end_login();
}

void Agent::commit_pool()
{
	const bool changed = !occ_.pool;
	if (auto s = store_.forget_users_except(""); !s)
		log_error("agent: cannot remove the user's files: " + s.error().str());
	if (changed || occ_.seq == 0) {
		occ_ = Occupancy{true, "", iso_now(), occ_.seq + 1};
		if (auto s = store_.save_occupancy(occ_); !s)
			log_error("agent: cannot save the occupancy: " + s.error().str());
	}
	pending_profile_xml_.clear();
}

void Agent::crash(const std::string &point) const
{
	platform::crash_point(point.c_str());
}

std::string Agent::swap_label(const Identity &to) const
{
	if (to.pool)
		return session_->logged_in() ? "logout" : "pool";
	return occ_.pool ? "login" : "roam";
}

// ---- device profile ----

Identity Agent::pool_from(const DeviceProfile &p) const
{
	Identity id;
	id.pool = true;
	id.ext = p.pool_ext;
	id.name = p.pool.realname;
	id.sip_user = p.pool.user;
	id.sip_password = p.pool.password;
	id.domain = p.pool.host;
	return id;
}

// Device-level settings change the phone whoever sits at it; a new pool
// account is swapped in make-before-break when the phone is idle, otherwise
// at the next logout.
void Agent::apply_device_profile(const DeviceProfile &p, bool swap_now)
{
	const Identity fresh = pool_from(p);
	const bool account_changed = fresh.aor() != pool_.aor() ||
	                             fresh.sip_password != pool_.sip_password ||
	                             p.pool.outbound != account_opts_.outbound_proxy;
	if (auto s = session_->set_dial_plan(p.dial_plan); !s)
		log_error("agent: device profile dial plan refused: " + s.error().str());
	account_opts_.outbound_proxy = p.pool.outbound;
	pool_.wipe();
	pool_ = fresh;
	session_->set_pool(pool_);
	fetcher_->set_recheck(p.recheck_s);
	if (cfg_.status_token.empty() && !p.status_token.empty() && !status_server_)
		cfg_.status_token = p.status_token; // read when the endpoint starts
	if (auto lk = parse_logout_key(p.logout_key))
		logout_key_ = *lk;
	pool_blf_.clear();
	for (const auto &b : p.blf)
		pool_blf_.push_back(BlfItem{b.ext, b.pickup, b.label});
	if (session_->state() != State::LoggingIn && session_->state() != State::LoggingOut)
		relayout();
	log_info("agent: device profile applied (pool " + pool_.ext + ")");
	if (!swap_now || !account_changed || session_->state() != State::Idle ||
	    !ctrl_->connected() || swap_->busy())
		return;
	const std::string old = in_baresip_;
	swap_->start(
	    old, account_line(pool_, account_opts_), pool_.aor(), false,
	    [this, old](bool ok, const std::string &why) {
		    if (ok)
			    in_baresip_ = pool_.aor();
		    else
			    log_error("agent: new pool account did not register (" + why +
			              "); keeping " + old);
	    },
	    "pool");
}

// ---- baresip ----

void Agent::on_ctrl_up()
{
	reconcile();
}

void Agent::on_ctrl_down(const std::string &why)
{
	swap_->abort("baresip connection lost");
	in_baresip_.clear();
	reconciling_ = false;
	set_registration("unknown");
	log_warn("agent: baresip unreachable (" + why + "); emergency calls wait for it");
	session_->on_service(false);
}

void Agent::reconcile()
{
	if (reconciling_)
		return;
	reconciling_ = true;
	ctrl_->request("reginfo", "", [this](Expected<std::string> r) {
		if (!r) {
			reconciling_ = false;
			log_warn("agent: reginfo failed: " + r.error().what);
			return;
		}
		std::vector<std::string> present;
		for (const auto &ua : parse_reginfo(*r))
			present.push_back(ua.aor);
		reconcile_with(present);
	});
}

// After (re)connecting: make baresip hold exactly our occupant's account,
// adding it first and removing strays after, so it is never without one.
void Agent::reconcile_with(const std::vector<std::string> &present)
{
	if (swap_->busy()) { // the swap owns the accounts; reconcile after it
		reconciling_ = false;
		reconcile_after_swap_ = true;
		return;
	}
	const Identity &want = session_->occupant();
	const std::string aor = want.aor();
	bool have = false;
	for (const auto &p : present)
		have = have || p == aor;
	auto remove_strays = [this, present, aor] {
		for (const auto &p : present)
			if (p != aor)
				ctrl_->request("uadel", p, [p](Expected<std::string> r) {
					if (!r)
						log_warn("agent: uadel " + p + ": " +
						         r.error().what);
				});
		in_baresip_ = aor;
		reconciling_ = false;
	};
	auto select = [this, aor, remove_strays] {
		ctrl_->request("uafind", aor, [this, remove_strays](Expected<std::string> r) {
			if (!r) {
				reconciling_ = false;
				log_error("agent: uafind failed: " + r.error().what);
				return;
			}
			remove_strays();
		});
	};
	log_info("agent: baresip has " + std::to_string(present.size()) + " account(s); applying " +
	         aor);
	if (have) {
		select();
		return;
	}
	ctrl_->request("uanew", account_line(want, account_opts_),
	               [this, select](Expected<std::string> r) {
		               if (!r) {
			               reconciling_ = false;
			               log_error("agent: cannot add our account to baresip: " +
			                         r.error().what);
			               return;
		               }
		               select();
	               });
}

void Agent::on_ctrl_event(const CtrlMessage &m)
{
	if (m.klass == "register" && m.aor == session_->occupant().aor()) {
		if (m.type == "REGISTER_OK")
			set_registration("registered");
		else if (m.type == "REGISTER_FAIL")
			set_registration("failed");
		else if (m.type == "REGISTERING" && registration_ != "registered")
			set_registration("registering");
	}
	if (m.type == "REGISTER_OK" || m.type == "REGISTER_FAIL") {
		const bool ok = m.type == "REGISTER_OK";
		if (swap_->busy()) {
			if (ok && pin_key_ms_ && session_->state() == State::LoggingIn)
				log_info("agent: login latency (last PIN key -> REGISTER_OK) " +
				         std::to_string(now_ms() - pin_key_ms_) + " ms");
			swap_->on_register(m.aor, ok, m.param);
			return;
		}
		if (m.aor != session_->occupant().aor())
			return;
		if (ok && session_->state() == State::Error)
			session_->on_service(true);
		if (!ok) {
			log_warn("agent: registration of " + m.aor + " failed: " + m.param);
			session_->on_service(false);
		}
		return;
	}
	if (m.klass == "call")
		log_info("agent: call event " + m.type + " " + m.direction + " " + m.peeruri);
}

// ---- SessionPorts ----

void Agent::show(const std::vector<std::string> &lines)
{
	display_.render(lines);
	if (seq_) // after start_status(): every session step may change the status
		status_changed();
}

void Agent::dial(const std::string &number)
{
	ctrl_->request("dial", number, [number](Expected<std::string> r) {
		if (!r)
			log_error("agent: dial " + number + " failed: " + r.error().what);
	});
}

// The intent is recorded before the PBX hears of the login, so a crash at
// any later point can be rolled back at the PBX too (restore()).
void Agent::pbx_login(const std::string &ext, const std::string &pin)
{
	log_info("agent: asking the PBX to log in " + ext);
	if (auto s = store_.begin_login(ext); !s)
		log_error("agent: cannot record the login: " + s.error().str());
	pbx_->login(ext, pin, [this, ext](LoginResult r) {
		if (r.kind != LoginResult::Accepted) {
			log_warn("agent: login of " + ext + " not accepted: " + r.reason);
			(void)store_.end_login();
		} else {
			pending_profile_xml_ = r.profile_xml;
		}
		crash(swap_label(r.user) + ".after_pbx");
		session_->on_login_result(std::move(r));
	});
}

void Agent::pbx_logout(const std::string &ext)
{
	pbx_->logout(ext, [ext](Status s) {
		if (!s)
			log_warn("agent: telling the PBX about the logout of " + ext +
			         " failed: " + s.error().str());
	});
}

void Agent::swap_to(const Identity &to, bool force_break)
{
	const std::string old = in_baresip_;
	const std::string aor = to.aor();
	const std::string label = swap_label(to);
	if (to.pool) {
		commit_pool(); // logout commits first: the person is gone from disk
		crash(label + ".after_commit");
	} else {
		crash(label + ".after_intent");
	}
	swap_->start(
	    old, account_line(to, account_opts_), aor, force_break,
	    [this, aor, old, force_break](bool ok, const std::string &why) {
		    in_baresip_ = ok || force_break ? aor : old;
		    if (!ctrl_->connected())
			    in_baresip_.clear();
		    pin_key_ms_ = 0;
		    session_->on_swap_result(ok, why);
		    if (!ok && !force_break)
			    (void)store_.end_login();
		    if (ok && ctrl_->connected() && session_->state() == State::Error)
			    session_->on_service(true);
		    if (reconcile_after_swap_ && ctrl_->connected()) {
			    reconcile_after_swap_ = false;
			    reconcile();
		    }
	    },
	    label);
}

void Agent::start_timer(Timer t, unsigned ms)
{
	auto &slot = timers_[static_cast<int>(t)];
	tmr_start(&slot.tmr, ms, timer_h, &slot);
}

void Agent::stop_timer(Timer t)
{
	tmr_cancel(&timers_[static_cast<int>(t)].tmr);
}

void Agent::timer_h(void *arg)
{
	auto *slot = static_cast<TimerSlot *>(arg);
	slot->self->session_->on_timer(slot->which);
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
	if (!restoring_) {
		if (now.pool)
			commit_pool();
		else
			commit_user(now);
	}
	relayout();
}

// A conditional GET of the device profile (usually a 304) opens the TLS
// connection that the login request then reuses from curl's cache, and
// picks up a changed device profile on the way.
void Agent::prepare_login()
{
	if (cfg_.device_profile)
		fetcher_->fetch_now();
}

void Agent::relayout()
{
	std::vector<BlfItem> items = pool_blf_;
	if (session_->logged_in()) {
		items.clear();
		if (auto up = parse_user_profile(pending_profile_xml_))
			for (const auto &b : up->blf)
				items.push_back(BlfItem{b.ext, b.pickup, b.label});
	}
	const BlfLayout l = blf_layout(geometry_, logout_key_, items);
	for (const auto &n : l.notes)
		log_info("agent: keys: " + n);
	if (!l.overflow.empty())
		log_warn("agent: " + std::to_string(l.overflow.size()) +
		         " BLF entries have no key on this phone (listed in the status)");
	session_->set_key_layout(KeyLayout(l));
	display_.set_softkeys(session_->key_layout().softkey_labels());
	update_lamps();
}

void Agent::update_lamps()
{
	if (leds_)
		platform::show_blf_lamps(session_->key_layout(), geometry_.blf_keys, *leds_);
}

} // namespace hotdesk

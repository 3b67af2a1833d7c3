#include "agent.h"

#include "../ctrl/reginfo.h"
#include "../re/log.h"

#include <chrono>

namespace hotdesk {

namespace {

uint64_t now_ms()
{
	using namespace std::chrono;
	return static_cast<uint64_t>(
		duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

} // namespace

Agent::Agent(Config cfg, platform::KeySource &keys, platform::Display &display)
	: cfg_(std::move(cfg)), keys_(keys), display_(display)
{
	pool_.pool = true;
	pool_.ext = cfg_.pool_ext;
	pool_.sip_user = cfg_.pool_sip_user;
	pool_.sip_password = cfg_.pool_password;
	pool_.domain = cfg_.registrar;
	account_opts_.regint = cfg_.register_interval;
	account_opts_.outbound_proxy = cfg_.outbound_proxy;
	for (int i = 0; i < 3; ++i) {
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
	PbxConfig pc;
	pc.base_url = cfg_.pbx_url;
	pc.ca_file = cfg_.pbx_ca;
	pc.device_id = cfg_.device_id;
	pc.token = cfg_.pbx_token;
	pc.connect_timeout_ms = cfg_.pbx_connect_timeout_ms;
	pc.total_timeout_ms = cfg_.pbx_timeout_ms;
	pbx_ = std::make_unique<PbxClient>(http_, pc);

	CtrlClient::Handlers h;
	h.up = [this] { on_ctrl_up(); };
	h.down = [this](const std::string &why) { on_ctrl_down(why); };
	h.event = [this](const CtrlMessage &m) { on_ctrl_event(m); };
	ctrl_ = std::make_unique<CtrlClient>(cfg_.ctrl_tcp, h, cfg_.ctrl_timeout_ms);
	swap_ = std::make_unique<AccountSwap>(*ctrl_, cfg_.register_timeout_ms);
	session_ = std::make_unique<Session>(cfg_.dial_plan, pool_, *this, cfg_.timings);

	if (auto s = keys_.start([this](const Key &k) {
		    if (session_->state() == State::PinEntry &&
			(k.kind == KeyKind::Hash || k.kind == KeyKind::Send))
			    pin_key_ms_ = now_ms();
		    session_->on_key(k);
	    });
	    !s)
		return s;
	show(session_->display_lines());
	return ctrl_->start();
}

// ---- baresip ----

void Agent::on_ctrl_up() { reconcile(); }

void Agent::on_ctrl_down(const std::string &why)
{
	in_baresip_.clear();
	reconciling_ = false;
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
	if (swap_->busy()) { // the swap owns the accounts; it will finish or fail
		reconciling_ = false;
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
						log_warn("agent: uadel " + p + ": " + r.error().what);
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
	log_info("agent: baresip has " + std::to_string(present.size()) + " account(s); applying " + aor);
	if (have) {
		select();
		return;
	}
	ctrl_->request("uanew", account_line(want, account_opts_), [this, select](Expected<std::string> r) {
		if (!r) {
			reconciling_ = false;
			log_error("agent: cannot add our account to baresip: " + r.error().what);
			return;
		}
		select();
	});
}

void Agent::on_ctrl_event(const CtrlMessage &m)
{
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

void Agent::show(const std::vector<std::string> &lines) { display_.render(lines); }

void Agent::dial(const std::string &number)
{
	ctrl_->request("dial", number, [number](Expected<std::string> r) {
		if (!r)
			log_error("agent: dial " + number + " failed: " + r.error().what);
	});
}

void Agent::pbx_login(const std::string &ext, const std::string &pin)
{
	log_info("agent: asking the PBX to log in " + ext);
	pbx_->login(ext, pin, [this, ext](LoginResult r) {
		if (r.kind != LoginResult::Accepted)
			log_warn("agent: login of " + ext + " not accepted: " + r.reason);
		session_->on_login_result(std::move(r));
	});
}

void Agent::pbx_logout(const std::string &ext)
{
	pbx_->logout(ext, [ext](Status s) {
		if (!s)
			log_warn("agent: telling the PBX about the logout of " + ext + " failed: " +
				 s.error().str());
	});
}

void Agent::swap_to(const Identity &to, bool force_break)
{
	const std::string old = in_baresip_;
	const std::string aor = to.aor();
	swap_->start(old, account_line(to, account_opts_), aor, force_break,
		     [this, aor, old, force_break](bool ok, const std::string &why) {
			     in_baresip_ = ok || force_break ? aor : old;
			     pin_key_ms_ = 0;
			     session_->on_swap_result(ok, why);
			     if (ok && ctrl_->connected() && session_->state() == State::Error)
				     session_->on_service(true);
		     });
}

void Agent::start_timer(Timer t, unsigned ms)
{
	auto &slot = timers_[static_cast<int>(t)];
	tmr_start(&slot.tmr, ms, timer_h, &slot);
}

void Agent::stop_timer(Timer t) { tmr_cancel(&timers_[static_cast<int>(t)].tmr); }

void Agent::timer_h(void *arg)
{
	auto *slot = static_cast<TimerSlot *>(arg);
	slot->self->session_->on_timer(slot->which);
}

void Agent::log_info(const std::string &msg) { hotdesk::log_info(msg); }
void Agent::log_bug(const std::string &msg) { log_error("BUG: " + msg); }

void Agent::occupant_changed(const Identity &now)
{
	hotdesk::log_info("agent: the phone is now " + now.ext + (now.pool ? " (pool)" : ""));
}

} // namespace hotdesk

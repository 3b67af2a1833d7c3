// SPDX-License-Identifier: BSD-3-Clause
// The composition root: wires the owners of one concern each and routes
// inputs between them (docs/architecture.md has the picture).
//
//   keys left ----------> Session (core: login, logout, dialing)
//   Session ports ------> BaresipAccounts (the SIP accounts in baresip)
//                   \---> PbxConversation (login/logout, device profile)
//                    \--> DeskOccupancy (who sits here, power-safe)
//   keys ---------------> PhoneCalls first (answer, DTMF, hold, history)
//   baresip events -----> BaresipAccounts, RegistrationHealth -> Session,
//                         PhoneCalls (calls), MWI lamp
//   last call ended ----> Session (a deferred logout or swap runs)
//   every change -------> StatusPublisher (poll and push)
//
// Runs on libre's event loop.
#pragma once

#include "../accounts/baresip_accounts.h"
#include "../accounts/pool_account.h"
#include "../accounts/registration_health.h"
#include "../calls/phone_calls.h"
#include "../core/account_line.h"
#include "../core/blf_layout.h"
#include "../core/board.h"
#include "../core/mwi.h"
#include "../core/session.h"
#include "../ctrl/ctrl_client.h"
#include "../http/http_client.h"
#include "../keys/blf_keys.h"
#include "../occupancy/desk_occupancy.h"
#include "../pbx/pbx_conversation.h"
#include "../state/state_store.h"
#include "../status/status_publisher.h"
#include "../status/status_router.h"
#include "../status/status_server.h"
#include "../ui/phone_screen.h"
#include "config.h"
#include "session_timers.h"

#include "../../platform/display/display.h"
#include "../../platform/keys/key_source.h"
#include "../../platform/leds/led_sink.h"
#include "../../platform/storage/storage.h"

#include <memory>

namespace hotdesk
{

class Agent : public SessionPorts, public StatusHandler
{
public:
	Agent(Config cfg, platform::KeySource &keys, platform::Display &display,
	      platform::Storage &storage, KeyGeometry geometry = {},
	      platform::LedSink *leds = nullptr);
	~Agent() override;

	Status start();

	// SessionPorts
	void show(const std::vector<std::string> &lines) override;
	void dial(const std::string &number) override { calls_->dial(number); }
	void pbx_login(const std::string &ext, const std::string &pin) override;
	void pbx_logout(const std::string &ext) override;
	void swap_to(const Identity &to, bool force_break) override;
	void start_timer(Timer t, unsigned ms) override { timers_.start(t, ms); }
	void stop_timer(Timer t) override { timers_.stop(t); }
	void log_info(const std::string &msg) override;
	void log_bug(const std::string &msg) override;
	void occupant_changed(const Identity &now) override;
	void prepare_login() override { pbx_->warm_up(); }
	bool calls_active() const override { return calls_ && calls_->active(); }

	// StatusHandler (the endpoint the PBX polls, and hotdeskctl)
	StatusSnapshot snapshot() override { return status_->current(); }
	Status logout() override;
	Status resync() override { return pbx_->fetch_profile(); }

private:
	void on_key(const Key &k);
	void on_ctrl_event(const CtrlMessage &m);
	void on_register_event(const CtrlMessage &m);
	void log_granted(const std::string &aor);
	bool reregister();
	void on_swap_done(bool ok, const std::string &why, bool force_break);
	void apply_device_profile(const DeviceProfile &p, bool fresh);
	void restore();
	Status start_status();
	void relayout();
	void publish();
	void redraw();
	void on_last_call_ended();
	void on_mwi(const CtrlMessage &m);
	void swap_pool_if_changed();
	PbxConfig pbx_config() const;

	Config cfg_;
	platform::KeySource &keys_;
	PhoneScreen screen_;
	StateStore store_;
	DeskOccupancy occupancy_;
	BlfKeys blf_keys_;
	RegistrationHealth registration_;
	std::string interrupted_login_; // rolled back at start; the PBX is told
	uint64_t pin_key_ms_ = 0;       // for the login latency log line
	HttpClient http_;
	PoolAccount pool_;
	SessionTimers timers_;
	std::unique_ptr<CtrlClient> ctrl_;
	std::unique_ptr<BaresipAccounts> accounts_;
	std::unique_ptr<PbxConversation> pbx_;
	std::unique_ptr<PhoneCalls> calls_;
	std::unique_ptr<Session> session_;
	std::unique_ptr<StatusPublisher> status_;
	std::unique_ptr<StatusServer> status_server_;
};

} // namespace hotdesk

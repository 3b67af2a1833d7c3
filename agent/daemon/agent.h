// SPDX-License-Identifier: BSD-3-Clause
// The daemon's wiring: keys -> Session -> baresip (ctrl_tcp), PBX (HTTPS),
// display; baresip's events -> Session. Runs on libre's event loop.
#pragma once

#include "../core/account_line.h"
#include "../core/board.h"
#include "../core/session.h"
#include "../ctrl/ctrl_client.h"
#include "../http/http_client.h"
#include "../pbx/pbx_client.h"
#include "../pbx/profile_fetcher.h"
#include "../sip/account_swap.h"
#include "../state/state_store.h"
#include "../status/status_push.h"
#include "../status/status_router.h"
#include "../status/status_server.h"
#include "config.h"

#include "../../platform/display/display.h"
#include "../../platform/keys/key_source.h"
#include "../../platform/leds/led_sink.h"
#include "../../platform/storage/storage.h"
#include "../core/blf_layout.h"

#include <memory>
#include <optional>

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
	void dial(const std::string &number) override;
	void pbx_login(const std::string &ext, const std::string &pin) override;
	void pbx_logout(const std::string &ext) override;
	void swap_to(const Identity &to, bool force_break) override;
	void start_timer(Timer t, unsigned ms) override;
	void stop_timer(Timer t) override;
	void log_info(const std::string &msg) override;
	void log_bug(const std::string &msg) override;
	void occupant_changed(const Identity &now) override;
	void prepare_login() override;

	// StatusHandler (the endpoint the PBX polls, and hotdeskctl)
	StatusSnapshot snapshot() override;
	Status logout() override;
	Status resync() override;

private:
	struct TimerSlot {
		Agent *self;
		Timer which;
		struct tmr tmr;
	};

	void on_ctrl_up();
	void on_ctrl_down(const std::string &why);
	void on_ctrl_event(const CtrlMessage &m);
	void reconcile();
	void reconcile_with(const std::vector<std::string> &present);
	static void timer_h(void *arg);
	// Persistence (state_store.h has the transaction rules).
	void restore();
	void commit_user(const Identity &user);
	void commit_pool();
	void crash(const std::string &point) const;
	std::string swap_label(const Identity &to) const;
	// Device profile.
	void apply_device_profile(const DeviceProfile &p, bool swap_now);
	Identity pool_from(const DeviceProfile &p) const;
	// BLF keys: the pool's while idle, the person's when logged in.
	void relayout();
	void update_lamps();
	// Status: bump seq and push when what the PBX sees changed.
	void status_changed();
	void set_registration(const std::string &r);
	Status start_status();
	PbxConfig pbx_config() const;

	Config cfg_;
	platform::KeySource &keys_;
	platform::Display &display_;
	StateStore store_;
	Occupancy occ_;
	std::string pending_profile_xml_; // the user profile of a login in flight
	std::string stale_login_;         // an uncommitted login found at start
	std::unique_ptr<ProfileFetcher> fetcher_;
	KeyGeometry geometry_;
	platform::LedSink *leds_;
	LogoutKey logout_key_;
	std::vector<BlfItem> pool_blf_;
	std::unique_ptr<StatusServer> status_server_;
	std::unique_ptr<StatusPush> status_push_;
	StatusSnapshot published_;
	uint64_t seq_ = 0;
	uint64_t started_ms_ = 0;
	std::string since_;
	std::string registration_ = "unknown";
	Identity pool_;
	AccountOptions account_opts_;
	HttpClient http_;
	std::unique_ptr<PbxClient> pbx_;
	std::unique_ptr<CtrlClient> ctrl_;
	std::unique_ptr<AccountSwap> swap_;
	std::unique_ptr<Session> session_;
	TimerSlot timers_[kTimerCount];
	// The AOR baresip has for us right now (empty before the first apply).
	std::string in_baresip_;
	bool reconciling_ = false;
	bool restoring_ = false;
	bool reconcile_after_swap_ = false;
	uint64_t pin_key_ms_ = 0; // for the login latency log line
};

} // namespace hotdesk

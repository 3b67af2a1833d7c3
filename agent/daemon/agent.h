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
#include "../accounts/register_check.h"
#include "../accounts/registration_health.h"
#include "../calls/phone_calls.h"
#include "../core/account_line.h"
#include "../core/backoff.h"
#include "../core/blf_layout.h"
#include "../core/board.h"
#include "../core/mwi.h"
#include "../core/session.h"
#include "../ctrl/ctrl_client.h"
#include "../http/http_client.h"
#include "../keys/blf_keys.h"
#include "../keys/blf_lamps.h"
#include "../keys/sip_dialog_subscriber.h"
#include "../occupancy/auto_logout.h"
#include "../occupancy/desk_occupancy.h"
#include "../pbx/emergency_notice.h"
#include "../pbx/pbx_conversation.h"
#include "../sip/sip_stack.h"
#include "../state/state_store.h"
#include "../status/status_publisher.h"
#include "../status/status_router.h"
#include "../status/status_server.h"
#include "../ui/display_language.h"
#include "../ui/phone_screen.h"
#include "config.h"
#include "session_timers.h"

#include "../../platform/display/display.h"
#include "../../platform/keys/key_source.h"
#include "../../platform/leds/led_sink.h"
#include "../../platform/storage/storage.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
	void dial_emergency(const std::string &number) override;
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
	Status logout(const std::string &ext) override;
	Status resync() override;

private:
	void on_key(const Key &k);
	void on_ctrl_event(const CtrlMessage &m);
	void on_register_event(const CtrlMessage &m);
	void log_granted(const std::string &aor);
	bool reregister();
	void on_swap_done(bool ok, const std::string &why, bool force_break);
	void start_swap(const std::string &line, const std::string &aor, bool force_break,
	                const std::string &label);
	void on_register_check(const RegisterCheckResult &r, const std::string &line,
	                       const std::string &aor, bool force_break, const std::string &label);
	void open_sip_stack();
	void apply_device_profile(const DeviceProfile &p, bool fresh);
	void restore();
	Status start_status();
	void relayout();
	void apply_dial_terminator();
	// A person restored from the state directory is claimed only after the
	// PBX confirms (docs/protocol.md, resume); see agent.cpp.
	void ask_resume();
	void on_resume_answer(LoginResult r);
	void take_claimed();
	void replay_parked_key();
	// The state directory lost who sits here: the phone is the pool and asks
	// the PBX (docs/protocol.md, resume with "lost"); see agent.cpp.
	void ask_lost();
	void on_lost_answer(LoginResult r);
	void ask_lost_later(const std::string &why);
	static void claim_retry_h(void *arg);
	void start_blf_lamps();
	void on_blf_state(const std::string &ext, BlfState s);
	void publish();
	void redraw();
	void on_last_call_ended();
	void on_calls_changed();
	void on_mwi(const CtrlMessage &m);
	void swap_pool_if_changed();
	void apply_emergency(const EmergencySettings &e);
	void notify_emergency(const std::string &number);
	void send_emergency(const std::string &number);
	void dial_waiting_emergencies();
	// Emergency numbers typed while baresip was unreachable (a restart, a
	// lost link), with when: they go out once it is back and its accounts
	// are applied, unless kEmergencyWaitMs passed (never a call to the
	// answering point long after the person gave up).
	static constexpr uint64_t kEmergencyWaitMs = 30000;
	std::vector<std::pair<std::string, uint64_t>> emergency_waiting_;
	bool emergency_via_pool() const { return emergency_.via_pool; }
	PbxConfig pbx_config() const;

	Config cfg_;
	platform::KeySource &keys_;
	PhoneScreen screen_;
	DisplayLanguage language_; // the device's, or the person's (issue 17)
	StateStore store_;
	DeskOccupancy occupancy_;
	AutoLogout auto_logout_;
	BlfKeys blf_keys_;
	RegistrationHealth registration_;
	RegistrationHealth pool_registration_; // the kept pool identity's (issue 16)
	EmergencySettings emergency_;
	std::string damaged_state_files();
	std::string interrupted_login_; // rolled back at start; the PBX is told
	std::string restart_logout_;    // an auto logout that fell due while off
	uint64_t pin_key_ms_ = 0;       // for the login latency log line
	// What '#' does: the board's (config's dial plan at start), unless the
	// device profile or the person's profile says otherwise.
	DialTerminator board_terminator_ = DialTerminator::Hash;
	std::optional<DialTerminator> device_terminator_;
	// Asking: the restored person waits for the PBX (the phone is the pool);
	// Unconfirmed: the PBX did not answer, the phone came back as the person
	// from the state directory alone and asks again (claim_tmr_).
	// Lost: the state was lost, the phone is the pool and asks who sits here
	// (again after claim_tmr_ until answered; a keypad login drops it).
	enum class Claim { None, Asking, Unconfirmed, Lost } claim_ = Claim::None;
	std::string claim_ext_;
	Identity claimed_;         // the restored identity while Asking (a secret)
	bool resume_swap_ = false; // the swap to the confirmed person is running
	std::string resume_aor_;   // ...and keeps this account if nobody answers

	std::optional<Key> parked_; // the logout key pressed while confirming
	// The PBX login flow: whom the device profile puts on the phone, until
	// the session follows it (reconcile_provisioning(): only once restore()
	// ran and baresip is connected, never during another identity change).
	enum class Provisioned { None, Pool, Person } pbx_wants_ = Provisioned::None;
	Identity provisioned_; // Person: their identity (a secret inside)
	std::string provisioned_profile_;
	bool restored_ = false;
	void follow_provisioning(const DeviceProfile &p, bool person);
	void reconcile_provisioning();
	void forget_provisioned();
	struct tmr claim_tmr_;
	Backoff claim_backoff_{BackoffPolicy{2000, 30000}};
	// The damaged state files kept aside (status `state_damaged`), listed
	// again whenever the store finds another.
	std::string state_damaged_;
	size_t damage_seen_ = 0;
	bool damage_listed_ = false;
	HttpClient http_;
	PoolAccount pool_;
	SessionTimers timers_;
	std::unique_ptr<CtrlClient> ctrl_;
	std::unique_ptr<BaresipAccounts> accounts_;
	std::unique_ptr<PbxConversation> pbx_;
	std::unique_ptr<EmergencyNotifier> notifier_;
	std::unique_ptr<PhoneCalls> calls_;
	std::unique_ptr<Session> session_;
	std::unique_ptr<StatusPublisher> status_;
	std::unique_ptr<StatusServer> status_server_;
	// hotdeskd's own SIP stack (none if no socket): the BLF subscriptions
	// and the credentials check before a person's account goes to baresip.
	std::unique_ptr<SipStack> sip_stack_;
	std::unique_ptr<RegisterCheck> register_check_;
	// BLF lamps from dialog event subscriptions (none if no SIP socket).
	ReWatchTimers blf_timers_;
	std::unique_ptr<SipDialogSubscriber> blf_sip_;
	std::unique_ptr<BlfLamps> blf_lamps_;
};

} // namespace hotdesk

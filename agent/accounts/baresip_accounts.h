// SPDX-License-Identifier: BSD-3-Clause
// The SIP accounts in baresip, owned by one declared machine: baresip holds
// exactly the occupant's account, swaps are make-before-break, and a
// baresip that comes back (restart, reconnect) gets the account re-applied.
//
// A swap (apply with wait_register):
//
//   uanew NEW -> uafind NEW -> REGISTER_OK(NEW) -> uadel OLD        => ok
//   REGISTER_FAIL(NEW) | timeout | uanew/uafind error:
//       uafind KEEP -> uadel DROP                                    => failed
//   (KEEP = OLD and DROP = NEW, unless force_break or there is no OLD,
//    where NEW stays and keeps retrying and OLD goes anyway: a logout never
//    leaves the person's account on the phone)
//   The same AOR (new password or outbound): after REGISTER_OK(NEW),
//       uanew PLACEHOLDER -> uafind PLACEHOLDER -> uadel AOR (the old, first
//       match) -> uafind AOR -> uadel PLACEHOLDER; on failure both go and the
//       old line comes back before uafind AOR (same_aor_steps()).
//   The same AOR while the old account is not registered (refused, or its
//   REGISTER still unanswered): break-before-make, because baresip's events
//   name the AOR only, so a late REGISTER_FAIL of the old account would
//   read as the new one's (Clearing):
//       uanew PLACEHOLDER -> uafind PLACEHOLDER -> uadel AOR (the old)
//       -> uanew NEW -> uafind NEW -> REGISTER_OK(NEW) -> uadel PLACEHOLDER
//   on failure NEW stays (it keeps retrying; the old one did no better)
//   and the placeholder goes.
//
// A re-apply after (re)connect: reginfo -> [uanew WANT] -> uafind WANT ->
// uadel every other AOR (no wait for the registration; REGISTER_OK events
// are reported as they come).
//
// A kept account (keep(); issue 16's emergency identity: the pool stays
// registered while a person is logged in) is held besides the wanted one
// and is never removed while it is kept: a re-apply adds it when missing
// (uanew KEPT before uanew WANT), a swap never deletes it, and a swap *to*
// it (a logout) skips the uanew: uafind KEPT -> uadel OLD.
//
// A call is never cut by an account change: every uadel first asks the
// calls owner (set_call_gate()) whether the account carries a call or a dial
// whose account is not known yet; if so the uadel is held, the machine stays
// in its state (Clearing, Removing or RollingBack: the command is simply in
// flight longer) and on_calls_changed() sends it once the calls on that
// account ended. Everything asked for meanwhile queues behind it.
//
// The calls owner knows calls from their events, so after hotdeskd
// (re)connects it knows none of those baresip still carries: the first
// listing after Up also takes a census (core/call_census.h) of every account
// found: uafind AOR, then `line N` + `callstat` for N = 1..kCensusLines, all
// sent back to back so no other command falls between, then the wanted
// account is selected again. Each call found goes to on_calls_found() before
// the re-apply goes on, so the call gate knows it before any uadel.
//
// baresip 1.0.0 keeps a "current account" pointer that dangles when the
// current or the last account is deleted, so the account that stays is
// always selected (uafind) before another one is deleted
// (/work/shared/notes/baresip-ctrl-tcp.md). AORs compare as exact strings.
//
// States and events are one table in baresip_accounts.cpp; the diagram is
// docs/accounts-state-machine.dot. Events are queued, never dispatched
// inside a dispatch.
#pragma once

#include "../ctrl/ctrl_client.h"

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace hotdesk
{

struct BaresipEvent; // core/calls.h

enum class AccountsState {
	Offline,     // no ctrl_tcp connection
	Listing,     // reginfo in flight (after (re)connect)
	Clearing,    // a same-AOR swap removes the unregistered old account first
	Adding,      // uanew in flight
	Selecting,   // uafind in flight
	Registering, // waiting for REGISTER_OK of the new account
	Removing,    // uadel of the old account / strays in flight
	RollingBack, // uafind KEEP, then uadel DROP
	Ready,       // baresip holds what we want
};

enum class AccountsEvent {
	Up,          // ctrl_tcp connected
	Down,        // ctrl_tcp lost
	Apply,       // a new account is wanted
	Listed,      // reginfo answered
	CommandOk,   // the command in flight answered ok
	CommandFail, // ... answered ok:false, timed out or was lost
	RegisterOk,  // REGISTER_OK for the new account
	RegisterFail,
	Timeout, // no REGISTER_OK within the register timeout
	Refresh, // the kept account changed: list and re-apply
};

const char *accounts_state_name(AccountsState s);
const char *accounts_event_name(AccountsEvent e);

class BaresipAccounts
{
public:
	// ok=false carries the reason in words (logged and shown in the status).
	using Done = std::function<void(bool ok, const std::string &reason)>;

	BaresipAccounts(CtrlClient &ctrl, unsigned register_timeout_ms);
	~BaresipAccounts();
	BaresipAccounts(const BaresipAccounts &) = delete;
	BaresipAccounts &operator=(const BaresipAccounts &) = delete;

	// The account baresip must hold once connected (restore at start, or
	// after a failed swap decided what stays). No commands now.
	void want(const std::string &line, const std::string &aor);
	// Make-before-break swap to `line` (its AOR `aor`); `done` is called
	// exactly once, never from inside this call. `label` names the crash
	// points "<label>.after_uanew", ".after_register_ok", ".after_uadel".
	// A swap asked for while another runs waits for it. keep_if_silent: a
	// new account that no registrar answered within the timeout stays (the
	// old one goes), one refused rolls back as usual (a restored person
	// after a power cut whose registrar is not up yet).
	void swap(const std::string &line, const std::string &aor, bool force_break,
	          const std::string &label, Done done, bool keep_if_silent = false);

	// An account baresip must hold besides the wanted one, never removed
	// while kept ("" for none, the default). A change is applied at once
	// when nothing else runs (reginfo, uanew, uadel of a previous one),
	// otherwise after the step in progress.
	void keep(const std::string &line, const std::string &aor);
	const std::string &kept_aor() const { return keep_aor_; }
	// Whether `aor` is in baresip (the selected account or the kept one).
	bool holds(const std::string &aor) const;
	// Runs `send` (requests on the ctrl_tcp connection, which baresip runs
	// in order) with `aor` selected, then selects again the account this
	// machine selected last, so its later uadel never hits the current one
	// (baresip 1.0.0's dangling pointer). An `aor` baresip does not hold:
	// `send` runs on whatever is selected. While the placeholder is selected
	// all of it waits for the next account's uafind (when_dialable()), so
	// `send` must own what it captures.
	void with_selected(const std::string &aor, std::function<void()> send);

	// Whether the account `aor` carries a call (any state but ended) or a
	// dial baresip has not answered yet (its account is not known). Unset:
	// no account carries one.
	using CallGate = std::function<bool(const std::string &aor)>;
	void set_call_gate(CallGate g) { call_gate_ = std::move(g); }
	// The calls changed (one ended, a dial was answered): a uadel held for a
	// call goes now if its account carries none any more.
	void on_calls_changed();
	// The AOR whose uadel waits for its calls to end ("" when none).
	const std::string &held_for_call() const { return held_aor_; }

	// Runs `dial` (a dial request on the ctrl_tcp connection) now, or, while
	// the placeholder of a same-AOR change is selected, on the old account
	// if its uadel waits for a call, else right after the next account is
	// selected (a few ms): a call on the placeholder, an emergency call
	// among them, would go nowhere (it never registers).
	void when_dialable(std::function<void()> dial);

	// Called when baresip removed the last account of an AOR (a uadel
	// answered ok): calls it had are gone with it, without a CALL_CLOSED
	// (baresip 1.0.0). With the call gate that happens only to a call that
	// arrived in the moment the uadel was on its way.
	void on_removed(std::function<void(const std::string &aor)> f) { removed_ = std::move(f); }

	// Called when the machine has nothing left to do (Ready, no swap asked
	// for): a change that had to wait for it may be asked for now.
	void on_settled(std::function<void()> f) { settled_ = std::move(f); }

	// Called when a re-apply finds the wanted account already in baresip
	// and registered (reginfo): its REGISTER_OK went by while hotdeskd was
	// not connected, and the next one may be a refresh interval away.
	void on_found_registered(std::function<void(const std::string &aor)> f)
	{
		found_registered_ = std::move(f);
	}

	// A call the census found (an event standing for it, call_census.h).
	void on_calls_found(std::function<void(const BaresipEvent &)> f)
	{
		calls_found_ = std::move(f);
	}

	// Inputs from the ctrl_tcp client.
	void on_up();
	void on_down(const std::string &why);
	// REGISTER_OK / REGISTER_FAIL of any account.
	void on_register(const std::string &aor, bool ok, const std::string &param);

	AccountsState state() const { return state_; }
	// A swap (not a re-apply) is running: REGISTER events belong to it.
	bool swapping() const { return swapping_; }
	bool busy() const
	{
		return state_ != AccountsState::Ready && state_ != AccountsState::Offline;
	}
	// The AOR that baresip has selected for us ("" when unknown).
	const std::string &in_baresip() const { return in_baresip_; }
	const std::string &wanted_aor() const { return want_aor_; }
	const std::string &wanted_line() const { return want_line_; }

	using Action = void (BaresipAccounts::*)();
	using Guard = bool (BaresipAccounts::*)() const;
	struct Row {
		AccountsState from;
		AccountsEvent event;
		Guard guard; // nullptr: always
		AccountsState to;
		Action action;
	};
	static const Row *table_begin();
	static const Row *table_end();

private:
	static const Row kTable[];
	struct Job {
		std::string line, aor, label;
		bool force_break = false;
		Done done;
		bool keep_if_silent = false;
	};
	// On failure the new account stays and the old one goes: force_break, or
	// keep_if_silent when no registrar refused the new one.
	bool keeps_new() const;

	void post(AccountsEvent e);
	void run(AccountsEvent e);
	void command(const char *cmd, const std::string &params);
	void crash(const char *step) const;

	// Guards.
	bool is_swap() const { return swapping_; }
	bool wanted_present() const;
	bool register_seen() const { return swapping_ && register_seen_; }
	bool register_refused() const { return swapping_ && register_refused_; }
	bool more_to_remove() const { return !steps_.empty() || !to_remove_.empty(); }
	bool has_job() const { return !jobs_.empty(); }
	bool nothing_wanted() const { return want_line_.empty(); }
	bool all_present() const { return wanted_present() && kept_present(); }
	bool kept_present() const;
	bool more_to_add() const { return !swapping_ && !to_add_.empty(); }
	bool job_to_kept() const
	{
		return has_job() && !keep_aor_.empty() && jobs_.front().aor == keep_aor_ &&
		       keep_present_ && jobs_.front().line == keep_line_;
	}
	bool refresh_due() const { return refresh_; }
	// The next job replaces an account of the same AOR that is not
	// registered (break-before-make, see the diagram above).
	bool job_clears_first() const;
	bool more_steps() const { return !steps_.empty(); }
	bool cleared_first() const { return swapping_ && cleared_first_; }

	// Actions.
	void noop() {}
	void list();
	void add();
	void select();
	void await_register();
	void start_removing();
	void remove_next();
	void registered();
	void roll_back();
	void roll_back_remove();
	void finish_ok();
	void finish_failed();
	void finish_reapply();
	void reapply_failed();
	void lost();
	void start_job();
	void start_job_to_kept();
	void start_job_clearing();
	void step_next();
	void add_after_clearing();
	void clearing_failed();
	void begin_job();
	void start_register_timer();
	void next();
	void uafind(const std::string &aor);

	void send(const char *cmd, const std::string &params);
	void send_step(const std::pair<std::string, std::string> &step);
	void run_waiting_dials();
	std::vector<std::function<void()>> waiting_dials_;

	CtrlClient &ctrl_;
	CallGate call_gate_;
	std::function<void(const std::string &)> removed_;
	std::function<void()> settled_;
	std::string held_aor_; // a uadel waiting for the calls on it to end
	std::function<void(const BaresipEvent &)> calls_found_;
	bool census_due_ = false;              // the first listing after Up takes a census
	static constexpr int kCensusLines = 4; // baresip's call_max_calls default
	void census();
	unsigned timeout_ms_;
	AccountsState state_ = AccountsState::Offline;
	std::deque<AccountsEvent> queue_;
	bool dispatching_ = false;
	unsigned generation_ = 0;
	struct tmr tmr_ {
	};

	std::string want_line_, want_aor_; // what baresip must hold
	std::string in_baresip_;
	std::vector<std::string> present_;    // reginfo's AORs
	std::vector<std::string> registered_; // those of them registered
	std::function<void(const std::string &)> found_registered_;
	std::vector<std::string> to_remove_;
	std::vector<std::string> to_add_; // re-apply: account lines to uanew
	std::string keep_line_, keep_aor_;
	bool keep_present_ = false;
	bool keep_registered_ = false;
	bool refresh_ = false; // keep() changed while busy
	std::string selected_; // the last uafind this machine sent
	std::deque<Job> jobs_;
	// The swap in progress.
	bool swapping_ = false;
	Job cur_;
	std::string old_aor_;
	bool register_seen_ = false;
	bool register_refused_ = false;
	std::string why_;
	std::string keep_, drop_;
	// A change of the same AOR (same_aor_steps()): commands run before the
	// uadels of to_remove_.
	bool same_aor_ = false;
	bool cleared_first_ = false; // same_aor_, the old account removed first
	// The last REGISTER answer per AOR outside swaps (and a swap's result):
	// whether an account that a same-AOR swap replaces is registered.
	std::vector<std::pair<std::string, bool>> last_register_;
	void note_register(const std::string &aor, bool ok);
	bool last_register_ok(const std::string &aor) const;
	std::vector<std::pair<std::string, std::string>> steps_;
	static std::vector<std::pair<std::string, std::string>>
	same_aor_steps(const std::string &aor, const std::string &readd);

public:
	// The placeholder selected while an account of the same AOR is replaced:
	// regint=0, so it never registers; its AOR is never a hot-desk identity.
	static constexpr const char *kPlaceholderAor = "sip:hotdesk-placeholder@127.0.0.1";
	static constexpr const char *kPlaceholderLine =
	    "<sip:hotdesk-placeholder@127.0.0.1>;regint=0";
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
// The phone's calls: one declared transition table (calls.cpp) for ONE call,
// and Calls, the owner of up to a few calls at once (call waiting), keyed by
// SIP Call-ID. An orthogonal region beside the session's table: the session
// owns who the phone is and the dial path; Calls owns what happens once
// baresip has a call. Pure logic: it talks to the world only through
// CallPorts, so unit tests drive it with a fake and the agent with baresip's
// ctrl_tcp.
//
// Diagram: docs/call-state-machine.dot (scripts/gen-state-diagram). Prose,
// key map and what baresip sends: docs/calls.md.
//
// What baresip 1.0.0 does, read in its source (src/call.c, src/ua.c,
// src/event.c, modules/menu/menu.c at tag v1.0.0), that this relies on:
// - Call events (class "call"; CALL_LOCAL_SDP and CALL_RTPESTAB are class
//   "other" but carry the same call fields) have type, accountaor,
//   direction ("incoming"/"outgoing"), peeruri, peerdisplayname (when
//   set), id (the SIP Call-ID) and param. There is no CALL_OUTGOING: an
//   outgoing call is first seen as CALL_LOCAL_SDP ("offer", just before
//   the INVITE), then CALL_RINGING (180) or CALL_PROGRESS (183 with media).
// - CALL_CLOSED's param: call_end_text() in call_text.h lists the forms.
//   After every CALL_CLOSED (and every `hangup`) baresip itself resumes
//   the held call nearest the tail of the account's call list
//   (ua.c resume_call); Calls mirrors that (event Resumed).
// - TRANSFER_FAILED ends the call: ua.c mem_deref()s it (the dialog is
//   torn down with a BYE) and no CALL_CLOSED follows.
// - TRANSFER means the peer REFERred us: the menu module dials the target
//   itself; that call arrives as a new outgoing call.
// - Commands act on the current call; `callfind <id>` makes a call current
//   by moving it to the tail of the call list. `accept` is
//   ua_hold_answer(): it first holds the previous call in that list, and
//   fails if that hold fails (an unanswered incoming call cannot be held:
//   sipsess_modify() gives EINVAL). So Calls lets only one incoming call
//   ring at a time and, before answering, holds the established calls and
//   hangs up its own unanswered outgoing ones.
// - `hangup` takes no argument in 1.0.0 (menu.c registers it without
//   CMD_PRM; "hangup 603" runs the same handler and ignores "603"): it
//   calls ua_hangup(ua, NULL, 0, NULL), and call_hangup() answers a call
//   that still rings here with "486 Rejected" (scode < 400 becomes 486).
//   A rejected caller therefore always sees 486, never 603. An answered or
//   outgoing call is ended with BYE or CANCEL. Then baresip sends
//   CALL_CLOSED "Connection reset by user".
// - `mute` toggles (no argument); `sndcode <digits>` sends each digit then
//   a key release; `transfer <uri>` sends a REFER (a bare number gets the
//   account's domain); hold/resume send a re-INVITE and no event.
#pragma once

#include "call_history.h"
#include "key.h"

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace hotdesk
{

// One call. New exists only while the event that made the call is being
// dispatched.
enum class CallState {
	New,
	Dialing,       // outgoing, INVITE sent, no provisional answer yet
	RemoteRinging, // outgoing, 180 Ringing or 183 progress from the far end
	Incoming,      // incoming, ringing here
	Answering,     // incoming, `accept` sent, waiting for the ACK
	Established,
	Held,         // put on hold by us (re-INVITE sendonly)
	Transferring, // REFER sent, waiting for its outcome
	Closed,       // ended; kept a moment so the display can say why
};

enum class CallEvent {
	// From baresip, by Call-ID.
	Incoming,       // CALL_INCOMING
	LocalSdp,       // CALL_LOCAL_SDP (first sign of an outgoing call)
	Ringing,        // CALL_RINGING
	Progress,       // CALL_PROGRESS
	Established,    // CALL_ESTABLISHED
	Closed,         // CALL_CLOSED
	Transfer,       // TRANSFER: the peer REFERred us elsewhere
	TransferFailed, // TRANSFER_FAILED: baresip drops the call
	Lost,           // baresip went away (restart, crash): every call is gone
	Resumed,        // baresip resumed this held call after another ended
	// From the person.
	Answer,
	HangUp, // also reject, when the call rings here
	Hold,
	Resume,
	Dtmf,          // one digit, '*' or '#' (never logged)
	BlindTransfer, // to a number
	Mute,          // toggle
	// From a timer.
	NoAnswer, // rang here for CallTimings::no_answer_ms
};

const char *call_state_name(CallState s);
const char *call_event_name(CallEvent e);

// One-shot timers; starting a running timer restarts it, a stopped timer
// does not fire.
enum class CallTimer {
	Tick,     // re-draws a running duration, about once a second
	NoAnswer, // an incoming call rang too long
	Linger,   // the "Busy" / "Call ended" screen has been read
};

struct CallTimings {
	unsigned no_answer_ms = 60000; // 0: ring until the caller gives up
	unsigned linger_ms = 3000;
	// Calls not Closed; a further incoming one gets 486. Outgoing calls are
	// never refused: the person made them, an emergency call among them.
	size_t max_calls = 4;
};

// A baresip event as ctrl_tcp delivers it (agent/ctrl/ctrl_message.h).
struct BaresipEvent {
	std::string type;      // "CALL_INCOMING", ...
	std::string aor;       // accountaor
	std::string direction; // "incoming" | "outgoing"
	std::string peeruri;   // "sip:200@127.0.0.1:5070"
	std::string peername;  // peerdisplayname, may be empty
	std::string id;        // SIP Call-ID
	std::string param;
};

// What the person can do on the call screen: softkeys, and what the agent
// maps other inputs to.
enum class CallAction {
	Answer,   // the call ringing here (holds the established ones)
	Reject,   // the call ringing here: baresip answers 486
	HangUp,   // the focused call
	Hold,     // the focused call
	Resume,   // the focused call (holds the established ones)
	Swap,     // hold the focused call, resume the next held one
	Transfer, // start typing a blind transfer target
	Mute,     // toggle on the focused call
	Confirm,  // send the typed transfer target
	Back,     // leave transfer entry
};
const char *call_action_name(CallAction a);

struct CallSoftkey {
	std::string label; // at most 6 columns, so four fit on 24
	CallAction action;
};

// What the call screen shows. Empty lines: no call screen (show the
// session's). Lines are {who, [other calls...], status}: the display keeps
// the first and the last when it has fewer lines (layout_screen()).
struct CallScreen {
	std::vector<std::string> lines;
	std::vector<CallSoftkey> softkeys;

	std::vector<std::string> labels() const;
	bool operator==(const CallScreen &o) const;
	bool operator!=(const CallScreen &o) const { return !(*this == o); }
};

// A call as the status endpoint may show it.
struct CallInfo {
	std::string id;
	CallState state = CallState::New;
	bool outgoing = false;
	std::string number; // peer URI's user part
	std::string name;   // peer display name
	std::string aor;    // our account
	bool emergency = false;
	bool muted = false;
	bool focused = false;
	uint64_t duration_s = 0; // since established; 0 before
	std::string end_text;    // when Closed: "Busy", "Call ended", ...
};

class CallPorts
{
public:
	virtual ~CallPorts() = default;
	// Call commands. Each acts on the call `id`: ctrl_tcp `callfind <id>`
	// then the command (ids are checked with valid_call_id() before they
	// get here). Calls assumes they work; baresip's events correct it.
	virtual void accept(const std::string &id) = 0;
	virtual void hangup(const std::string &id) = 0;
	virtual void hold(const std::string &id) = 0;
	virtual void resume(const std::string &id) = 0;
	virtual void send_dtmf(const std::string &id, char digit) = 0; // '0'-'9','*','#'
	virtual void transfer(const std::string &id, const std::string &number) = 0;
	// baresip's `mute` toggles: Calls calls this only when `on` differs
	// from what it last asked for this call.
	virtual void mute(const std::string &id, bool on) = 0;
	// The dial policy for a blind transfer target (the same as for a
	// typed number: a feature code or, on the pool identity, anything but
	// an emergency number is refused).
	virtual bool transfer_allowed(const std::string &number) = 0;

	virtual void start_timer(CallTimer t, unsigned ms) = 0;
	virtual void stop_timer(CallTimer t) = 0;
	virtual uint64_t now_ms() = 0; // monotonic clock

	virtual void show(const CallScreen &screen) = 0; // only when it changed
	// Never given a DTMF digit (they are PINs), a peer name or number.
	virtual void log_info(const std::string &msg) = 0;
	virtual void log_bug(const std::string &msg) = 0;
	// The last call that was not Closed has ended: a deferred logout, roam
	// or profile change can run now. Called once per busy period, after
	// Calls has finished with the event (so it may call into Calls).
	virtual void last_call_ended() = 0;
};

class Calls
{
public:
	Calls(CallPorts &ports, std::vector<std::string> emergency_numbers, CallTimings t = {});

	// ---- inputs ----
	// Any baresip event; returns false for types that are not Calls'
	// (REGISTER_OK, MWI_NOTIFY, ...). An event for an unknown Call-ID
	// makes a call when it can begin one (CALL_INCOMING; CALL_LOCAL_SDP,
	// CALL_RINGING, CALL_PROGRESS when outgoing; CALL_ESTABLISHED;
	// CALL_CLOSED), and is dropped otherwise; late events for a call that
	// ended are dropped.
	bool on_event(const BaresipEvent &e);
	// A key; returns whether it was the calls' (docs/calls.md has the map).
	// Keys it leaves go to the session (dialing, also off-hook dialing
	// and a second call while one is held) or the call history.
	bool on_key(const Key &k);
	// A dial key typed while an outgoing call is being set up (its first
	// event not come yet, or dialling/ringing out): kept for that call, never
	// shown, and sent as DTMF once it is answered (an IVR's PIN typed at
	// once), else wiped when it ends. At most 32 digits. Digits that are
	// exactly an emergency number are not kept: take_early_emergency()
	// returns it (emergency numbers dial at once in every state).
	void early_digit(char d);
	std::string take_early_emergency();
	void drop_early_digits(); // a new dial, or the dial failed
	void act(CallAction a);
	// A blind transfer of the focused call, as typed in transfer entry.
	void transfer(const std::string &number);
	void on_timer(CallTimer t);
	// baresip is gone (ctrl_tcp lost and it restarted): its calls are.
	void on_service_lost();
	// A call baresip carries that hotdeskd has no record of (it restarted,
	// or the link was lost and its calls taken for gone): `e` stands for
	// it as call_census.h makes it. Known calls are left as they are.
	void adopt(const BaresipEvent &e);
	// baresip removed our account `aor`: its calls went with it, and no
	// CALL_CLOSED comes for them (baresip 1.0.0). Ends them here.
	void on_account_gone(const std::string &aor);
	void set_emergency_numbers(std::vector<std::string> numbers);

	// ---- state ----
	bool active() const;           // any call not Closed
	bool emergency_active() const; // any such call to an emergency number
	// A call rings here, talks, or is being set up or transferred: dial
	// keys are the calls'. False when every call is held or has ended;
	// then dial keys are the session's (a new call, a login) and so is
	// the screen while the person types to it.
	bool busy() const;
	bool off_hook() const { return off_hook_; }
	bool showing() const { return !calls_.empty(); } // the call screen is up
	bool transfer_entry() const { return entry_active_; }
	// The calls, focused first; Closed ones while they linger.
	std::vector<CallInfo> calls() const;
	CallScreen screen() const;
	CallHistory &history() { return history_; }
	const CallHistory &history() const { return history_; }

	// ---- the declared table (calls.cpp) ----
	struct Call;
	struct Posted;
	using Action = void (Calls::*)(Call &, const Posted &);
	using Guard = bool (Calls::*)(const Call &, const Posted &) const;
	struct Row {
		CallState from;
		CallEvent event;
		Guard guard; // nullptr: always
		CallState to;
		Action action;
	};
	static const Row *table_begin();
	static const Row *table_end();

	struct Call {
		std::string id;
		CallState state = CallState::New;
		bool outgoing = false;
		std::string aor, number, name;
		bool emergency = false;
		bool muted = false;
		bool on_hold = false;      // as baresip has it (ua.c resume_call)
		bool rejected = false;     // by the person: missed, but seen
		uint64_t line = 0;         // numbers the call in the log
		uint64_t order = 0;        // baresip's call list order (see above)
		uint64_t connected_ms = 0; // 0: never established
		uint64_t ended_ms = 0;
		std::string end_text;
	};
	struct Posted {
		std::string id;
		CallEvent event;
		std::string param; // reason, DTMF digit, transfer number
	};

private:
	static const Row kTable[];

	// Events are queued and dispatched one at a time by run(), never
	// inside another dispatch: an action that needs another call to move
	// posts an event for it.
	void post(const std::string &id, CallEvent e, std::string param = {});
	void run();
	void dispatch(const Posted &p);
	void reconcile();
	void render();
	// Ends the live calls on `aor` ("": every account) with no CLOSED event
	// to come: baresip or the account went away with them.
	void lose_calls(const std::string &aor);

	static bool live_state(CallState s) { return s != CallState::Closed; }
	Call *find(const std::string &id);
	const Call *find(const std::string &id) const;
	Call *focused();
	const Call *focused() const;
	Call *ringing(); // the call in Incoming, if any
	Call *talking(); // the Established call keys act on, if any
	Call *next_held(const Call *except);
	size_t live() const;
	Call &make(const BaresipEvent &e);
	void touch(Call &c) { c.order = ++order_; } // a command makes it current
	uint64_t seconds(const Call &c) const;
	std::string who(const Call &c) const;
	std::string status_of(const Call &c) const;
	std::vector<CallSoftkey> softkeys_of(const Call &c) const;
	void forget(const std::string &id);

	bool in_call_key(const Key &k);
	void do_act(CallAction a);
	// Orchestration over several calls (then per-call events).
	void answer_ringing();
	void resume_focused();
	void swap();
	void hang_up_focused();
	void hang_up_talking();
	void cycle_focus();
	void dismiss_closed();

	// Guards.
	bool too_many(const Call &c, const Posted &p) const;
	bool transfer_ok(const Call &c, const Posted &p) const;
	bool was_transfer(const Call &c, const Posted &p) const;

	// Actions.
	void noop(Call &, const Posted &) {}
	void ring(Call &c, const Posted &p);
	void reject_busy(Call &c, const Posted &p);
	void start_outgoing(Call &c, const Posted &p);
	void adopt(Call &c, const Posted &p);
	void accept(Call &c, const Posted &p);
	void connected(Call &c, const Posted &p);
	void reject(Call &c, const Posted &p);
	void give_up(Call &c, const Posted &p);
	void hang_up(Call &c, const Posted &p);
	void ended(Call &c, const Posted &p);
	void transferred(Call &c, const Posted &p);
	void transfer_failed(Call &c, const Posted &p);
	void lost(Call &c, const Posted &p);
	void hold(Call &c, const Posted &p);
	void resume(Call &c, const Posted &p);
	void resumed(Call &c, const Posted &p);
	void send_dtmf(Call &c, const Posted &p);
	void toggle_mute(Call &c, const Posted &p);
	void start_transfer(Call &c, const Posted &p);
	void refuse_transfer(Call &c, const Posted &p);
	void referred(Call &c, const Posted &p);
	void finish(Call &c, const std::string &text, bool baresip_resumes);

	CallPorts &ports_;
	std::vector<std::string> emergency_;
	CallTimings t_;
	std::map<std::string, Call> calls_;
	std::deque<Posted> queue_;
	bool draining_ = false;
	std::string focus_;
	uint64_t order_ = 0;
	uint64_t line_ = 0;
	std::deque<std::string> ended_; // recently forgotten ids
	bool off_hook_ = false;
	bool entry_active_ = false;
	std::string entry_;
	std::string early_dtmf_; // early_digit(): a secret (often a PIN)
	std::string early_for_;  // the call they were typed for ("": its first event to come)
	std::string early_emergency_;
	std::string message_; // a short note on the status line until the next input
	bool was_active_ = false;
	bool tick_running_ = false;
	std::string no_answer_for_;
	bool linger_running_ = false;
	CallScreen shown_;
	CallHistory history_;
};

} // namespace hotdesk

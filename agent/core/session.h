// SPDX-License-Identifier: BSD-3-Clause
// The hot-desking session: one declared transition table (session.cpp) over
// the states below. Pure logic: it talks to the world only through
// SessionPorts, so unit tests drive it with a fake and the daemon with
// baresip, the PBX client, the display and re timers.
//
// Diagram: docs/session-state-machine.dot (keep it beside the table).
#pragma once

#include "blf_layout.h"
#include "dial_plan.h"
#include "identity.h"
#include "key.h"

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace hotdesk
{

enum class State { Idle, Collecting, PinEntry, LoggingIn, LoggedIn, LoggingOut, Error };

enum class Event {
	DigitTyped,      // collector wants more
	NumberEntered,   // collector terminated with an ordinary number
	EmergencyNumber, // collector matched an emergency number
	LoginCode,       // *77*<ext>*
	LogoutCode,      // *77*5*
	InvalidCode,
	Cancel,
	LogoutKey,
	PinDigit,
	PinConfirm,
	PinTimeout,
	PbxAccepted,
	PbxRefused,
	PbxFailed,
	SwapDone,
	SwapFailed,
	ServiceLost,     // baresip gone or our identity not registered
	ServiceRestored, // baresip back and our identity re-applied
	RemoteLogout,    // the PBX logs the user out
	CallsEnded,      // the last call ended: a deferred identity change runs
	// The registrar refused the committed person's credentials for good
	// (agent/core/registration_policy.h): back to the pool, PBX told.
	RegistrationRefused,
	// The PBX login flow: the PBX provisioned a person on the phone
	// (identity 1 of the device profile): swap to them as after a login.
	Provisioned,
};

const char *state_name(State s);
const char *event_name(Event e);

enum class Timer { InterDigit, Pin, Message, Throttle };
constexpr int kTimerCount = 4;

struct LoginResult {
	enum Kind { Accepted, Refused, Failed } kind = Failed;
	Identity user;           // when Accepted
	std::string reason;      // machine reason from the PBX ("wrong_pin", ...)
	std::string profile_xml; // the user's profile (opaque to the core)
};

class SessionPorts
{
public:
	virtual ~SessionPorts() = default;
	virtual void show(const std::vector<std::string> &lines) = 0;
	virtual void dial(const std::string &number) = 0;
	// An emergency number: the agent may send it on another identity than
	// the occupant's (the pool's, issue 16) and tell the PBX.
	virtual void dial_emergency(const std::string &number) { dial(number); }
	virtual void pbx_login(const std::string &ext, const std::string &pin) = 0;
	virtual void pbx_logout(const std::string &ext) = 0;
	// Make-before-break swap; the result comes back as on_swap_result().
	// force_break: remove the old identity even if the new one fails to
	// register (logout must not leave the user's account on the phone).
	virtual void swap_to(const Identity &to, bool force_break) = 0;
	virtual void start_timer(Timer t, unsigned ms) = 0;
	virtual void stop_timer(Timer t) = 0;
	virtual void log_info(const std::string &msg) = 0;
	virtual void log_bug(const std::string &msg) = 0;
	// The occupant changed (persist it, tell the status endpoint).
	virtual void occupant_changed(const Identity &now) = 0;
	// A login has begun (PIN entry): a chance to warm up the connection to
	// the PBX while the person types, so the PIN request needs no handshake.
	virtual void prepare_login() {}
	// Whether a call is up (agent/core/calls.h). No identity change ever
	// cuts a call: logout and the swap of a login or roam wait for
	// on_calls_ended().
	virtual bool calls_active() const { return false; }
};

struct SessionTimings {
	unsigned inter_digit_ms = 4000;
	unsigned pin_ms = 30000;
	unsigned message_ms = 3000;
	// On-device PIN throttle, besides the PBX's lockout: after
	// throttle_after wrong PINs in a row, logins wait throttle_base_ms,
	// doubling per further wrong PIN up to throttle_max_ms. A right PIN
	// resets it, so the rightful user is never locked out for good.
	unsigned throttle_after = 3;
	unsigned throttle_base_ms = 5000;
	unsigned throttle_max_ms = 300000;
	// A PIN entry that ended without a login (cancelled, timed out,
	// throttled, refused): digits typed within this time may be the PIN,
	// typed on. That run of digits is shown masked and never dialled as an
	// ordinary number (emergency numbers and codes still work).
	unsigned after_pin_ms = 10000;
};

class Session
{
public:
	Session(DialPlan plan, Identity pool, SessionPorts &ports, SessionTimings t = {});

	// Inputs.
	void on_key(const Key &k);
	void on_timer(Timer t);
	void on_login_result(LoginResult r);
	void on_swap_result(bool ok, const std::string &reason);
	void on_service(bool up);
	// The PBX logs `ext` out ("" : whoever sits at the phone; docs/protocol.md,
	// POST /logout). A call defers it; during a login or roam it waits for
	// the change to settle and then concerns whoever it names (the table's
	// comment, session.cpp); naming someone not here, it is dropped (logged).
	void on_remote_logout(const std::string &ext = "");
	// Whether a remote logout of `ext` ("" : whoever) concerns this phone
	// now: the person logged in, or the one a login in flight brings.
	bool remote_logout_concerns(const std::string &ext) const;
	// An auto-logout policy of the person on the phone is due (reason: idle,
	// max_session, daily; agent/core/auto_logout.h). Runs as a remote logout
	// of that person does: a call defers it, the end of the last call runs it
	// at once; a login or roam in flight that completes drops it (the person
	// it brings starts a new session, with a fresh policy).
	void on_auto_logout(const std::string &reason);
	// Why the current or last logout happens: "user" (key or code),
	// "pbx" (remote), "registration_refused", or an auto-logout reason.
	// Read by pbx_logout().
	const std::string &logout_reason() const { return logout_reason_; }
	// The registrar refused the logged-in person's credentials for good:
	// `words` go on the display ("Password refused (401)"), `why` into
	// last_error; the phone returns to the pool and the PBX hears a logout.
	void on_registration_refused(const std::string &words, const std::string &why);
	// Words shown instead of "No service" while the service is down (the
	// registrar's answer with its code); "" for the plain text.
	void set_no_service_text(const std::string &words);
	// The last call ended: a deferred logout or swap runs now.
	void on_calls_ended();
	// Dial a whole number (redial from the call history), under the dial
	// policy, as a BLF key does.
	void dial_whole(const std::string &number);
	// Whether `number` may be called now (a transfer target): the dial
	// policy, and never one of our feature codes.
	bool may_dial(const std::string &number) const;
	// The PBX login flow (DialPlan::login_by_call): the device profile now
	// holds `person` on identity 1. Swapped to as a login accepted by the
	// PBX is (make-before-break, never during a call); ignored while
	// another identity change runs (the agent offers it again after it).
	void on_provisioned(const Identity &person);
	// Resume as a user after a restart (state restored from disk).
	void resume_as(const Identity &user);
	// A restart found `ext` in the state directory and asks the PBX first
	// (docs/protocol.md, resume): the phone stays the pool identity in
	// LoggingIn until on_login_result() says Accepted (with the restored
	// identity: swap, commit), Refused (the person is elsewhere: the pool)
	// or, when the PBX does not answer, the agent decides (resume_as()).
	void confirm_resume(const std::string &ext);
	// What BLF keys, softkeys and the page key do (agent/core/blf_layout.h).
	// The default is the 3CX one: BLF 1 logs out. The agent sets the pool's
	// or the person's layout when the occupant changes, and feeds presence
	// into key_layout().set_state().
	void set_key_layout(KeyLayout l) { keys_ = std::move(l); }
	KeyLayout &key_layout() { return keys_; }
	const KeyLayout &key_layout() const { return keys_; }
	// A new device profile: the pool identity and the dial plan. A changed
	// pool identity is used from the next time the phone returns to it.
	void set_pool(const Identity &pool);
	Status set_dial_plan(const DialPlan &plan);
	const DialPlan &dial_plan() const { return plan_; }
	const Identity &pool() const { return pool_; }

	State state() const { return state_; }
	const Identity &occupant() const { return occupant_; }
	bool logged_in() const { return !occupant_.pool; }
	const std::string &last_error() const { return last_error_; }
	// An identity change waiting for the calls to end: "logout", "login"
	// (a login or roam whose swap waits), or "".
	std::string pending_change() const;
	std::vector<std::string> display_lines() const;
	// A message is on the status line ("Login server unreachable", ...).
	bool saying() const { return !message_.empty(); }
	// How many messages the session has said so far: tells whether the
	// message on its status line is newer than something else on the
	// screen (the agent's call screen).
	uint64_t messages_said() const { return said_; }

	using Action = void (Session::*)();
	using Guard = bool (Session::*)() const;
	struct Row {
		State from;
		Event event;
		Guard guard; // nullptr: always
		State to;    // State::Idle/LoggedIn are resolved by home() when `to_home`
		bool to_home;
		Action action;
	};

	// The declared table, read-only, for tests and tools (e.g. to list the
	// state/event pairs it leaves unhandled).
	static const Row *table_begin();
	static const Row *table_end();

private:
	static const Row kTable[]; // the declared transition table (session.cpp)

	// Events are queued, never dispatched inside a dispatch (Mender's
	// PostEvent): a port that answers synchronously (a swap that fails at
	// once because baresip is gone) posts its event, which runs after the
	// current row's action and transition are complete. Payloads travel
	// with the event.
	struct Posted {
		Event event;
		LoginResult result; // PbxAccepted/Refused/Failed, Provisioned
		std::string reason; // SwapFailed; RemoteLogout ("" : pbx)
		std::string ext;    // RemoteLogout: whom it names ("" : whoever)
	};
	void post(Posted p);
	void dispatch(Event e) { post(Posted{e, {}, {}, {}}); }
	void run(Posted &p);
	void dispatch_match(const DialMatch &m);
	void collect(char c);
	void on_function_key(const Key &k);
	void on_pin_key(const Key &k);
	void render();
	void say(const std::string &msg);
	State home() const { return occupant_.pool ? State::Idle : State::LoggedIn; }
	void set_occupant(const Identity &id);

	// Guards.
	bool is_user() const { return logged_in(); }
	bool has_pin() const { return !pin_.empty(); }
	bool pin_too_long() const { return pin_overflow_; }
	bool throttled() const { return throttled_; }
	bool in_call() const { return ports_.calls_active(); }
	bool user_in_call() const { return logged_in() && in_call(); }
	bool by_call() const { return plan_.login_by_call; }
	bool user_by_call() const { return by_call() && is_user(); }
	bool logout_deferred() const { return deferred_ == Deferred::Logout; }
	bool swap_deferred() const { return deferred_ == Deferred::Swap; }
	// The RemoteLogout being run names someone who is neither the person
	// here nor the one the login in flight brings.
	bool for_someone_else() const
	{
		return !target_.empty() && (!logged_in() || target_ != occupant_.ext) &&
		       !(state_ == State::LoggingIn && target_ == pending_ext_);
	}

	// Actions.
	void noop() {} // the display is re-rendered after every event anyway
	void clear_digits();
	void dial_emergency();
	void dial_number();
	void begin_pin();
	void add_pin();
	void prompt_pin();
	void refuse_long_pin();
	void send_login();
	void wipe_pin();
	void abandon_pin();
	void after_pin();
	void pin_timed_out();
	void swap_to_user();
	void commit_user();
	void say_refused();
	void say_pbx_failed();
	void say_register_failed();
	void start_logout();
	void dial_login_code();
	void dial_logout_code();
	void take_provisioned();
	void commit_pool();
	void logout_failed();
	void say_not_logged_in();
	void say_invalid();
	void say_wait();
	void say_no_service();
	void say_restored();
	void say_throttled();
	void count_failure(bool say_wait);
	void drop_user();
	void drop_refused();
	void defer_logout();
	void defer_swap();
	void run_deferred_swap();
	void run_deferred_logout();
	void run_deferred_drop();
	void remember_logout();
	void remember_own_logout();
	void replay_logouts(bool new_session);
	void drop_logout();

	DialPlan plan_;
	Identity pool_;
	SessionPorts &ports_;
	SessionTimings t_;
	DigitCollector collector_;

	State state_ = State::Idle;
	Identity occupant_;
	Identity pending_user_;
	std::string pending_ext_;
	std::string number_;
	std::string pin_;
	char pin_digit_ = 0;
	bool pin_overflow_ = false;
	// after_pin(): the next run of digits may be a PIN (armed until it
	// starts or Timer::Pin fires); masked_: the run being typed is one.
	bool after_pin_ = false;
	bool masked_ = false;
	bool number_masked_ = false; // number_ came from a masked run
	static constexpr size_t kMaxPin = 16;
	LoginResult result_;
	std::string message_;
	uint64_t said_ = 0;
	std::string last_error_;
	std::string logout_reason_;
	std::string no_service_text_;
	std::string refused_words_; // said once the refused person is gone
	KeyLayout keys_;
	unsigned wrong_pins_ = 0;
	bool throttled_ = false;
	enum class Deferred { None, Logout, Swap } deferred_ = Deferred::None;
	// The RemoteLogout being run: whom it names, its reason as posted.
	std::string target_;
	std::string target_reason_;
	// Logouts asked during a login or roam (LoggingIn), posted again when it
	// settles; at most one per person named.
	struct Remembered {
		std::string ext, reason;
		bool own = false; // the person's logout key or code
	};
	std::vector<Remembered> remembered_;
	std::deque<Posted> queue_;
	bool dispatching_ = false;
};

} // namespace hotdesk

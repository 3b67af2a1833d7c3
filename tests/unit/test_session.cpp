// SPDX-License-Identifier: BSD-3-Clause
// The session state machine, driven through SessionPorts by a recording
// fake. Most behaviour is checked as table-driven scenarios: a list of steps
// and the expected final state and recorded effects.
#include <doctest/doctest.h>

#include "agent/core/session.h"
#include "platform/keys/host/host_key_source.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace hotdesk;

namespace
{

// Test secrets. They never appear in an assertion's text: compare them
// with CHECK((a == b)) and named constants only.
const std::string kPin = "4896";
const std::string kAlicePw = "alice-sip-secret";
const std::string kBobPw = "bob-sip-secret";
const std::string kPoolPw = "pool-sip-secret";

Identity pool_id()
{
	Identity id;
	id.pool = true;
	id.ext = "HD0001";
	id.sip_user = "HD0001";
	id.sip_password = kPoolPw;
	id.domain = "127.0.0.1:5070";
	return id;
}

Identity user(const std::string &ext, const std::string &name, const std::string &pw)
{
	Identity id;
	id.pool = false;
	id.ext = ext;
	id.name = name;
	id.sip_user = ext;
	id.sip_password = pw;
	id.domain = "127.0.0.1:5070";
	return id;
}

Identity alice()
{
	return user("100", "Alice Example", kAlicePw);
}
Identity bob()
{
	return user("200", "Bob", kBobPw);
}

const char *timer_name(Timer t)
{
	switch (t) {
	case Timer::InterDigit:
		return "inter-digit";
	case Timer::Pin:
		return "pin";
	case Timer::Message:
		return "message";
	case Timer::Throttle:
		return "throttle";
	}
	return "?";
}

class FakePorts : public SessionPorts
{
public:
	std::vector<std::vector<std::string>> shows;
	std::vector<std::string> dials;
	std::vector<std::pair<std::string, std::string>> logins; // ext, pin
	std::vector<std::string> logouts;
	std::vector<std::string> swaps; // "ext" or "ext!" when force_break
	std::vector<std::string> swap_passwords;
	std::vector<std::string> timer_log; // "+pin 30000", "-inter-digit"
	std::set<Timer> running;
	std::vector<std::string> infos;
	std::vector<std::string> bugs;
	std::vector<std::string> occupants; // ext of every occupant_changed

	void show(const std::vector<std::string> &lines) override { shows.push_back(lines); }
	void dial(const std::string &number) override { dials.push_back(number); }
	void pbx_login(const std::string &ext, const std::string &pin) override
	{
		logins.emplace_back(ext, pin);
	}
	void pbx_logout(const std::string &ext) override { logouts.push_back(ext); }
	void swap_to(const Identity &to, bool force_break) override
	{
		swaps.push_back(to.ext + (force_break ? "!" : ""));
		swap_passwords.push_back(to.sip_password);
	}
	void start_timer(Timer t, unsigned ms) override
	{
		timer_log.push_back(std::string("+") + timer_name(t) + " " + std::to_string(ms));
		running.insert(t);
	}
	void stop_timer(Timer t) override
	{
		timer_log.push_back(std::string("-") + timer_name(t));
		running.erase(t);
	}
	void log_info(const std::string &msg) override { infos.push_back(msg); }
	void log_bug(const std::string &msg) override { bugs.push_back(msg); }
	void occupant_changed(const Identity &now) override { occupants.push_back(now.ext); }

	std::vector<std::string> last_show() const
	{
		return shows.empty() ? std::vector<std::string>{} : shows.back();
	}
	std::string every_text() const
	{
		std::string all;
		for (const auto &frame : shows)
			for (const auto &l : frame)
				all += l + "\n";
		for (const auto &l : infos)
			all += l + "\n";
		for (const auto &l : bugs)
			all += l + "\n";
		return all;
	}
	void clear_effects()
	{
		shows.clear();
		dials.clear();
		logins.clear();
		logouts.clear();
		swaps.clear();
		swap_passwords.clear();
		timer_log.clear();
		infos.clear();
		bugs.clear();
		occupants.clear();
	}
};

// ---- steps ----

struct Step {
	enum Kind {
		Keys,
		Fire,
		Login,
		Swap,
		Service,
		RemoteLogout,
		AutoLogout,
		Resume
	} kind = Keys;
	std::string keys; // a key line as the host key socket takes it: "*77*100*{blf1}"
	Timer timer = Timer::InterDigit;
	LoginResult::Kind login = LoginResult::Failed;
	std::string reason;
	Identity who;
	bool ok = true;
	std::string ext; // RemoteLogout: whom it names ("" : whoever sits here)
};

Step keys(const std::string &line)
{
	Step s;
	s.kind = Step::Keys;
	s.keys = line;
	return s;
}
Step fire(Timer t)
{
	Step s;
	s.kind = Step::Fire;
	s.timer = t;
	return s;
}
Step accepted(const Identity &who)
{
	Step s;
	s.kind = Step::Login;
	s.login = LoginResult::Accepted;
	s.who = who;
	return s;
}
Step refused(const std::string &reason)
{
	Step s;
	s.kind = Step::Login;
	s.login = LoginResult::Refused;
	s.reason = reason;
	return s;
}
Step pbx_failed()
{
	Step s;
	s.kind = Step::Login;
	s.login = LoginResult::Failed;
	s.reason = "PBX answered HTTP 500";
	return s;
}
Step swap(bool ok)
{
	Step s;
	s.kind = Step::Swap;
	s.ok = ok;
	s.reason = ok ? "" : "registrar said 401 Unauthorized";
	return s;
}
Step service(bool up)
{
	Step s;
	s.kind = Step::Service;
	s.ok = up;
	return s;
}
Step remote_logout(const std::string &ext = "")
{
	Step s;
	s.kind = Step::RemoteLogout;
	s.ext = ext;
	return s;
}
Step auto_logout(const std::string &reason)
{
	Step s;
	s.kind = Step::AutoLogout;
	s.reason = reason;
	return s;
}
Step resume(const Identity &who)
{
	Step s;
	s.kind = Step::Resume;
	s.who = who;
	return s;
}

// The PIN typed and confirmed.
Step pin_and_hash()
{
	return keys(kPin + "#");
}

void run(Session &s, const Step &st)
{
	switch (st.kind) {
	case Step::Keys: {
		auto ks = platform::parse_key_line(st.keys);
		REQUIRE_MESSAGE(ks.ok(), "bad key line in the test: " << st.keys);
		for (const Key &k : *ks)
			s.on_key(k);
		return;
	}
	case Step::Fire:
		s.on_timer(st.timer);
		return;
	case Step::Login: {
		LoginResult r;
		r.kind = st.login;
		r.user = st.who;
		r.reason = st.reason;
		s.on_login_result(std::move(r));
		return;
	}
	case Step::Swap:
		s.on_swap_result(st.ok, st.reason);
		return;
	case Step::Service:
		s.on_service(st.ok);
		return;
	case Step::RemoteLogout:
		s.on_remote_logout(st.ext);
		return;
	case Step::AutoLogout:
		s.on_auto_logout(st.reason);
		return;
	case Step::Resume:
		s.resume_as(st.who);
		return;
	}
}

void run_all(Session &s, const std::vector<Step> &steps)
{
	for (const auto &st : steps)
		run(s, st);
}

std::vector<Step> operator+(std::vector<Step> a, const std::vector<Step> &b)
{
	a.insert(a.end(), b.begin(), b.end());
	return a;
}

// Recipes that bring a fresh session into a state.
const std::vector<Step> kLoginAlice = {keys("*77*100*"), pin_and_hash(), accepted(alice()),
                                       swap(true)};

struct Scenario {
	const char *name;
	std::vector<Step> steps;
	State state;
	std::string occupant;            // ext of the occupant at the end
	std::vector<std::string> screen; // last frame; empty: not checked
	std::vector<std::string> dials;
	std::vector<std::string> logins; // extensions asked of the PBX
	std::vector<std::string> logouts;
	std::vector<std::string> swaps;
	std::string shown; // a text some frame must have shown; "" = not checked
};

using V = std::vector<std::string>;

// Secrets replaced, so that a failing check cannot print one.
std::string redact(std::string s)
{
	for (const std::string *secret : {&kPin, &kAlicePw, &kBobPw, &kPoolPw})
		for (size_t at; (at = s.find(*secret)) != std::string::npos;)
			s.replace(at, secret->size(), "<secret>");
	return s;
}

std::string join(const std::vector<std::string> &v)
{
	std::string s;
	for (const auto &x : v)
		s += (s.empty() ? "" : ", ") + x;
	return redact("[" + s + "]");
}

// Runs one scenario on a fresh session and checks every recorded effect;
// `logged`: a text some log line must hold ("" = not checked).
void check_scenario(const Scenario &sc, const std::string &logged = "")
{
	INFO("scenario: " << std::string(sc.name));
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	run_all(s, sc.steps);
	INFO("final state " << std::string(state_name(s.state())) << ", screen "
	                    << join(s.display_lines()));
	CHECK(s.state() == sc.state);
	CHECK(s.occupant().ext == sc.occupant);
	CHECK(s.logged_in() == (sc.occupant != "HD0001"));
	if (!sc.screen.empty()) {
		CHECK(s.display_lines() == sc.screen);
		CHECK(ports.last_show() == sc.screen);
	}
	CHECK(join(ports.dials) == join(sc.dials));
	V login_exts;
	for (const auto &l : ports.logins)
		login_exts.push_back(l.first);
	CHECK(join(login_exts) == join(sc.logins));
	for (const auto &l : ports.logins)
		CHECK((l.second == kPin)); // never print the PIN
	CHECK(join(ports.logouts) == join(sc.logouts));
	CHECK(join(ports.swaps) == join(sc.swaps));
	CHECK(join(ports.bugs) == "[]");
	if (!sc.shown.empty()) {
		bool seen = false;
		for (const auto &f : ports.shows)
			for (const auto &l : f)
				seen = seen || l.find(sc.shown) != std::string::npos;
		CHECK_MESSAGE(seen, "never shown: " << sc.shown);
	}
	// No secret ever reaches the display or the log.
	const std::string text = ports.every_text();
	CHECK(text.find(kPin) == std::string::npos);
	CHECK(text.find(kAlicePw) == std::string::npos);
	CHECK(text.find(kBobPw) == std::string::npos);
	CHECK(text.find(kPoolPw) == std::string::npos);
	if (!logged.empty()) {
		bool seen = false;
		for (const auto &l : ports.infos)
			seen = seen || l.find(logged) != std::string::npos;
		CHECK_MESSAGE(seen, "never logged: " << logged << " in " << join(ports.infos));
	}
}

} // namespace

TEST_CASE("session: scenarios")
{
	// clang-format off
	const std::vector<Scenario> scenarios = {
		{"idle emergency dial",
		 {keys("112")},
		 State::Idle, "HD0001", {"HD0001", "Emergency call 112"}, {"112"}, {}, {}, {}, ""},
		{"idle emergency dial with send after it: nothing more happens",
		 {keys("911{send}")},
		 State::Idle, "HD0001", {}, {"911"}, {}, {}, {}, "Emergency call 911"},
		{"idle ordinary number refused",
		 {keys("200#")},
		 State::Idle, "HD0001", {"HD0001", "Log in to call: *77*ext*"}, {}, {}, {}, {}, ""},
		{"idle star code refused",
		 {keys("*98#")},
		 State::Idle, "HD0001", {}, {}, {}, {}, {}, "Log in to call"},
		{"idle number ended by the inter-digit timeout is refused",
		 {keys("200"), fire(Timer::InterDigit)},
		 State::Idle, "HD0001", {}, {}, {}, {}, {}, "Log in to call"},
		{"login success",
		 kLoginAlice,
		 State::LoggedIn, "100", {"100 Alice Example", "Welcome Alice Example"}, {}, {"100"}, {}, {"100"}, "PIN for 100: ****"},
		{"login success, then the message times out",
		 kLoginAlice + std::vector<Step>{fire(Timer::Message)},
		 State::LoggedIn, "100", {"100 Alice Example", "Ready"}, {}, {"100"}, {}, {"100"}, ""},
		{"login typed as *77*100 + # works too",
		 {keys("*77*100#"), pin_and_hash(), accepted(alice()), swap(true)},
		 State::LoggedIn, "100", {}, {}, {"100"}, {}, {"100"}, ""},
		{"wrong PIN",
		 {keys("*77*100*"), pin_and_hash(), refused("wrong_pin")},
		 State::Idle, "HD0001", {"HD0001", "Wrong PIN"}, {}, {"100"}, {}, {}, ""},
		{"unknown extension",
		 {keys("*77*999*"), pin_and_hash(), refused("unknown_extension")},
		 State::Idle, "HD0001", {"HD0001", "Unknown extension 999"}, {}, {"999"}, {}, {}, ""},
		{"extension not permitted",
		 {keys("*77*102*"), pin_and_hash(), refused("not_permitted")},
		 State::Idle, "HD0001", {"HD0001", "102 may not hot desk"}, {}, {"102"}, {}, {}, ""},
		{"extension locked",
		 {keys("*77*100*"), pin_and_hash(), refused("locked")},
		 State::Idle, "HD0001", {"HD0001", "100 locked: try later"}, {}, {"100"}, {}, {}, ""},
		{"PBX unreachable",
		 {keys("*77*100*"), pin_and_hash(), pbx_failed()},
		 State::Idle, "HD0001", {"HD0001", "Login server unreachable"}, {}, {"100"}, {}, {}, ""},
		{"swap failure rolls back: stays idle on the pool, PBX told",
		 {keys("*77*100*"), pin_and_hash(), accepted(alice()), swap(false)},
		 State::Idle, "HD0001", {"HD0001", "Password refused (401)"}, {}, {"100"}, {"100"}, {"100"}, ""},
		{"roam user to user",
		 kLoginAlice + std::vector<Step>{keys("*77*200*"), pin_and_hash(), accepted(bob()), swap(true)},
		 State::LoggedIn, "200", {"200 Bob", "Welcome Bob"}, {}, {"100", "200"}, {}, {"100", "200"}, ""},
		{"roam refused keeps the first user",
		 kLoginAlice + std::vector<Step>{keys("*77*200*"), pin_and_hash(), refused("wrong_pin")},
		 State::LoggedIn, "100", {"100 Alice Example", "Wrong PIN"}, {}, {"100", "200"}, {}, {"100"}, ""},
		{"logout by BLF1",
		 kLoginAlice + std::vector<Step>{keys("{blf1}"), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, "Logging out..."},
		{"logout by *77*5*",
		 kLoginAlice + std::vector<Step>{keys("*77*5*"), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"logout by *77*5 + #",
		 kLoginAlice + std::vector<Step>{keys("*77*5#"), swap(true)},
		 State::Idle, "HD0001", {}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"logout code when idle",
		 {keys("*77*5*")},
		 State::Idle, "HD0001", {"HD0001", "Not logged in"}, {}, {}, {}, {}, ""},
		{"BLF1 when idle",
		 {keys("{blf1}")},
		 State::Idle, "HD0001", {"HD0001", "Not logged in"}, {}, {}, {}, {}, ""},
		{"logout failure: error, then service restored",
		 kLoginAlice + std::vector<Step>{keys("{blf1}"), swap(false), service(true)},
		 State::Idle, "HD0001", {"HD0001", "Service restored"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, "No service"},
		{"logout failure leaves the pool as occupant, in error",
		 kLoginAlice + std::vector<Step>{keys("{blf1}"), swap(false)},
		 State::Error, "HD0001", {"HD0001", "No service"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"emergency dialled while logging in",
		 {keys("*77*100*"), pin_and_hash(), keys("112")},
		 State::LoggingIn, "HD0001", {"HD0001", "Emergency call 112"}, {"112"}, {"100"}, {}, {}, "Logging in 100..."},
		{"emergency dialled while logging in, then the login completes",
		 {keys("*77*100*"), pin_and_hash(), keys("911"), accepted(alice()), swap(true)},
		 State::LoggedIn, "100", {}, {"911"}, {"100"}, {}, {"100"}, ""},
		{"emergency dialled while logging out",
		 kLoginAlice + std::vector<Step>{keys("{blf1}112")},
		 State::LoggingOut, "100", {"100 Alice Example", "Emergency call 112"}, {"112"}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"numbers wait while logging in",
		 {keys("*77*100*"), pin_and_hash(), keys("200#")},
		 State::LoggingIn, "HD0001", {"HD0001", "Please wait"}, {}, {"100"}, {}, {}, ""},
		{"digits typed while logging in do not prefix the next number",
		 {keys("*77*100*"), pin_and_hash(), keys("5"), accepted(alice()), swap(true), keys("200#")},
		 State::LoggedIn, "100", {"100 Alice Example", "Calling 200"}, {"200"}, {"100"}, {}, {"100"}, ""},
		{"digits typed while logging in are not dialled by a late timeout",
		 {keys("*77*100*"), pin_and_hash(), keys("55"), accepted(alice()), swap(true), fire(Timer::InterDigit)},
		 State::LoggedIn, "100", {}, {}, {"100"}, {}, {"100"}, ""},
		{"inter-digit timeout terminates a number",
		 kLoginAlice + std::vector<Step>{keys("200"), fire(Timer::InterDigit)},
		 State::LoggedIn, "100", {"100 Alice Example", "Calling 200"}, {"200"}, {"100"}, {}, {"100"}, "Dial: 200"},
		{"logged in: a star code goes out",
		 kLoginAlice + std::vector<Step>{keys("*98#")},
		 State::LoggedIn, "100", {}, {"*98"}, {"100"}, {}, {"100"}, ""},
		{"logged in: emergency",
		 kLoginAlice + std::vector<Step>{keys("112")},
		 State::LoggedIn, "100", {"100 Alice Example", "Emergency call 112"}, {"112"}, {"100"}, {}, {"100"}, ""},
		{"logged in: too long a number",
		 kLoginAlice + std::vector<Step>{keys(std::string(33, '7'))},
		 State::LoggedIn, "100", {"100 Alice Example", "Number too long"}, {}, {"100"}, {}, {"100"}, ""},
		{"unknown code",
		 {keys("*7#")},
		 State::Idle, "HD0001", {"HD0001", "Unknown code"}, {}, {}, {}, {}, ""},
		{"PIN timeout",
		 {keys("*77*100*12"), fire(Timer::Pin)},
		 State::Idle, "HD0001", {"HD0001", "Login timed out"}, {}, {}, {}, {}, ""},
		{"PIN confirm without a PIN prompts",
		 {keys("*77*100*#")},
		 State::PinEntry, "HD0001", {"HD0001", "Enter PIN, then #"}, {}, {}, {}, {}, ""},
		{"cancel while collecting",
		 {keys("20{cancel}")},
		 State::Idle, "HD0001", {"HD0001", "Emergency calls only"}, {}, {}, {}, {}, "Dial: 20"},
		{"cancel during PIN entry",
		 {keys("*77*100*12{cancel}")},
		 State::Idle, "HD0001", {"HD0001", "Emergency calls only"}, {}, {}, {}, {}, ""},
		{"BLF1 during PIN entry cancels it",
		 {keys("*77*100*12{blf1}")},
		 State::Idle, "HD0001", {}, {}, {}, {}, {}, ""},
		{"cancel while logging in must wait",
		 {keys("*77*100*"), pin_and_hash(), keys("{cancel}")},
		 State::LoggingIn, "HD0001", {"HD0001", "Please wait"}, {}, {"100"}, {}, {}, ""},
		{"cancel while logged in: back to ready",
		 kLoginAlice + std::vector<Step>{keys("20{cancel}")},
		 State::LoggedIn, "100", {"100 Alice Example", "Ready"}, {}, {"100"}, {}, {"100"}, ""},
		{"service lost when idle",
		 {service(false)},
		 State::Error, "HD0001", {"HD0001", "No service"}, {}, {}, {}, {}, ""},
		{"service lost and restored when idle",
		 {service(false), service(true)},
		 State::Idle, "HD0001", {"HD0001", "Service restored"}, {}, {}, {}, {}, ""},
		{"service lost and restored when logged in",
		 kLoginAlice + std::vector<Step>{service(false), service(true), fire(Timer::Message)},
		 State::LoggedIn, "100", {"100 Alice Example", "Ready"}, {}, {"100"}, {}, {"100"}, "No service"},
		{"service lost while collecting",
		 {keys("20"), service(false)},
		 State::Error, "HD0001", {}, {}, {}, {}, {}, ""},
		{"no service: emergency still tried, numbers refused",
		 kLoginAlice + std::vector<Step>{service(false), keys("200#112")},
		 State::Error, "100", {"100 Alice Example", "Emergency call 112"}, {"112"}, {"100"}, {}, {"100"}, ""},
		{"no service: logout drops the user at once",
		 kLoginAlice + std::vector<Step>{service(false), keys("{blf1}")},
		 State::Error, "HD0001", {"HD0001", "No service"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"remote logout when logged in",
		 kLoginAlice + std::vector<Step>{remote_logout(), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"remote logout when idle does nothing",
		 {remote_logout()},
		 State::Idle, "HD0001", {}, {}, {}, {}, {}, ""},
		{"remote logout while the user collects digits",
		 kLoginAlice + std::vector<Step>{keys("20"), remote_logout(), swap(true)},
		 State::Idle, "HD0001", {}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		{"resume after a crash",
		 {resume(alice())},
		 State::LoggedIn, "100", {"100 Alice Example", "Ready"}, {}, {}, {}, {}, ""},
		{"resume, then log out",
		 {resume(alice()), keys("{blf1}"), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {}, {"100"}, {"HD0001!"}, ""},
	};
	// clang-format on

	for (const auto &sc : scenarios)
		check_scenario(sc);
}

TEST_CASE("session: login, step by step: PIN masked, swap to the user, label")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	CHECK(s.display_lines() == V{"HD0001", "Emergency calls only"});

	run(s, keys("*77*"));
	CHECK(s.state() == State::Collecting);
	CHECK(s.display_lines() == V{"HD0001", "Dial: *77*"});
	CHECK(ports.running.count(Timer::InterDigit) == 1);
	run(s, keys("100*"));
	CHECK(s.state() == State::PinEntry);
	CHECK(s.display_lines() == V{"HD0001", "PIN for 100: "});
	CHECK(ports.running.count(Timer::Pin) == 1);
	CHECK(ports.running.count(Timer::InterDigit) == 0);

	// From the first PIN key on, no frame holds a PIN digit.
	const size_t first_pin_frame = ports.shows.size();
	for (size_t i = 0; i < kPin.size(); ++i) {
		run(s, keys(std::string(1, kPin[i])));
		CHECK((s.display_lines()[1] == "PIN for 100: " + std::string(i + 1, '*')));
	}
	CHECK(s.state() == State::PinEntry);
	CHECK(ports.logins.empty());
	run(s, keys("#"));
	CHECK(s.state() == State::LoggingIn);
	CHECK(s.display_lines() == V{"HD0001", "Logging in 100..."});
	REQUIRE(ports.logins.size() == 1);
	CHECK(ports.logins[0].first == "100");
	CHECK((ports.logins[0].second == kPin));
	CHECK(ports.running.count(Timer::Pin) == 0);
	CHECK(ports.swaps.empty());

	run(s, accepted(alice()));
	CHECK(s.state() == State::LoggingIn);
	REQUIRE(ports.swaps == V{"100"}); // swap_to(user, force_break=false)
	CHECK((ports.swap_passwords[0] == kAlicePw));
	CHECK(ports.occupants.empty()); // not before the registration worked
	CHECK(s.occupant().pool);

	run(s, swap(true));
	CHECK(s.state() == State::LoggedIn);
	CHECK(s.logged_in());
	CHECK(s.occupant().ext == "100");
	CHECK(s.display_lines()[0] == "100 Alice Example");
	CHECK(ports.occupants == V{"100"});
	CHECK(s.last_error().empty());

	for (size_t f = first_pin_frame; f < ports.shows.size(); ++f)
		for (const auto &line : ports.shows[f])
			for (char d : kPin)
				CHECK_MESSAGE(line.find(d) == std::string::npos,
				              "a PIN digit on the display: frame " << f);
	CHECK(ports.bugs.empty());
}

TEST_CASE("session: wrong PIN records the reason and never swaps")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	run_all(s, {keys("*77*100*"), pin_and_hash(), refused("wrong_pin")});
	CHECK(s.state() == State::Idle);
	CHECK(ports.swaps.empty());
	CHECK(ports.occupants.empty());
	CHECK(s.last_error() == "login refused: wrong_pin");
	// The message goes away with its timer, or with any key.
	CHECK(ports.running.count(Timer::Message) == 1);
	run(s, keys("{cancel}"));
	CHECK(ports.running.count(Timer::Message) == 0);
	CHECK(s.display_lines() == V{"HD0001", "Emergency calls only"});
}

// The agent shows the newer of the session's message and the call screen:
// every message said counts, the same text said again too.
TEST_CASE("session: messages_said() counts every message")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	CHECK(s.messages_said() == 0);
	run(s, keys("200#")); // "Log in to call"
	CHECK(s.saying());
	CHECK(s.messages_said() == 1);
	run(s, keys("200#"));
	CHECK(s.messages_said() == 2);
	run(s, fire(Timer::Message));
	CHECK_FALSE(s.saying());
	CHECK(s.messages_said() == 2); // a message going away is not a new one
	run_all(s, {keys("*77*100*"), pin_and_hash(), refused("wrong_pin")});
	CHECK(s.messages_said() == 3);
}

TEST_CASE("session: the refusal message uses the configured login code")
{
	FakePorts ports;
	DialPlan p;
	p.login_prefix = "*5*";
	p.logout_code = "*6*";
	Session s(p, pool_id(), ports);
	run(s, keys("200#"));
	CHECK(s.display_lines()[1] == "Log in to call: *5*ext*");
	CHECK(ports.dials.empty());
}

TEST_CASE("session: timers")
{
	SessionTimings t;
	t.inter_digit_ms = 1111;
	t.pin_ms = 2222;
	t.message_ms = 3333;
	t.after_pin_ms = 4444;
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports, t);
	run(s, keys("2"));
	CHECK(ports.timer_log == V{"-inter-digit", "+inter-digit 1111"});
	ports.timer_log.clear();
	run(s, keys("{cancel}"));
	CHECK(ports.running.count(Timer::InterDigit) == 0);
	ports.timer_log.clear();
	run(s, keys("*77*100*"));
	CHECK(ports.running == std::set<Timer>{Timer::Pin});
	CHECK(std::count(ports.timer_log.begin(), ports.timer_log.end(), "+pin 2222") == 1);
	run(s, keys("1")); // every PIN digit re-arms the PIN timer
	CHECK(ports.timer_log.back() == "+pin 2222");
	run(s, keys("{cancel}"));
	// Only the window in which digits typed on may be the PIN (after_pin_ms).
	CHECK(ports.running == std::set<Timer>{Timer::Pin});
	CHECK(ports.timer_log.back() == "+pin 4444");
	run(s, keys("200#"));
	CHECK(ports.timer_log.back() == "+message 3333");
	// A stale timer firing in the wrong state does nothing.
	ports.clear_effects();
	s.on_timer(Timer::Pin);
	s.on_timer(Timer::InterDigit);
	CHECK(ports.bugs.empty());
	CHECK(s.state() == State::Idle);
	CHECK(ports.dials.empty());
}

TEST_CASE("session: crash in any state, then resume_as(user)")
{
	// Whatever state the old process was in, a fresh Session resumed as
	// the user is logged in with the user's label.
	const std::vector<std::pair<const char *, std::vector<Step>>> before = {
	    {"idle", {}},
	    {"collecting", {keys("20")}},
	    {"pin entry", {keys("*77*100*12")}},
	    {"logging in", {keys("*77*100*"), pin_and_hash()}},
	    {"logged in", kLoginAlice},
	    {"logging out", kLoginAlice + std::vector<Step>{keys("{blf1}")}},
	    {"error", {service(false)}},
	};
	for (const auto &b : before) {
		INFO("crash in state " << std::string(b.first));
		{
			FakePorts old_ports;
			Session old(DialPlan{}, pool_id(), old_ports);
			run_all(old, b.second);
		} // the process dies
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		s.resume_as(alice());
		CHECK(s.state() == State::LoggedIn);
		CHECK(s.logged_in());
		CHECK(s.occupant().ext == "100");
		CHECK(s.display_lines() == V{"100 Alice Example", "Ready"});
		CHECK(ports.last_show() == V{"100 Alice Example", "Ready"});
		CHECK(ports.occupants == V{"100"});
		CHECK(ports.swaps.empty()); // the agent re-applies the account itself
		CHECK(ports.bugs.empty());
	}
}

// ---- the table as a whole ----

namespace
{

const State kStates[] = {State::Idle,     State::Collecting, State::PinEntry, State::LoggingIn,
                         State::LoggedIn, State::LoggingOut, State::Error};
const Event kEvents[] = {Event::DigitTyped,   Event::NumberEntered, Event::EmergencyNumber,
                         Event::LoginCode,    Event::LogoutCode,    Event::InvalidCode,
                         Event::Cancel,       Event::LogoutKey,     Event::PinDigit,
                         Event::PinConfirm,   Event::PinTimeout,    Event::PbxAccepted,
                         Event::PbxRefused,   Event::PbxFailed,     Event::SwapDone,
                         Event::SwapFailed,   Event::ServiceLost,   Event::ServiceRestored,
                         Event::RemoteLogout, Event::CallsEnded,    Event::RegistrationRefused,
                         Event::Provisioned};

std::string pair_name(State s, Event e)
{
	return std::string(state_name(s)) + "/" + event_name(e);
}

// The pairs the table leaves unhandled on purpose: no input can produce
// them (given SessionPorts' contract: one login or swap result per request).
std::set<std::string> expected_unhandled()
{
	std::set<std::string> out;
	for (State s : kStates) {
		// PIN events come only from on_key/on_timer in PinEntry.
		if (s != State::PinEntry)
			for (Event e : {Event::PinDigit, Event::PinConfirm, Event::PinTimeout})
				out.insert(pair_name(s, e));
		// A login result answers the one request LoggingIn sent.
		if (s != State::LoggingIn)
			for (Event e : {Event::PbxAccepted, Event::PbxRefused, Event::PbxFailed})
				out.insert(pair_name(s, e));
		// A swap result answers the swap LoggingIn, LoggingOut or
		// Error (drop_user) started.
		if (s != State::LoggingIn && s != State::LoggingOut && s != State::Error)
			for (Event e : {Event::SwapDone, Event::SwapFailed})
				out.insert(pair_name(s, e));
	}
	// In PinEntry keys are PIN keys: the collector is never consulted.
	for (Event e : {Event::DigitTyped, Event::NumberEntered, Event::EmergencyNumber,
	                Event::LoginCode, Event::LogoutCode, Event::InvalidCode})
		out.insert(pair_name(State::PinEntry, e));
	return out;
}

// Fresh session brought into `s` through its inputs; `as_user` logs
// Alice in first where the state allows both.
std::vector<Step> recipe(State s, bool as_user)
{
	const std::vector<Step> base = as_user ? kLoginAlice : std::vector<Step>{};
	switch (s) {
	case State::Idle:
		return {};
	case State::LoggedIn:
		return kLoginAlice;
	case State::Collecting:
		return base + std::vector<Step>{keys("20")};
	case State::PinEntry:
		return base + std::vector<Step>{keys("*77*200*12")};
	case State::LoggingIn:
		return base + std::vector<Step>{keys("*77*200*"), pin_and_hash()};
	case State::LoggingOut:
		return kLoginAlice + std::vector<Step>{keys("{blf1}")};
	case State::Error:
		return base + std::vector<Step>{service(false)};
	}
	return {};
}

} // namespace

TEST_CASE("session: every state x event pair, the unhandled ones are exactly the known set")
{
	std::map<std::string, int> unguarded, guarded;
	for (const Session::Row *r = Session::table_begin(); r != Session::table_end(); ++r)
		++(r->guard ? guarded : unguarded)[pair_name(r->from, r->event)];

	std::set<std::string> unhandled;
	for (State s : kStates)
		for (Event e : kEvents) {
			const std::string p = pair_name(s, e);
			INFO(p);
			if (!unguarded.count(p) && !guarded.count(p)) {
				unhandled.insert(p);
				continue;
			}
			// Handled always: a guarded row needs an unguarded fallback,
			// and exactly one (a second would never be reached).
			CHECK(unguarded[p] == 1);
		}
	const std::set<std::string> want = expected_unhandled();
	std::string extra, missing;
	for (const auto &p : unhandled)
		if (!want.count(p))
			extra += p + " ";
	for (const auto &p : want)
		if (!unhandled.count(p))
			missing += p + " ";
	CHECK_MESSAGE(extra.empty(), "unhandled but not expected: " << extra);
	CHECK_MESSAGE(missing.empty(), "expected unhandled but now handled: " << missing);
	CHECK(unhandled.size() == 50);
	CHECK(unhandled.size() + unguarded.size() ==
	      sizeof(kStates) / sizeof(kStates[0]) * (sizeof(kEvents) / sizeof(kEvents[0])));
}

TEST_CASE("session: log_bug fires exactly for the unhandled pairs an input can reach")
{
	// The inputs that dispatch a single event in any state.
	struct Input {
		Event event;
		Step step;
	};
	const std::vector<Input> inputs = {
	    {Event::PbxAccepted, accepted(bob())},   {Event::PbxRefused, refused("wrong_pin")},
	    {Event::PbxFailed, pbx_failed()},        {Event::SwapDone, swap(true)},
	    {Event::SwapFailed, swap(false)},        {Event::ServiceLost, service(false)},
	    {Event::ServiceRestored, service(true)}, {Event::RemoteLogout, remote_logout()},
	    {Event::LogoutKey, keys("{blf1}")},      {Event::Cancel, keys("{cancel}")},
	    {Event::PinTimeout, fire(Timer::Pin)},
	};
	const std::set<std::string> unhandled = expected_unhandled();
	for (bool as_user : {false, true})
		for (State s : kStates)
			for (const auto &in : inputs) {
				const std::string p = pair_name(s, in.event);
				INFO((p + (as_user ? " (logged in)" : " (pool)")));
				FakePorts ports;
				Session sess(DialPlan{}, pool_id(), ports);
				run_all(sess, recipe(s, as_user));
				REQUIRE(sess.state() == s);
				REQUIRE(ports.bugs.empty());
				run(sess, in.step);
				// on_timer(Pin) outside PinEntry dispatches nothing at all.
				const bool dispatched =
				    in.event != Event::PinTimeout || s == State::PinEntry;
				const bool want_bug = dispatched && unhandled.count(p) > 0;
				CHECK(ports.bugs.size() == (want_bug ? 1u : 0u));
			}
}

TEST_CASE("session: an emergency number goes out in every state but PIN entry")
{
	for (bool as_user : {false, true})
		for (State s : kStates) {
			if (s == State::PinEntry)
				continue;
			INFO((std::string(state_name(s)) + (as_user ? " (logged in)" : " (pool)")));
			FakePorts ports;
			Session sess(DialPlan{}, pool_id(), ports);
			run_all(sess, recipe(s, as_user));
			if (s == State::Collecting)
				run(sess, keys("{cancel}")); // start a fresh number
			ports.clear_effects();
			run(sess, keys("112"));
			CHECK(ports.dials == V{"112"});
			CHECK(ports.bugs.empty());
		}
}

TEST_CASE("session: the phone itself slows PIN guessing, without locking anyone out")
{
	SessionTimings t;
	t.throttle_after = 3;
	t.throttle_base_ms = 5000;
	t.throttle_max_ms = 12000;
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports, t);
	auto has = [](const std::vector<std::string> &v, const std::string &x) {
		return std::find(v.begin(), v.end(), x) != v.end();
	};
	auto guess = [&] {
		run_all(s, {keys("*77*100*"), keys("99999999#"), refused("wrong_pin")});
	};
	guess();
	guess();
	CHECK(ports.running.count(Timer::Throttle) == 0);
	guess(); // the third wrong PIN starts the throttle
	CHECK(has(ports.timer_log, "+throttle 5000"));
	CHECK(s.display_lines()[1] == "Wrong PIN: wait 5 s");
	ports.clear_effects();
	run(s, keys("*77*100*")); // refused on the phone: the PBX hears nothing
	CHECK(s.state() == State::Idle);
	CHECK(ports.logins.empty());
	CHECK(s.display_lines()[1] == "Too many wrong PINs: wait");
	s.on_timer(Timer::Throttle);
	guess(); // fourth: the delay doubles
	CHECK(has(ports.timer_log, "+throttle 10000"));
	s.on_timer(Timer::Throttle);
	guess(); // fifth: capped
	CHECK(has(ports.timer_log, "+throttle 12000"));
	s.on_timer(Timer::Throttle);
	// The rightful user gets in, and the count starts again.
	Identity alice;
	alice.pool = false;
	alice.ext = "100";
	alice.sip_user = "100";
	alice.sip_password = "x";
	alice.domain = "d";
	run_all(s, {keys("*77*100*"), keys("1234#"), accepted(alice), swap(true)});
	CHECK(s.state() == State::LoggedIn);
	ports.clear_effects();
	run_all(s, {keys("*77*101*"), keys("99999999#"), refused("wrong_pin")});
	CHECK(ports.logins.size() == 1);
	for (const auto &e : ports.timer_log)
		CHECK(e.rfind("+throttle", 0) != 0);
	CHECK(ports.bugs.empty());
}

// baresip is disconnected: the swap fails synchronously, inside the
// dispatch of PbxAccepted. The failure is queued and runs after that
// dispatch, so the log holds exactly the real transitions, in order.
class SyncFailingPorts : public FakePorts
{
public:
	Session *session = nullptr;
	void swap_to(const Identity &to, bool force_break) override
	{
		FakePorts::swap_to(to, force_break);
		session->on_swap_result(false, "baresip connection lost");
	}
};

TEST_CASE("session: a swap failing synchronously is queued, never dispatched inside a dispatch")
{
	SyncFailingPorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	ports.session = &s;
	run(s, keys("*77*100*"));
	run(s, keys(kPin + "#"));
	ports.infos.clear();
	run(s, accepted(alice()));
	std::vector<std::string> transitions;
	for (const auto &l : ports.infos)
		if (l.rfind("session: ", 0) == 0 && l.find(" -> ") != std::string::npos)
			transitions.push_back(l);
	CHECK(transitions == V{"session: logging-in -> idle on SwapFailed"});
	CHECK(s.state() == State::Idle);
	CHECK(s.occupant().pool);
	CHECK(s.last_error() == "baresip connection lost");
	CHECK(ports.logouts == V{"100"}); // the PBX is told the login did not happen
	CHECK(ports.bugs.empty());
}

// Kind 7 of issue 14: in PIN entry every key is acted on or answered.
TEST_CASE("session: PIN entry answers every key and never sends a cut or mixed PIN")
{
	SUBCASE("a PIN longer than 16 digits is refused, not cut and sent")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run(s, keys("*77*100*"));
		run(s, keys("12345678901234567890#"));
		CHECK(ports.logins.empty());
		CHECK(s.state() == State::PinEntry);
		CHECK(s.display_lines()[1] == "PIN too long: retype it");
		run(s, keys(kPin + "#"));
		REQUIRE(ports.logins.size() == 1);
		CHECK((ports.logins[0].second == kPin));
	}
	SUBCASE("retyping *77*100* during PIN entry starts the code again")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run(s, keys("*77*100*"));
		run(s, keys("*77*100*"));
		CHECK(s.state() == State::PinEntry);
		CHECK(s.display_lines()[1] == "PIN for 100: ");
		run(s, keys(kPin + "#"));
		REQUIRE(ports.logins.size() == 1);
		CHECK((ports.logins[0].second == kPin)); // not "77100" + PIN
	}
	SUBCASE("hook-on abandons the login and wipes the PIN")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run(s, keys("*77*100*12"));
		run(s, keys("{hook_on}"));
		CHECK(s.state() == State::Idle);
		run(s, keys("#"));
		CHECK(ports.logins.empty());
	}
	SUBCASE("other keys repeat the prompt")
	{
		for (const char *k : {"{up}", "{down}", "{ok}", "{left}", "{headset}"}) {
			INFO(k);
			FakePorts ports;
			Session s(DialPlan{}, pool_id(), ports);
			run(s, keys("*77*100*"));
			run(s, keys(k));
			CHECK(s.state() == State::PinEntry);
			CHECK(s.display_lines()[1] == "Enter PIN, then #");
		}
	}
}

TEST_CASE(
    "session: an emergency number on a BLF key goes out during PIN entry, others are answered")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	std::vector<BlfItem> items = {BlfItem{"112", "", "Emergency"}, BlfItem{"200", "", "Desk"}};
	KeyGeometry g;
	g.blf_keys = 4;
	s.set_key_layout(KeyLayout(blf_layout(g, LogoutKey{}, items)));
	run(s, keys("*77*100*12"));
	run(s, keys("{blf3}")); // 200: not now
	CHECK(ports.dials.empty());
	CHECK(s.state() == State::PinEntry);
	CHECK(s.display_lines()[1] == "Finish the login: PIN, then #");
	run(s, keys("{blf2}")); // 112
	CHECK(ports.dials == V{"112"});
	CHECK(s.state() == State::Idle);
	run(s, keys("#"));
	CHECK(ports.logins.empty()); // the PIN typed so far is gone
	CHECK(ports.bugs.empty());
}

TEST_CASE("session: an auto logout waits for the call, then tells the PBX its reason")
{
	struct CallPorts : FakePorts {
		bool call = false;
		std::vector<std::string> reasons;
		const Session *session = nullptr;
		bool calls_active() const override { return call; }
		void pbx_logout(const std::string &ext) override
		{
			FakePorts::pbx_logout(ext);
			reasons.push_back(session->logout_reason());
		}
	};
	for (const char *reason : {"idle", "max_session", "daily"}) {
		INFO(reason);
		CallPorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		ports.session = &s;
		run_all(s, kLoginAlice);
		ports.call = true;
		s.on_auto_logout(reason);
		CHECK(s.state() == State::LoggedIn); // never during a call
		CHECK(s.pending_change() == "logout");
		CHECK(ports.logouts.empty());
		ports.call = false;
		s.on_calls_ended(); // at once when the last call ends
		CHECK(s.state() == State::LoggingOut);
		CHECK(ports.reasons == V{reason});
		s.on_swap_result(true, "");
		CHECK(s.state() == State::Idle);
		CHECK(s.display_lines().back().rfind("Logged out: ", 0) == 0);
		CHECK(ports.bugs.empty());
	}
	// A logout by key says "user"; by the PBX, "pbx".
	CallPorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	ports.session = &s;
	run_all(s, kLoginAlice + std::vector<Step>{keys("{blf1}"), swap(true)});
	run_all(s, kLoginAlice);
	s.on_remote_logout();
	CHECK(ports.reasons == V{"user", "pbx"});
}

TEST_CASE("session: '#' follows the dial terminator; a profile mid-dial keeps the digits")
{
	struct Case {
		const char *name;
		DialTerminator term;
		std::vector<Step> steps;
		V dials;
		std::string screen; // the status line at the end; "" = not checked
	};
	const auto H = DialTerminator::Hash;
	const auto N = DialTerminator::None;
	// clang-format off
	const std::vector<Case> cases = {
		{"none: *31#<number> + Send is one call", N,
		 kLoginAlice + std::vector<Step>{keys("*31#0301234567{send}")}, {"*31#0301234567"}, ""},
		{"hash: '#' ends the number (the setting's meaning)", H,
		 kLoginAlice + std::vector<Step>{keys("*31#")}, {"*31"}, ""},
		{"hash: #*103 dials #*103, not *103", H,
		 kLoginAlice + std::vector<Step>{keys("#*103{send}")}, {"#*103"}, ""},
		{"none: a pause after *31# does not dial the prefix", N,
		 kLoginAlice + std::vector<Step>{keys("*31#"), fire(Timer::InterDigit)}, {}, "Dial: *31#"},
		{"none: 112 at once, logged in", N,
		 kLoginAlice + std::vector<Step>{keys("112")}, {"112"}, ""},
		{"none: 112 at once from the pool, after a stray '#'", N,
		 {keys("#112")}, {"112"}, ""},
		{"hash: 911 at once from the pool, after a stray '#'", H,
		 {keys("#911")}, {"911"}, ""},
	};
	// clang-format on
	for (const auto &tc : cases) {
		INFO(tc.name);
		FakePorts ports;
		DialPlan p;
		p.terminator = tc.term;
		Session s(p, pool_id(), ports);
		run_all(s, tc.steps);
		CHECK(join(ports.dials) == join(tc.dials));
		if (!tc.screen.empty())
			CHECK(s.display_lines()[1] == tc.screen);
		CHECK(ports.bugs.empty());
	}

	SUBCASE("a device profile applied mid-dial keeps what is typed")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run_all(s, kLoginAlice);
		run(s, keys("0301"));
		DialPlan from_profile;
		from_profile.other_codes = {"*98"};
		from_profile.terminator = DialTerminator::None;
		REQUIRE(s.set_dial_plan(from_profile));
		CHECK(s.display_lines()[1] == "Dial: 0301");
		run(s, keys("234#567{send}"));
		CHECK(join(ports.dials) == join({"0301234#567"}));
	}
}

TEST_CASE("session: digits typed on after a PIN entry ended are masked and never dialled")
{
	SessionTimings t;
	t.throttle_after = 1;
	const std::vector<Step> wrong = {keys("*77*100*"), keys("99999999#"), refused("wrong_pin")};
	struct Case {
		const char *name;
		std::vector<Step> steps; // ends right after the PIN entry ended
		bool logged_in;
	};
	// clang-format off
	const std::vector<Case> cases = {
		{"cancel key", {keys("*77*100*"), keys("12{cancel}")}, false},
		{"hook on", {keys("*77*100*"), keys("12{hook_on}")}, false},
		{"PIN timeout", {keys("*77*100*"), keys("12"), fire(Timer::Pin)}, false},
		{"throttled login code", wrong + std::vector<Step>{keys("*77*100*")}, false},
		{"refused PIN", {keys("*77*100*"), keys("11111111#"), refused("wrong_pin")}, false},
		{"PBX unreachable", {keys("*77*100*"), keys("11111111#"), pbx_failed()}, false},
		{"cancel while logged in", kLoginAlice + std::vector<Step>{keys("*77*200*"), keys("{cancel}")}, true},
		{"'*' in PIN entry restarts a code", kLoginAlice + std::vector<Step>{keys("*77*200*"), keys("*")}, true},
	};
	// clang-format on
	for (const auto &tc : cases) {
		INFO(tc.name);
		for (const char *finish : {"#", "{send}"}) {
			INFO(finish);
			FakePorts ports;
			Session s(DialPlan{}, pool_id(), ports, t);
			run_all(s, tc.steps);
			ports.clear_effects();
			run(s, keys(kPin));
			CHECK(s.display_lines()[1].find(kPin) == std::string::npos);
			CHECK(s.display_lines()[1].find("****") != std::string::npos);
			run(s, keys(finish));
			CHECK(ports.dials.empty());
			CHECK(s.display_lines()[1] == "Number not dialled");
			CHECK(ports.every_text().find(kPin) == std::string::npos);
			CHECK(s.logged_in() == tc.logged_in);
			// Only that one run: the next number is shown and dialled.
			ports.clear_effects();
			run(s, keys("0301{send}"));
			CHECK(join(ports.dials) == join(tc.logged_in ? V{"0301"} : V{}));
			CHECK(ports.bugs.empty());
		}
	}

	SUBCASE("an emergency number typed on still goes out")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports, t);
		run_all(s, {keys("*77*100*"), keys("12{cancel}"), keys("112")});
		CHECK(join(ports.dials) == join({"112"}));
	}
	SUBCASE("after the window, digits are shown and dialled")
	{
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports, t);
		run_all(s, kLoginAlice + std::vector<Step>{keys("*77*200*"), keys("{cancel}"),
		                                           fire(Timer::Pin), keys("0301")});
		CHECK(s.display_lines()[1] == "Dial: 0301");
		run(s, keys("#"));
		CHECK(join(ports.dials) == join({"0301"}));
	}
}

TEST_CASE("session: a restored person waits for the PBX (resume) before the phone claims them")
{
	struct Case {
		const char *name;
		std::vector<Step> answer;
		State state;
		std::string occupant;
		V swaps;
		std::string status; // the status line at the end
	};
	// clang-format off
	const std::vector<Case> cases = {
		{"confirmed: the login path (swap, commit)", {accepted(alice()), swap(true)},
		 State::LoggedIn, "100", {"100"}, "Welcome Alice Example"},
		{"moved: back to the pool, said", {refused("moved")},
		 State::Idle, "HD0001", {}, "100 is on another phone"},
		{"confirmed but the registrar refuses: the pool", {accepted(alice()), swap(false)},
		 State::Idle, "HD0001", {"100"}, "Password refused (401)"},
	};
	// clang-format on
	for (const auto &tc : cases) {
		INFO(tc.name);
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		s.confirm_resume("100");
		CHECK(s.state() == State::LoggingIn);
		CHECK(s.display_lines() == V{"HD0001", "Logging in 100..."});
		CHECK(ports.occupants.empty()); // nothing claimed yet
		run(s, keys("112"));            // emergency calls meanwhile
		CHECK(join(ports.dials) == join({"112"}));
		run_all(s, tc.answer);
		CHECK(s.state() == tc.state);
		CHECK(s.occupant().ext == tc.occupant);
		CHECK(join(ports.swaps) == join(tc.swaps));
		CHECK(s.display_lines()[1] == tc.status);
		CHECK(ports.logins.empty()); // never a login request: no PIN
		CHECK(ports.bugs.empty());
	}
}

// ---- the registrar refuses the logged-in person (issue 14, kind 5) ----

namespace
{

class CallingPorts : public FakePorts
{
public:
	bool in_call = false;
	bool calls_active() const override { return in_call; }
};

std::string every_frame(const FakePorts &p)
{
	std::string all;
	for (const auto &frame : p.shows)
		all += join(frame) + "\n";
	return all;
}

} // namespace

TEST_CASE("session: a definite registrar refusal returns a person to the pool, in every state")
{
	struct Case {
		const char *name;
		std::vector<Step> steps;
		bool dropped; // a person was there: PBX told, pool swapped in
	};
	const std::vector<Case> cases = {
	    {"logged in", kLoginAlice, true},
	    {"logged in, typing a number", kLoginAlice + std::vector<Step>{keys("20")}, true},
	    {"logged in, typing a PIN (a roam)",
	     kLoginAlice + std::vector<Step>{keys("*77*101*12")}, true},
	    {"logged in, no service", kLoginAlice + std::vector<Step>{service(false)}, true},
	    {"the pool, idle", {}, false},
	    {"the pool, typing", {keys("20")}, false},
	    {"the pool, no service", {service(false)}, false},
	    {"a login in flight", {keys("*77*100*"), pin_and_hash()}, false},
	};
	for (const auto &c : cases) {
		INFO("case: " << std::string(c.name));
		FakePorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run_all(s, c.steps);
		const State before = s.state();
		ports.clear_effects();
		s.on_registration_refused("Password refused (401)", "registration refused: 401");
		CHECK(ports.bugs.empty());
		if (!c.dropped) {
			CHECK(s.state() == before);
			CHECK(ports.logouts.empty());
			CHECK(ports.swaps.empty());
			continue;
		}
		CHECK(s.state() == State::LoggingOut);
		CHECK(ports.logouts == V{"100"});
		CHECK(ports.swaps == V{"HD0001!"});
		CHECK(s.last_error() == "registration refused: 401");
		CHECK(every_frame(ports).find("Password refused (401)") != std::string::npos);
		run(s, swap(true));
		CHECK(s.state() == State::Idle);
		CHECK(s.occupant().ext == "HD0001");
		CHECK(s.display_lines() == V{"HD0001", "Password refused (401): logged out"});
		CHECK(s.last_error() == "registration refused: 401");
	}
}

TEST_CASE("session: a registrar refusal during a call waits for the call to end")
{
	CallingPorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	run_all(s, kLoginAlice);
	ports.in_call = true;
	ports.clear_effects();
	s.on_registration_refused("Registration refused (403)", "registration refused: 403");
	CHECK(s.state() == State::LoggedIn);
	CHECK(ports.swaps.empty());
	CHECK(s.pending_change() == "logout");
	ports.in_call = false;
	s.on_calls_ended();
	CHECK(s.state() == State::LoggingOut);
	CHECK(ports.logouts == V{"100"});
	CHECK(ports.swaps == V{"HD0001!"});
	run(s, swap(true));
	CHECK(s.display_lines() == V{"HD0001", "Registration refused (403): logged out"});
}

TEST_CASE("session: No service says the registrar's words when it gave some")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	s.set_no_service_text("Registrar busy (503)");
	run(s, service(false));
	run(s, fire(Timer::Message));
	CHECK(s.display_lines() == V{"HD0001", "Registrar busy (503)"});
	s.set_no_service_text("");
	run(s, fire(Timer::Message));
	CHECK(s.display_lines() == V{"HD0001", "No service"});
}

// ---- the PBX login flow (issue 13): codes are calls, the PBX provisions ----

namespace
{

DialPlan by_call_plan()
{
	DialPlan p;
	p.login_by_call = true;
	return p;
}

} // namespace

TEST_CASE("session: PBX flow: the login code is a call to the PBX, no PIN entry")
{
	CallingPorts ports;
	Session s(by_call_plan(), pool_id(), ports);
	run(s, keys("*77*100*"));
	CHECK(s.state() == State::Idle);
	CHECK(ports.dials == V{"*77*100*"});
	CHECK(ports.logins.empty());
	CHECK(s.display_lines() == V{"HD0001", "Login via PBX"});
	// The PIN goes to the PBX's IVR as DTMF in that call (the calls owner
	// takes the keys while a call is up); the PBX then provisions Alice.
	ports.in_call = true;
	s.on_provisioned(alice());
	CHECK(s.state() == State::LoggingIn);
	CHECK(s.pending_change() == "login"); // never during a call
	CHECK(ports.swaps.empty());
	ports.in_call = false;
	s.on_calls_ended();
	CHECK(ports.swaps == V{"100"});
	CHECK(ports.swap_passwords == V{kAlicePw});
	run(s, swap(true));
	CHECK(s.state() == State::LoggedIn);
	CHECK(s.occupant().ext == "100");
	CHECK(ports.occupants == V{"100"});
	CHECK(ports.bugs.empty());
}

TEST_CASE("session: PBX flow: the logout key and code dial the logout code; the PBX decides")
{
	CallingPorts ports;
	Session s(by_call_plan(), pool_id(), ports);
	s.on_provisioned(alice());
	run(s, swap(true));
	REQUIRE(s.state() == State::LoggedIn);
	for (const char *how : {"{blf1}", "*77*5*"}) {
		ports.clear_effects();
		run(s, keys(how));
		INFO(how);
		CHECK(s.state() == State::LoggedIn);
		CHECK(ports.dials == V{"*77*5*"});
		CHECK(ports.swaps.empty());
		CHECK(ports.logouts.empty());
		CHECK(s.display_lines().back() == "Logout via PBX");
	}
	// During a call the codes are not dialled over it.
	ports.clear_effects();
	ports.in_call = true;
	run(s, keys("{blf1}"));
	CHECK(ports.dials.empty());
	CHECK(s.display_lines().back() == "Hang up first");
	ports.in_call = false;
	// The PBX provisions the pool again: the agent runs it as a remote logout.
	ports.clear_effects();
	run(s, remote_logout());
	CHECK(ports.swaps == V{"HD0001!"});
	run(s, swap(true));
	CHECK(s.state() == State::Idle);
	CHECK(ports.bugs.empty());
}

TEST_CASE("session: PBX flow: a provisioned person in every state")
{
	// From rest (idle, typing, logged in as someone else, No service) it is
	// a login; during another identity change it waits (the agent offers
	// it again when the change is over).
	for (State st : kStates) {
		for (bool as_user : {false, true}) {
			INFO(state_name(st) << (as_user ? " as Alice" : ""));
			CallingPorts ports;
			Session s(DialPlan{}, pool_id(), ports);
			run_all(s, recipe(st, as_user));
			REQUIRE(s.state() == st);
			ports.clear_effects();
			s.on_provisioned(bob());
			const bool busy = st == State::LoggingIn || st == State::LoggingOut;
			CHECK(ports.bugs.empty());
			if (busy) {
				CHECK(s.state() == st);
				CHECK(ports.swaps.empty());
				continue;
			}
			CHECK(s.state() == State::LoggingIn);
			CHECK(ports.swaps == V{"200"});
			run(s, swap(true));
			CHECK(s.state() == State::LoggedIn);
			CHECK(s.occupant().ext == "200");
		}
	}
}

// ---- issue 12: an identity change in flight keeps a forced logout ----

// Issue 12: a logout the PBX asks for while a login or roam is in flight
// (LoggingIn) is remembered and asked again once the change settles; whom
// it names decides (the table's comment in session.cpp).
TEST_CASE("session: a remote logout during a login or roam waits for it to settle")
{
	struct Case {
		Scenario sc;
		std::string logged; // a log line must hold this ("" = not checked)
	};
	const std::vector<Step> kTyped = {keys("*77*100*"), pin_and_hash()};
	const std::vector<Step> kRoamTyped =
	    kLoginAlice + std::vector<Step>{keys("*77*200*"), pin_and_hash()};
	// clang-format off
	const std::vector<Case> cases = {
		// A login from the pool.
		{{"login: logout before the PBX answered, then SwapDone: logged out at once",
		  kTyped + std::vector<Step>{remote_logout(), accepted(alice()), swap(true)},
		  State::LoggingOut, "100", {"100 Alice Example", "Logging out..."}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, "Welcome Alice"},
		 "waits until the login of 100 settles"},
		{{"login: logout naming the person during the swap, then SwapDone, then the pool",
		  kTyped + std::vector<Step>{accepted(alice()), remote_logout("100"), swap(true), swap(true)},
		  State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		 ""},
		{{"login: SwapFailed: the pool anyway, the logout dropped",
		  kTyped + std::vector<Step>{remote_logout(), accepted(alice()), swap(false)},
		  State::Idle, "HD0001", {"HD0001", "Password refused (401)"}, {}, {"100"}, {"100"}, {"100"}, ""},
		 "is dropped: nobody is logged in"},
		{{"login: PbxRefused: the pool, the logout dropped",
		  kTyped + std::vector<Step>{remote_logout("100"), refused("wrong_pin")},
		  State::Idle, "HD0001", {"HD0001", "Wrong PIN"}, {}, {"100"}, {}, {}, ""},
		 "the logout of 100 is dropped: nobody is logged in"},
		{{"login: PbxFailed: the pool, the logout dropped",
		  kTyped + std::vector<Step>{remote_logout(), pbx_failed()},
		  State::Idle, "HD0001", {"HD0001", "Login server unreachable"}, {}, {"100"}, {}, {}, ""},
		 "is dropped: nobody is logged in"},
		{{"login: a logout naming someone else is dropped at once; the login completes",
		  kTyped + std::vector<Step>{remote_logout("101"), accepted(alice()), swap(true)},
		  State::LoggedIn, "100", {"100 Alice Example", "Welcome Alice Example"}, {}, {"100"}, {}, {"100"}, ""},
		 "the logout of 101 is dropped"},
		// A roam: Alice (100) here, Bob's (200) login in flight.
		{{"roam: the PBX logs Alice out; Bob arrives and stays",
		  kRoamTyped + std::vector<Step>{remote_logout("100"), accepted(bob()), swap(true)},
		  State::LoggedIn, "200", {"200 Bob", "Welcome Bob"}, {}, {"100", "200"}, {}, {"100", "200"}, ""},
		 "the logout of 100 is dropped: 200 sits here"},
		{{"roam: the PBX logs out Bob, or whoever: Bob arrives and leaves",
		  kRoamTyped + std::vector<Step>{accepted(bob()), remote_logout("200"), remote_logout(), swap(true), swap(true)},
		  State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100", "200"}, {"200"}, {"100", "200", "HD0001!"}, ""},
		 ""},
		{{"roam: SwapFailed, the PBX had named Alice: Alice, still here, is logged out",
		  kRoamTyped + std::vector<Step>{accepted(bob()), remote_logout("100"), swap(false), swap(true)},
		  State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100", "200"}, {"200", "100"}, {"100", "200", "HD0001!"}, ""},
		 ""},
		{{"roam: PbxRefused, the PBX named nobody: Alice, still here, is logged out",
		  kRoamTyped + std::vector<Step>{remote_logout(), refused("wrong_pin"), swap(true)},
		  State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100", "200"}, {"100"}, {"100", "HD0001!"}, ""},
		 ""},
		{{"roam: PbxFailed, the PBX had named Bob: Alice stays",
		  kRoamTyped + std::vector<Step>{remote_logout("200"), pbx_failed()},
		  State::LoggedIn, "100", {"100 Alice Example", "Login server unreachable"}, {}, {"100", "200"}, {}, {"100"}, ""},
		 "the logout of 200 is dropped: 100 sits here"},
		// Logging out already: nothing more to do.
		{{"logging out: a remote logout changes nothing",
		  kLoginAlice + std::vector<Step>{keys("{blf1}"), remote_logout("100"), swap(true)},
		  State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, ""},
		 ""},
		// At rest, a logout naming someone not here changes nothing.
		{{"logged in: a logout naming someone else is dropped",
		  kLoginAlice + std::vector<Step>{remote_logout("200")},
		  State::LoggedIn, "100", {}, {}, {"100"}, {}, {"100"}, ""},
		 "the logout of 200 is dropped: 100 sits here"},
	};
	// clang-format on
	for (const auto &c : cases)
		check_scenario(c.sc, c.logged);
}

TEST_CASE("session: a remote logout during a login, with a call up, waits for the call too")
{
	SUBCASE("the login completes during the call: logged out after the hang-up")
	{
		CallingPorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run_all(s, {keys("*77*100*"), pin_and_hash(), accepted(alice()), remote_logout()});
		ports.in_call = true; // e.g. an emergency call dialled meanwhile
		run(s, swap(true));
		CHECK(s.state() == State::LoggedIn);
		CHECK(s.occupant().ext == "100");
		CHECK(s.pending_change() == "logout"); // a call is sacred
		CHECK(ports.logouts.empty());
		CHECK(ports.swaps == V{"100"});
		ports.in_call = false;
		s.on_calls_ended();
		CHECK(s.state() == State::LoggingOut);
		CHECK(ports.logouts == V{"100"});
		CHECK(s.logout_reason() == "pbx");
		run(s, swap(true));
		CHECK(s.state() == State::Idle);
		CHECK(ports.bugs.empty());
	}
	SUBCASE("the PBX accepted during a call (the swap waits), then the logout came")
	{
		CallingPorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		run_all(s, {keys("*77*100*"), pin_and_hash()});
		ports.in_call = true;
		run_all(s, {accepted(alice()), remote_logout("100")});
		CHECK(s.pending_change() == "login");
		CHECK(ports.swaps.empty());
		ports.in_call = false;
		s.on_calls_ended(); // the swap runs now
		CHECK(ports.swaps == V{"100"});
		run(s, swap(true)); // arrived, then leaves at once (no call any more)
		CHECK(s.state() == State::LoggingOut);
		CHECK(ports.logouts == V{"100"});
		CHECK(ports.swaps == V{"100", "HD0001!"});
		CHECK(ports.bugs.empty());
	}
}

TEST_CASE("session: a restored person the PBX logs out while being confirmed leaves once claimed")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	s.confirm_resume("100");
	CHECK(s.remote_logout_concerns("100"));
	CHECK(s.remote_logout_concerns(""));
	CHECK_FALSE(s.remote_logout_concerns("200"));
	run_all(s, {remote_logout("100"), accepted(alice()), swap(true)});
	CHECK(s.state() == State::LoggingOut);
	CHECK(ports.logouts == V{"100"});
	// Claimed directly (baresip was down: resume_as()), the same.
	FakePorts direct;
	Session d(DialPlan{}, pool_id(), direct);
	d.confirm_resume("100");
	run(d, remote_logout());
	d.resume_as(alice());
	CHECK(d.state() == State::LoggingOut);
	CHECK(direct.logouts == V{"100"});
	CHECK(direct.bugs.empty());
}

TEST_CASE("session: whom a remote logout concerns")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	CHECK_FALSE(s.remote_logout_concerns("")); // the pool: nobody to log out
	CHECK_FALSE(s.remote_logout_concerns("100"));
	run_all(s, {keys("*77*100*"), pin_and_hash()});
	CHECK(s.remote_logout_concerns("")); // whoever the login brings
	CHECK(s.remote_logout_concerns("100"));
	CHECK_FALSE(s.remote_logout_concerns("200"));
	run_all(s, {accepted(alice()), swap(true)});
	CHECK(s.remote_logout_concerns(""));
	CHECK(s.remote_logout_concerns("100"));
	CHECK_FALSE(s.remote_logout_concerns("200"));
	run_all(s, {keys("*77*200*"), pin_and_hash()}); // a roam in flight
	CHECK(s.remote_logout_concerns("100"));
	CHECK(s.remote_logout_concerns("200"));
	CHECK_FALSE(s.remote_logout_concerns("300"));
}

// Issue 12, auto-logout: a policy of Alice's that falls due while a roam is
// in flight belongs to her session: the roam that completes drops it (the
// newcomer has a fresh policy, the agent re-arms it), one that fails runs it,
// a call still deferring it.
TEST_CASE("session: an auto logout that falls due during a roam waits for the roam to settle")
{
	struct ReasonPorts : CallingPorts {
		std::vector<std::string> reasons; // "ext:reason" per PBX logout
		const Session *session = nullptr;
		void pbx_logout(const std::string &ext) override
		{
			FakePorts::pbx_logout(ext);
			reasons.push_back(ext + ":" + session->logout_reason());
		}
	};
	struct Case {
		const char *name;
		std::vector<Step> settle; // after the policy fell due
		bool call;                // a call is up when the roam settles
		State state;
		std::string occupant;
		V reasons;
		std::string logged;
	};
	// clang-format off
	const std::vector<Case> cases = {
		{"the roam completes: Bob stays, Alice's policy dropped",
		 {accepted(bob()), swap(true)}, false, State::LoggedIn, "200", {},
		 "the auto logout (idle) of 100 is dropped: 200 logged in since"},
		{"Alice logs in again: a new session, the old policy dropped",
		 {accepted(alice()), swap(true)}, false, State::LoggedIn, "100", {},
		 "the auto logout (idle) of 100 is dropped: 100 logged in since"},
		{"the roam fails at the registrar: Alice logged out, reason idle",
		 {accepted(bob()), swap(false)}, false, State::LoggingOut, "100", {"200:", "100:idle"}, ""},
		{"the PBX refuses the roam: Alice logged out, reason idle",
		 {refused("wrong_pin")}, false, State::LoggingOut, "100", {"100:idle"}, ""},
		{"the roam fails during a call: Alice stays until the hang-up",
		 {refused("wrong_pin")}, true, State::LoggedIn, "100", {}, "logout deferred"},
	};
	// clang-format on
	for (const auto &c : cases) {
		INFO(c.name);
		ReasonPorts ports;
		Session s(DialPlan{}, pool_id(), ports);
		ports.session = &s;
		run_all(s, kLoginAlice + std::vector<Step>{keys("*77*200*"), pin_and_hash()});
		ports.clear_effects();
		run(s, auto_logout("idle"));
		CHECK(s.state() == State::LoggingIn); // never in the middle of a change
		CHECK(ports.logouts.empty());
		ports.in_call = c.call;
		run_all(s, c.settle);
		CHECK(s.state() == c.state);
		CHECK(s.occupant().ext == c.occupant);
		CHECK(join(ports.reasons) == join(c.reasons));
		if (!c.logged.empty())
			CHECK_MESSAGE(join(ports.infos).find(c.logged) != std::string::npos,
			              join(ports.infos));
		if (c.call) {
			CHECK(s.pending_change() == "logout");
			ports.in_call = false;
			s.on_calls_ended();
			CHECK(s.state() == State::LoggingOut);
			CHECK(join(ports.reasons) == join({"100:idle"}));
		}
		CHECK(ports.bugs.empty());
	}
}

TEST_CASE("session: a logout only remembered or dropped leaves the last logout's reason")
{
	FakePorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	run_all(s, kLoginAlice + std::vector<Step>{keys("{blf1}"), swap(true)});
	CHECK(s.logout_reason() == "user");
	run(s, remote_logout()); // the pool: dropped
	CHECK(s.logout_reason() == "user");
	run_all(s, {keys("*77*100*"), pin_and_hash(), remote_logout("100")}); // remembered
	CHECK(s.logout_reason() == "user");
	run_all(s, {accepted(alice()), swap(true)}); // asked again: it runs
	CHECK(s.logout_reason() == "pbx");
}

TEST_CASE("session: the person's logout key or code during a login or roam is kept, not dropped")
{
	const std::vector<Step> kTyped = {keys("*77*100*"), pin_and_hash()};
	const std::vector<Step> kRoamTyped =
	    kLoginAlice + std::vector<Step>{keys("*77*200*"), pin_and_hash()};
	// clang-format off
	const std::vector<Scenario> cases = {
		{"login: the logout key, then SwapDone: the newcomer leaves at once",
		 kTyped + std::vector<Step>{accepted(alice()), keys("{blf1}"), swap(true)},
		 State::LoggingOut, "100", {"100 Alice Example", "Logging out..."}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, "Logout after the login"},
		{"login: *77*5* before the PBX answered, twice, then SwapDone and the pool",
		 kTyped + std::vector<Step>{keys("*77*5*"), keys("*77*5*"), accepted(alice()), swap(true), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100"}, {"100"}, {"100", "HD0001!"}, "Logout after the login"},
		{"login: the logout key, then SwapFailed: the failure stays on the display",
		 kTyped + std::vector<Step>{accepted(alice()), keys("{blf1}"), swap(false)},
		 State::Idle, "HD0001", {"HD0001", "Password refused (401)"}, {}, {"100"}, {"100"}, {"100"}, ""},
		{"roam: the logout key, then SwapFailed: Alice, still here, leaves",
		 kRoamTyped + std::vector<Step>{accepted(bob()), keys("{blf1}"), swap(false), swap(true)},
		 State::Idle, "HD0001", {"HD0001", "Logged out"}, {}, {"100", "200"}, {"200", "100"}, {"100", "200", "HD0001!"}, ""},
	};
	// clang-format on
	for (const auto &c : cases)
		check_scenario(c);
}

TEST_CASE("session: the logout key during a login held by a call leaves after the call")
{
	CallingPorts ports;
	Session s(DialPlan{}, pool_id(), ports);
	run_all(s, {keys("*77*100*"), pin_and_hash(), accepted(alice())});
	ports.in_call = true; // a 112 dialled after the swap began
	run(s, keys("{blf1}"));
	run(s, swap(true)); // the swap went on once the call ended... or before
	CHECK(s.state() == State::LoggedIn);
	CHECK(s.pending_change() == "logout");
	ports.in_call = false;
	s.on_calls_ended();
	CHECK(s.state() == State::LoggingOut);
	CHECK(s.logout_reason() == "user");
	CHECK(ports.logouts == V{"100"});
	CHECK(ports.bugs.empty());
}

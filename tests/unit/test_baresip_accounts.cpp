// SPDX-License-Identifier: BSD-3-Clause
// BaresipAccounts against a simulated baresip over a real TCP socket: the
// fake keeps a list of user agents the way baresip 1.0.0's menu module does
// (uanew appends, uafind selects, uadel removes the first match) and sends
// REGISTER_OK / REGISTER_FAIL as a registrar would make it. Every test runs
// the real event loop under a watchdog.
#include <doctest/doctest.h>

#include "fake_baresip.h"
#include "re_loop.h"

#include "agent/accounts/baresip_accounts.h"
#include "agent/core/calls.h"
#include "agent/ctrl/ctrl_client.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace hotdesk;
using hotdesk::test::Command;
using hotdesk::test::FakeBaresip;
using hotdesk::test::run_for;
using hotdesk::test::run_until;

namespace
{

const std::string kPool = "sip:HD0001@127.0.0.1:5070";
const std::string kAlice = "sip:100@127.0.0.1:5070";
const std::string kStray = "sip:999@127.0.0.1:5070";

std::string line_of(const std::string &aor)
{
	return "<" + aor + ">;auth_pass=test-secret;regint=60";
}

// A baresip that holds user agents and answers like the real one.
class SimBaresip
{
public:
	FakeBaresip peer;
	std::vector<std::string> uas; // in creation order
	std::string current;
	std::set<std::string> refuse; // REGISTER_FAIL 401 for these AORs
	bool silent_registrar = false;
	std::vector<std::string> log; // "uanew sip:..", "uafind ..", "uadel .."
	// AOR -> Call-IDs of its established calls (for the census: `line N`
	// selects, `callstat` shows the selected one; neither is logged)
	std::map<std::string, std::vector<std::string>> calls_on;
	std::map<std::string, size_t> line_on;
	// Runs before each command is handled (a test's late registrar answer).
	std::function<void(const Command &)> before;

	SimBaresip()
	{
		peer.on_command = [this](const Command &c) { handle(c); };
	}

private:
	static std::string aor_in(const std::string &line)
	{
		const auto a = line.find('<'), b = line.find('>');
		return a == std::string::npos || b == std::string::npos
		           ? ""
		           : line.substr(a + 1, b - a - 1);
	}
	void handle(const Command &c)
	{
		if (before)
			before(c);
		if (c.command == "reginfo") {
			std::string data =
			    "\\n--- User Agents (" + std::to_string(uas.size()) + ") ---\\n";
			for (const auto &u : uas)
				data += (u == current ? "> " : "  ") + u + " OK\\n";
			peer.respond(c.token, true, data);
			return;
		}
		if (c.command == "line") {
			const size_t n = std::stoul(c.params);
			if (n >= 1 && n <= calls_on[current].size())
				line_on[current] = n - 1;
			peer.respond(c.token, true, "");
			return;
		}
		if (c.command == "callstat") {
			const auto &ids = calls_on[current];
			if (ids.empty()) {
				peer.respond(c.token, true, "\\n(no active call)\\n");
				return;
			}
			peer.respond(
			    c.token, true,
			    "===== Call debug (ESTABLISHED) =====\\n local_uri: A <" + current +
			        ">\\n peer_uri:  B <sip:101@127.0.0.1:5070>\\n af=AF_INET id=" +
			        ids[line_on[current]] + "\\n direction: Outgoing\\n");
			return;
		}
		const std::string arg = c.command == "uanew" ? aor_in(c.params) : c.params;
		log.push_back(c.command + " " + arg);
		if (c.command == "uanew") {
			uas.push_back(arg);
			if (current.empty())
				current = arg;
			peer.respond(c.token, true, "");
			if (silent_registrar)
				return;
			if (refuse.count(arg))
				peer.send_raw(netstring_encode(
				    R"({"event":true,"type":"REGISTER_FAIL","class":"register","accountaor":")" +
				    arg + R"(","param":"401 Unauthorized"})"));
			else
				peer.event("REGISTER_OK", arg);
		} else if (c.command == "uafind") {
			const bool have = std::find(uas.begin(), uas.end(), arg) != uas.end();
			if (have)
				current = arg;
			peer.respond(c.token, have, have ? "" : "No such file or directory");
		} else if (c.command == "uadel") {
			auto it = std::find(uas.begin(), uas.end(), arg);
			const bool have = it != uas.end();
			// baresip 1.0.0 dangles its current pointer when the current
			// account goes: record it so tests can assert it never happens.
			if (have && arg == current)
				log.push_back("DELETED THE CURRENT ACCOUNT");
			if (have)
				uas.erase(it);
			peer.respond(c.token, have, have ? "" : "No such file or directory");
		} else {
			// dial, callfind, accept ...: on the current account
			log.back() += " on " + current;
			peer.respond(c.token, true, "");
		}
	}
};

struct Outcome {
	int calls = 0;
	bool ok = false;
	std::string why;
	BaresipAccounts::Done done()
	{
		return [this](bool o, const std::string &w) {
			++calls;
			ok = o;
			why = w;
		};
	}
};

// A client and the accounts machine, connected to `sim`.
struct Rig {
	CtrlClient ctrl;
	BaresipAccounts accounts;
	explicit Rig(SimBaresip &sim, unsigned register_timeout_ms = 1000)
	    : ctrl(sim.peer.addr(), handlers(), 1000), accounts(ctrl, register_timeout_ms)
	{
	}
	CtrlClient::Handlers handlers()
	{
		CtrlClient::Handlers h;
		h.up = [this] { accounts.on_up(); };
		h.down = [this](const std::string &why) { accounts.on_down(why); };
		h.event = [this](const CtrlMessage &m) {
			if (m.type == "REGISTER_OK" || m.type == "REGISTER_FAIL")
				accounts.on_register(m.aor, m.type == "REGISTER_OK", m.param);
		};
		return h;
	}
	bool ready() const { return accounts.state() == AccountsState::Ready; }
};

using V = std::vector<std::string>;

// baresip holds `aor` and the machine is Ready; the commands so far are
// forgotten, so a test sees only its own.
void start_holding(Rig &rig, SimBaresip &sim, const std::string &aor)
{
	rig.accounts.want(line_of(aor), aor);
	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.ready() && !sim.uas.empty(); }));
	sim.log.clear();
}

} // namespace

TEST_CASE("accounts: after connecting, baresip holds exactly the wanted account")
{
	SimBaresip sim;
	sim.uas = {kStray, kPool};
	sim.current = kStray;
	Rig rig(sim);
	rig.accounts.want(line_of(kPool), kPool);
	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.ready() && sim.uas.size() == 1; }));
	// The census first: each account asked for its calls, the wanted one
	// selected again.
	CHECK(sim.log == V{"uafind " + kStray, "uafind " + kPool, "uafind " + kPool,
	                   "uafind " + kPool, "uadel " + kStray});
	CHECK(sim.uas == V{kPool});
	CHECK(rig.accounts.in_baresip() == kPool);
}

TEST_CASE("accounts: the census after connecting finds the calls baresip carries, before any "
          "uadel")
{
	SimBaresip sim;
	sim.uas = {kAlice, kPool};
	sim.current = kAlice;
	sim.calls_on[kAlice] = {"call-a1", "call-a2"}; // from before hotdeskd started
	Rig rig(sim);
	std::vector<std::string> found;    // Call-ID@AOR, in order
	std::vector<std::string> carrying; // the gate's view
	rig.accounts.on_calls_found([&](const BaresipEvent &e) {
		CHECK(e.type == "CALL_ESTABLISHED");
		CHECK(e.direction == "outgoing");
		found.push_back(e.id + "@" + e.aor);
		carrying.push_back(e.aor);
	});
	rig.accounts.set_call_gate([&](const std::string &aor) {
		return std::find(carrying.begin(), carrying.end(), aor) != carrying.end();
	});
	rig.accounts.want(line_of(kPool), kPool);
	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.accounts.held_for_call() == kAlice; }));
	CHECK(found == V{"call-a1@" + kAlice, "call-a2@" + kAlice}); // each once
	CHECK(sim.uas == V{kAlice, kPool});
	CHECK(sim.current == kPool);
	// The calls end: the uadel goes.
	carrying.clear();
	rig.accounts.on_calls_changed();
	REQUIRE(run_until([&] { return sim.uas == V{kPool} && rig.ready(); }));
	for (const auto &l : sim.log)
		CHECK(l != "DELETED THE CURRENT ACCOUNT");
}

TEST_CASE("accounts: a swap is make-before-break and the current account is never deleted")
{
	SimBaresip sim;
	Rig rig(sim);
	start_holding(rig, sim, kPool);

	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
	CHECK(sim.log == V{"uanew " + kAlice, "uafind " + kAlice, "uadel " + kPool});
	CHECK(sim.uas == V{kAlice});
	CHECK(rig.accounts.in_baresip() == kAlice);
	CHECK(rig.accounts.wanted_aor() == kAlice);
}

TEST_CASE("accounts: a refused registration rolls back to the old account")
{
	SimBaresip sim;
	sim.refuse = {kAlice};
	Rig rig(sim);
	start_holding(rig, sim, kPool);

	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(out.why == "registrar said 401 Unauthorized");
	CHECK(sim.log ==
	      V{"uanew " + kAlice, "uafind " + kAlice, "uafind " + kPool, "uadel " + kAlice});
	CHECK(sim.uas == V{kPool});
	CHECK(rig.accounts.wanted_aor() == kPool);
}

TEST_CASE("accounts: force_break (logout) removes the old account even when the new one fails")
{
	SimBaresip sim;
	sim.refuse = {kPool};
	Rig rig(sim);
	start_holding(rig, sim, kAlice);

	Outcome out;
	rig.accounts.swap(line_of(kPool), kPool, true, "logout", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(sim.log ==
	      V{"uanew " + kPool, "uafind " + kPool, "uafind " + kPool, "uadel " + kAlice});
	CHECK(sim.uas == V{kPool});
	CHECK(rig.accounts.wanted_aor() == kPool);
}

TEST_CASE("accounts: keep_if_silent keeps a new account nobody answered, not a refused one")
{
	// A restored person after a power cut whose registrar is not up yet.
	SimBaresip sim;
	Rig rig(sim, 150);
	start_holding(rig, sim, kPool);
	sim.silent_registrar = true;
	Outcome silent;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "resume", silent.done(), true);
	REQUIRE(run_until([&] { return silent.calls == 1 && rig.ready(); }));
	CHECK_FALSE(silent.ok);
	CHECK(sim.uas == V{kAlice}); // baresip goes on registering it
	CHECK(rig.accounts.wanted_aor() == kAlice);

	SimBaresip sim2;
	Rig rig2(sim2, 150);
	start_holding(rig2, sim2, kPool);
	sim2.refuse.insert(kAlice);
	Outcome refused;
	rig2.accounts.swap(line_of(kAlice), kAlice, false, "resume", refused.done(), true);
	REQUIRE(run_until([&] { return refused.calls == 1 && rig2.ready(); }));
	CHECK_FALSE(refused.ok);
	CHECK(sim2.uas == V{kPool}); // refused: back to the pool as without the flag
	CHECK(rig2.accounts.wanted_aor() == kPool);
}

TEST_CASE("accounts: no registration within the timeout rolls back")
{
	SimBaresip sim;
	Rig rig(sim, 150);
	start_holding(rig, sim, kPool);
	sim.silent_registrar = true;
	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(out.why == "no registration within 150 ms");
	CHECK(sim.uas == V{kPool});
}

TEST_CASE("accounts: baresip lost mid-swap fails the swap once and re-applies what is wanted")
{
	SimBaresip sim;
	Rig rig(sim);
	start_holding(rig, sim, kPool);
	sim.silent_registrar = true; // the swap waits for a registration
	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return rig.accounts.state() == AccountsState::Registering; }));

	// baresip restarts: its accounts are gone, only the file's remain (none).
	sim.peer.hang_up();
	sim.uas.clear();
	sim.current.clear();
	sim.silent_registrar = false;
	REQUIRE(run_until([&] { return out.calls == 1; }));
	CHECK_FALSE(out.ok);
	REQUIRE(run_until([&] { return rig.ready() && sim.uas == V{kPool}; }, 5000));
	run_for(50);
	CHECK(out.calls == 1);
	CHECK(rig.accounts.in_baresip() == kPool);
}

TEST_CASE("accounts: a swap asked for while offline fails at once, one asked during a swap waits")
{
	SimBaresip sim;
	Rig rig(sim);
	rig.accounts.want(line_of(kPool), kPool);
	Outcome offline;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", offline.done());
	CHECK(offline.calls == 1);
	CHECK_FALSE(offline.ok);
	CHECK(rig.accounts.wanted_aor() == kPool);

	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.ready() && !sim.uas.empty(); }));
	Outcome first, second;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", first.done());
	rig.accounts.swap(line_of(kPool), kPool, true, "logout", second.done());
	REQUIRE(run_until([&] { return first.calls == 1 && second.calls == 1 && rig.ready(); }));
	CHECK(first.ok);
	CHECK(second.ok);
	CHECK(sim.uas == V{kPool});
	for (const auto &l : sim.log)
		CHECK(l != "DELETED THE CURRENT ACCOUNT");
}

TEST_CASE("accounts: on_settled runs once the queue is done, not between queued swaps")
{
	// The agent's hook: a device profile's pool change that came while the
	// accounts were busy goes in when they settle (Agent::swap_pool_if_changed).
	SimBaresip sim;
	Rig rig(sim);
	start_holding(rig, sim, kPool);
	std::vector<std::string> settled_with; // what baresip held at each call
	rig.accounts.on_settled([&] { settled_with.push_back(rig.accounts.in_baresip()); });
	Outcome first, second;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", first.done());
	rig.accounts.swap(line_of(kPool), kPool, true, "logout", second.done());
	REQUIRE(run_until([&] { return second.calls == 1 && rig.ready(); }));
	REQUIRE(run_until([&] { return !settled_with.empty(); }));
	CHECK(first.ok);
	CHECK(second.ok);
	CHECK(settled_with == V{kPool}); // not after the first swap: the second was queued
}

TEST_CASE("accounts: every state x event pair, the unhandled ones are exactly the known set")
{
	// Command answers are tagged: one for a step that is over never arrives,
	// so these pairs cannot happen (and are logged as bugs if they did).
	const std::set<std::pair<AccountsState, AccountsEvent>> unreachable = {
	    {AccountsState::Offline, AccountsEvent::Listed},
	    {AccountsState::Offline, AccountsEvent::CommandOk},
	    {AccountsState::Offline, AccountsEvent::CommandFail},
	    {AccountsState::Listing, AccountsEvent::Up},
	    {AccountsState::Listing, AccountsEvent::CommandOk},
	    {AccountsState::Clearing, AccountsEvent::Up},
	    {AccountsState::Clearing, AccountsEvent::Listed},
	    {AccountsState::Adding, AccountsEvent::Up},
	    {AccountsState::Adding, AccountsEvent::Listed},
	    {AccountsState::Selecting, AccountsEvent::Up},
	    {AccountsState::Selecting, AccountsEvent::Listed},
	    {AccountsState::Registering, AccountsEvent::Up},
	    {AccountsState::Registering, AccountsEvent::Listed},
	    {AccountsState::Registering, AccountsEvent::CommandOk},
	    {AccountsState::Registering, AccountsEvent::CommandFail},
	    {AccountsState::Removing, AccountsEvent::Up},
	    {AccountsState::Removing, AccountsEvent::Listed},
	    {AccountsState::RollingBack, AccountsEvent::Up},
	    {AccountsState::RollingBack, AccountsEvent::Listed},
	    {AccountsState::Ready, AccountsEvent::Up},
	    {AccountsState::Ready, AccountsEvent::Listed},
	    {AccountsState::Ready, AccountsEvent::CommandOk},
	    {AccountsState::Ready, AccountsEvent::CommandFail},
	};
	std::set<std::pair<AccountsState, AccountsEvent>> handled;
	for (auto r = BaresipAccounts::table_begin(); r != BaresipAccounts::table_end(); ++r)
		handled.insert({r->from, r->event});
	for (int s = 0; s <= static_cast<int>(AccountsState::Ready); ++s)
		for (int e = 0; e <= static_cast<int>(AccountsEvent::Timeout); ++e) {
			const auto pair = std::make_pair(static_cast<AccountsState>(s),
			                                 static_cast<AccountsEvent>(e));
			INFO(accounts_state_name(pair.first)
			     << " x " << accounts_event_name(pair.second));
			CHECK(handled.count(pair) + unreachable.count(pair) == 1);
		}
}

TEST_CASE("accounts: a re-apply that finds the wanted account registered reports it at once")
{
	// hotdeskd reconnects to the same baresip (ctrl_tcp takes one client at
	// a time): the REGISTER_OK went by unseen and the next is a refresh away.
	SimBaresip sim;
	sim.uas = {kAlice};
	sim.current = kAlice;
	Rig rig(sim);
	std::vector<std::string> found;
	rig.accounts.on_found_registered([&](const std::string &aor) { found.push_back(aor); });
	rig.accounts.want(line_of(kAlice), kAlice);
	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.ready() && !found.empty(); }));
	CHECK(found == V{kAlice});
	CHECK(sim.uas == V{kAlice});
}

// ---- issue 16: the pool kept registered beside the person ----

namespace
{

const std::string kBob = "sip:101@127.0.0.1:5070";

// Holding the pool, kept: the listing the keep() causes is done.
void start_keeping_pool(Rig &rig, SimBaresip &sim)
{
	start_holding(rig, sim, kPool);
	rig.accounts.keep(line_of(kPool), kPool);
	REQUIRE(run_until([&] { return rig.ready(); }));
	sim.log.clear();
}

void swap_ok(Rig &rig, const std::string &aor, bool force_break = false)
{
	Outcome out;
	rig.accounts.swap(line_of(aor), aor, force_break, "t", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
}

bool deleted_current(const SimBaresip &sim)
{
	return std::find(sim.log.begin(), sim.log.end(), "DELETED THE CURRENT ACCOUNT") !=
	       sim.log.end();
}

} // namespace

TEST_CASE("accounts, pool kept: login keeps the pool, roam swaps the person, logout only "
          "removes the person")
{
	SimBaresip sim;
	Rig rig(sim);
	start_keeping_pool(rig, sim);
	CHECK(sim.log.empty()); // the pool was there: nothing to do

	swap_ok(rig, kAlice); // login
	CHECK(sim.log == V{"uanew " + kAlice, "uafind " + kAlice});
	CHECK(sim.uas == V{kPool, kAlice});
	CHECK(sim.current == kAlice);

	sim.log.clear();
	swap_ok(rig, kBob); // roam
	CHECK(sim.log == V{"uanew " + kBob, "uafind " + kBob, "uadel " + kAlice});
	CHECK(sim.uas == V{kPool, kBob});

	sim.log.clear();
	swap_ok(rig, kPool, true); // logout: the pool is there and registered
	CHECK(sim.log == V{"uafind " + kPool, "uadel " + kBob});
	CHECK(sim.uas == V{kPool});
	CHECK(rig.accounts.in_baresip() == kPool);
	CHECK_FALSE(deleted_current(sim));
}

TEST_CASE("accounts, pool kept: a refused login rolls back without touching the pool")
{
	SimBaresip sim;
	sim.refuse = {kAlice};
	Rig rig(sim);
	start_keeping_pool(rig, sim);
	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(sim.log ==
	      V{"uanew " + kAlice, "uafind " + kAlice, "uafind " + kPool, "uadel " + kAlice});
	CHECK(sim.uas == V{kPool});
}

TEST_CASE("accounts, pool kept: a re-apply adds the pool first and removes only strays")
{
	SimBaresip sim;
	sim.uas = {kStray};
	sim.current = kStray;
	Rig rig(sim);
	rig.accounts.want(line_of(kAlice), kAlice);
	rig.accounts.keep(line_of(kPool), kPool);
	REQUIRE(rig.ctrl.start().ok());
	REQUIRE(run_until([&] { return rig.ready() && sim.uas.size() == 2; }));
	// The census of what baresip holds comes first (uafind each, line/callstat).
	CHECK(sim.log == V{"uafind " + kStray, "uafind " + kStray, "uanew " + kPool,
	                   "uanew " + kAlice, "uafind " + kAlice, "uadel " + kStray});
	CHECK(sim.uas == V{kPool, kAlice});
	CHECK(sim.current == kAlice);
	CHECK(rig.accounts.holds(kPool));
}

TEST_CASE("accounts, pool kept: an emergency dial selects the pool and returns the selection")
{
	SimBaresip sim;
	Rig rig(sim);
	start_keeping_pool(rig, sim);
	swap_ok(rig, kAlice);
	sim.log.clear();
	rig.accounts.with_selected(
	    kPool, [&] { rig.ctrl.request("dial", "112", [](Expected<std::string>) {}); });
	rig.accounts.with_selected(
	    kAlice, [&] { rig.ctrl.request("dial", "101", [](Expected<std::string>) {}); });
	REQUIRE(run_until([&] { return sim.log.size() == 5; }));
	CHECK(sim.log == V{"uafind " + kPool, "dial 112 on " + kPool, "uafind " + kAlice,
	                   "uafind " + kAlice, "dial 101 on " + kAlice});
	CHECK(sim.current == kAlice);
	// An account baresip does not hold: the dial goes out on what is selected.
	sim.log.clear();
	rig.accounts.with_selected(
	    kStray, [&] { rig.ctrl.request("dial", "112", [](Expected<std::string>) {}); });
	REQUIRE(run_until([&] { return sim.log.size() == 1; }));
	CHECK(sim.log == V{"dial 112 on " + kAlice});
}

TEST_CASE("accounts, pool kept: the pool is never removed while current, and a callback that "
          "selected it changes nothing")
{
	SimBaresip sim;
	Rig rig(sim);
	start_keeping_pool(rig, sim);
	swap_ok(rig, kAlice);
	// A callback to the pool arrives: baresip selects the pool by itself.
	sim.current = kPool;
	sim.log.clear();
	swap_ok(rig, kBob); // a roam after the callback
	CHECK(sim.uas == V{kPool, kBob});
	CHECK_FALSE(deleted_current(sim));
	// The option is switched off while the person is on the phone, the pool
	// selected again: the pool goes, but only after the person is selected.
	sim.current = kPool;
	sim.log.clear();
	rig.accounts.keep("", "");
	REQUIRE(run_until([&] { return rig.ready() && sim.uas.size() == 1; }));
	CHECK(sim.log == V{"uafind " + kBob, "uadel " + kPool});
	CHECK(sim.uas == V{kBob});
	CHECK_FALSE(deleted_current(sim));
}

// Issue 14, kind 1: a device profile that changes only the pool's password or
// outbound proxy (same AOR) must leave one account in baresip, and the
// selected account is never the one deleted (uadel/uafind act on the first
// match of an AOR).
TEST_CASE("accounts: a change of the same AOR replaces the old account through a placeholder")
{
	SimBaresip sim;
	Rig rig(sim);
	start_holding(rig, sim, kPool);
	const std::string ph = BaresipAccounts::kPlaceholderAor;

	Outcome out;
	const std::string changed = "<" + kPool + ">;auth_pass=new-secret;regint=60";
	rig.accounts.swap(changed, kPool, false, "pool", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
	CHECK(sim.log == V{"uanew " + kPool, "uafind " + kPool, "uanew " + ph, "uafind " + ph,
	                   "uadel " + kPool, "uafind " + kPool, "uadel " + ph});
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK(rig.accounts.wanted_line() == changed);
}

TEST_CASE("accounts: a refused change of the same AOR puts the old line back, alone")
{
	SimBaresip sim;
	Rig rig(sim);
	start_holding(rig, sim, kPool);
	const std::string ph = BaresipAccounts::kPlaceholderAor;
	sim.refuse = {kPool};

	Outcome out;
	const std::string changed = "<" + kPool + ">;auth_pass=wrong-secret;regint=60";
	rig.accounts.swap(changed, kPool, false, "pool", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(sim.log == V{"uanew " + kPool, "uafind " + kPool, "uafind " + kPool, "uanew " + ph,
	                   "uafind " + ph, "uadel " + kPool, "uadel " + kPool, "uanew " + kPool,
	                   "uafind " + kPool, "uadel " + ph});
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK(rig.accounts.wanted_line() == line_of(kPool));
}

// The CI's flaky integration.pool_service: a new pool password arrived while
// the old account's REGISTER was still unanswered; its REGISTER_FAIL came
// during the swap, read as the new account's, and the swap put the refused
// line back. An old account that is not registered now goes first.
TEST_CASE("accounts: a same-AOR change of an unregistered account removes it first")
{
	SimBaresip sim;
	Rig rig(sim);
	sim.refuse = {kPool};
	start_holding(rig, sim, kPool);
	run_for(50); // its REGISTER_FAIL arrives
	sim.refuse.clear();
	const std::string ph = BaresipAccounts::kPlaceholderAor;

	Outcome out;
	const std::string changed = "<" + kPool + ">;auth_pass=new-secret;regint=60";
	rig.accounts.swap(changed, kPool, false, "pool", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
	CHECK(sim.log == V{"uanew " + ph, "uafind " + ph, "uadel " + kPool, "uanew " + kPool,
	                   "uafind " + kPool, "uadel " + ph});
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK_FALSE(deleted_current(sim));
	CHECK(rig.accounts.wanted_line() == changed);
}

TEST_CASE("accounts: the old account's late REGISTER_FAIL is not the new one's")
{
	SimBaresip sim;
	Rig rig(sim);
	sim.silent_registrar = true; // the old account's REGISTER is unanswered
	start_holding(rig, sim, kPool);
	sim.silent_registrar = false;
	// Its answer comes while the swap runs: with the swap's first command.
	bool answered = false;
	sim.before = [&sim, &answered](const Command &) {
		if (answered)
			return;
		answered = true;
		sim.peer.send_raw(netstring_encode(
		    R"({"event":true,"type":"REGISTER_FAIL","class":"register","accountaor":")" +
		    kPool + R"(","param":"401 Unauthorized"})"));
	};

	Outcome out;
	const std::string changed = "<" + kPool + ">;auth_pass=new-secret;regint=60";
	rig.accounts.swap(changed, kPool, false, "pool", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK(rig.accounts.wanted_line() == changed);
}

TEST_CASE("accounts: a refused same-AOR change after clearing keeps the new account alone")
{
	SimBaresip sim;
	Rig rig(sim);
	sim.refuse = {kPool}; // the old password and the new one
	start_holding(rig, sim, kPool);
	run_for(50);
	const std::string ph = BaresipAccounts::kPlaceholderAor;

	Outcome out;
	const std::string changed = "<" + kPool + ">;auth_pass=also-wrong;regint=60";
	rig.accounts.swap(changed, kPool, false, "pool", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(sim.log == V{"uanew " + ph, "uafind " + ph, "uadel " + kPool, "uanew " + kPool,
	                   "uafind " + kPool, "uafind " + kPool, "uadel " + ph});
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK_FALSE(deleted_current(sim));
	CHECK(rig.accounts.wanted_line() == changed);
}

TEST_CASE("accounts: a forced change of the same AOR keeps the new account even unregistered")
{
	SimBaresip sim;
	Rig rig(sim, 150);
	start_holding(rig, sim, kPool);
	const std::string ph = BaresipAccounts::kPlaceholderAor;
	sim.silent_registrar = true; // a re-registration while the registrar is away

	Outcome out;
	rig.accounts.swap(line_of(kPool), kPool, true, "refresh", out.done());
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK_FALSE(out.ok);
	CHECK(sim.log == V{"uanew " + kPool, "uafind " + kPool, "uafind " + kPool, "uanew " + ph,
	                   "uafind " + ph, "uadel " + kPool, "uafind " + kPool, "uadel " + ph});
	CHECK(sim.uas == V{kPool});
	CHECK(sim.current == kPool);
	CHECK(rig.accounts.wanted_line() == line_of(kPool));
}

// "Never a call cut by an identity change": a uadel of an account carrying a
// call waits for the call, in every path that deletes one (swap, rollback,
// same-AOR clearing, re-apply after keep() changed).
namespace
{

std::string join_log(const std::vector<std::string> &v)
{
	std::string out;
	for (const auto &l : v)
		out += l + "; ";
	return out;
}

struct CallsOn {
	std::set<std::string> aors;
	BaresipAccounts::CallGate gate()
	{
		return [this](const std::string &aor) { return aors.count(aor) > 0; };
	}
};

size_t count_of(const SimBaresip &sim, const std::string &entry)
{
	return static_cast<size_t>(std::count(sim.log.begin(), sim.log.end(), entry));
}

} // namespace

TEST_CASE("accounts: a call on the old account holds its uadel until the call ends")
{
	struct Case {
		const char *name;
		bool refuse_new; // the swap fails: the new account is the one to go
	};
	const Case cases[] = {{"login", false}, {"refused login", true}};
	for (const auto &c : cases) {
		CAPTURE(c.name);
		SimBaresip sim;
		if (c.refuse_new)
			sim.refuse = {kAlice};
		Rig rig(sim);
		CallsOn calls;
		rig.accounts.set_call_gate(calls.gate());
		start_holding(rig, sim, kPool);
		// An emergency call on the pool (or one to the account that goes).
		calls.aors = {c.refuse_new ? kAlice : kPool};
		Outcome out;
		rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
		REQUIRE(run_until([&] { return !rig.accounts.held_for_call().empty(); }));
		run_for(50); // nothing more goes while the call is up
		CHECK(out.calls == 0);
		CHECK(count_of(sim, "uadel " + *calls.aors.begin()) == 0);
		CHECK(rig.accounts.busy());
		// Another change asked for meanwhile queues behind it.
		Outcome later;
		rig.accounts.swap(line_of(kBob), kBob, false, "roam", later.done());
		run_for(20);
		CHECK(count_of(sim, "uanew " + kBob) == 0);
		// A call on another account ending changes nothing.
		rig.accounts.on_calls_changed();
		run_for(20);
		CHECK(out.calls == 0);

		calls.aors.clear();
		rig.accounts.on_calls_changed();
		REQUIRE(
		    run_until([&] { return out.calls == 1 && later.calls == 1 && rig.ready(); }));
		CHECK(out.ok == !c.refuse_new);
		CHECK(rig.accounts.held_for_call().empty());
		CHECK_FALSE(deleted_current(sim));
	}
}

TEST_CASE("accounts: a same-AOR change of an account carrying a call waits for the call")
{
	SimBaresip sim;
	Rig rig(sim);
	CallsOn calls;
	rig.accounts.set_call_gate(calls.gate());
	start_holding(rig, sim, kAlice);
	calls.aors = {kAlice};
	Outcome out;
	const std::string fresh = "<" + kAlice + ">;auth_pass=new-secret;regint=60";
	rig.accounts.swap(fresh, kAlice, false, "refresh", out.done());
	REQUIRE(run_until([&] { return !rig.accounts.held_for_call().empty(); }));
	CHECK(sim.uas.size() == 3); // old, new, the placeholder: nothing deleted
	CHECK(count_of(sim, "uadel " + kAlice) == 0);
	calls.aors.clear();
	rig.accounts.on_calls_changed();
	REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
	CHECK(out.ok);
	CHECK(sim.uas == V{kAlice});
	CHECK_FALSE(deleted_current(sim));
}

TEST_CASE("accounts, pool kept: turning the option off keeps the pool while a callback is up")
{
	SimBaresip sim;
	Rig rig(sim);
	CallsOn calls;
	rig.accounts.set_call_gate(calls.gate());
	start_keeping_pool(rig, sim);
	swap_ok(rig, kAlice);
	calls.aors = {kPool}; // an answered emergency callback to the pool
	sim.log.clear();
	rig.accounts.keep("", "");
	REQUIRE(run_until([&] { return rig.accounts.held_for_call() == kPool; }));
	run_for(50);
	CHECK(sim.uas == V{kPool, kAlice});
	calls.aors.clear();
	rig.accounts.on_calls_changed();
	REQUIRE(run_until([&] { return rig.ready() && sim.uas.size() == 1; }));
	CHECK(sim.uas == V{kAlice});
	CHECK_FALSE(deleted_current(sim));
}

TEST_CASE("accounts: baresip lost while a uadel waits for a call forgets the wait")
{
	SimBaresip sim;
	Rig rig(sim);
	CallsOn calls;
	rig.accounts.set_call_gate(calls.gate());
	start_holding(rig, sim, kPool);
	calls.aors = {kPool};
	Outcome out;
	rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
	REQUIRE(run_until([&] { return !rig.accounts.held_for_call().empty(); }));
	rig.accounts.on_down("test");
	REQUIRE(run_until([&] { return out.calls == 1; }));
	CHECK_FALSE(out.ok);
	CHECK(rig.accounts.held_for_call().empty());
	CHECK(rig.accounts.state() == AccountsState::Offline);
}

TEST_CASE("accounts: a dial while the placeholder is selected goes out on the next account")
{
	for (const bool kept : {false, true}) {
		CAPTURE(kept);
		SimBaresip sim;
		Rig rig(sim);
		sim.refuse = {kPool};
		start_holding(rig, sim, kPool);
		run_for(50); // its REGISTER_FAIL arrives: the change clears it first
		sim.refuse.clear();
		const std::string ph = BaresipAccounts::kPlaceholderAor;
		// The dial is typed the moment the placeholder's uafind went out.
		bool dialled = false;
		sim.before = [&](const Command &c) {
			if (dialled || c.command != "uafind" || c.params != ph)
				return;
			dialled = true;
			auto dial = [&] {
				rig.ctrl.request("dial", "112", [](Expected<std::string>) {});
			};
			if (kept)
				rig.accounts.with_selected(kPool, dial);
			else
				rig.accounts.when_dialable(dial);
		};
		Outcome out;
		const std::string changed = "<" + kPool + ">;auth_pass=new-secret;regint=60";
		rig.accounts.swap(changed, kPool, false, "pool", out.done());
		REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
		REQUIRE(dialled);
		const auto dial =
		    std::find_if(sim.log.begin(), sim.log.end(),
		                 [](const std::string &l) { return l.rfind("dial 112", 0) == 0; });
		REQUIRE(dial != sim.log.end());
		CHECK(*dial == "dial 112 on " + kPool);
		CHECK_FALSE(deleted_current(sim));
	}
}

TEST_CASE("accounts: the removal of an AOR's last account is reported, a same-AOR twin's not")
{
	SimBaresip sim;
	Rig rig(sim);
	std::vector<std::string> removed;
	rig.accounts.on_removed([&](const std::string &aor) { removed.push_back(aor); });
	start_holding(rig, sim, kPool);
	swap_ok(rig, kAlice); // login: the pool's account goes
	CHECK(removed == V{kPool});
	removed.clear();
	// A new password for the same AOR: the old twin goes, the AOR stays.
	swap_ok(rig, kAlice);
	CHECK(sim.uas == V{kAlice});
	CHECK(removed.empty());
}

TEST_CASE("accounts: while a uadel waits for a call, that call's commands and new dials reach "
          "the old account at once")
{
	SUBCASE("a login held by a call on the pool: commands select the pool, then the person")
	{
		SimBaresip sim;
		Rig rig(sim);
		CallsOn calls;
		rig.accounts.set_call_gate(calls.gate());
		start_holding(rig, sim, kPool);
		calls.aors = {kPool};
		Outcome out;
		rig.accounts.swap(line_of(kAlice), kAlice, false, "login", out.done());
		REQUIRE(run_until([&] { return rig.accounts.held_for_call() == kPool; }));
		sim.log.clear();
		rig.accounts.with_selected(
		    kPool, [&] { rig.ctrl.request("hangup", "", [](Expected<std::string>) {}); });
		REQUIRE(run_until([&] { return sim.log.size() == 3; }));
		INFO(join_log(sim.log));
		CHECK(sim.log == V{"uafind " + kPool, "hangup  on " + kPool, "uafind " + kAlice});
	}
	SUBCASE("a same-AOR change held by a call: the placeholder is selected for the whole call")
	{
		SimBaresip sim;
		Rig rig(sim);
		CallsOn calls;
		rig.accounts.set_call_gate(calls.gate());
		start_holding(rig, sim, kPool);
		calls.aors = {kPool};
		Outcome out;
		const std::string fresh = "<" + kPool + ">;auth_pass=new-secret;regint=60";
		rig.accounts.swap(fresh, kPool, false, "pool", out.done());
		REQUIRE(run_until([&] { return rig.accounts.held_for_call() == kPool; }));
		const std::string ph = BaresipAccounts::kPlaceholderAor;
		REQUIRE(sim.current == ph);
		sim.log.clear();
		rig.accounts.with_selected(
		    kPool, [&] { rig.ctrl.request("hangup", "", [](Expected<std::string>) {}); });
		rig.accounts.when_dialable(
		    [&] { rig.ctrl.request("dial", "112", [](Expected<std::string>) {}); });
		REQUIRE(run_until([&] { return sim.log.size() == 6; }));
		INFO(join_log(sim.log));
		CHECK(sim.log == V{"uafind " + kPool, "hangup  on " + kPool, "uafind " + ph,
		                   "uafind " + kPool, "dial 112 on " + kPool, "uafind " + ph});
		calls.aors.clear();
		rig.accounts.on_calls_changed();
		REQUIRE(run_until([&] { return out.calls == 1 && rig.ready(); }));
		CHECK(out.ok);
		CHECK(sim.uas == V{kPool});
		CHECK_FALSE(deleted_current(sim));
	}
}

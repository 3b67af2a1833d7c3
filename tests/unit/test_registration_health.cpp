// SPDX-License-Identifier: BSD-3-Clause
// RegistrationHealth applies the registration policy (core/registration_policy.h)
// to baresip's REGISTER events and keeps hotdeskd's own deadlines.
#include <doctest/doctest.h>

#include "agent/accounts/registration_health.h"
#include "re_loop.h"

#include <string>
#include <vector>

using namespace hotdesk;
using hotdesk::test::run_until;

namespace
{

const std::string kPool = "sip:HD0001@127.0.0.1:5070";

struct Seen {
	std::vector<std::string> service; // "up" or "down: <words>"
	std::vector<std::string> drops;   // "<words> | <why>"
	int reregisters = 0;
	bool allow_reregister = true;
	RegistrationHealth::Handlers handlers()
	{
		RegistrationHealth::Handlers h;
		h.service = [this](bool up, const std::string &w) {
			service.push_back(up ? "up" : "down: " + w);
		};
		h.changed = [] {};
		h.drop_person = [this](const std::string &w, const std::string &why) {
			drops.push_back(w + " | " + why);
		};
		h.reregister = [this] {
			++reregisters;
			return allow_reregister;
		};
		return h;
	}
};

CtrlMessage reg_event(const std::string &type, const std::string &param,
                      const std::string &aor = kPool)
{
	CtrlMessage m;
	m.kind = CtrlMessage::Event;
	m.klass = "register";
	m.type = type;
	m.aor = aor;
	m.param = param;
	return m;
}

} // namespace

TEST_CASE("registration health: each answer, for the pool and for a person")
{
	struct Case {
		const char *param;
		bool person;
		const char *word;
		const char *service;
		const char *drop;
	};
	const std::vector<Case> cases = {
	    {"200 OK", false, "registered", "up", ""},
	    {"401 Unauthorized", false, "failed", "down: Password refused (401)", ""},
	    {"401 Unauthorized", true, "failed", "down: Password refused (401)",
	     "Password refused (401) | registration refused: 401 Unauthorized"},
	    {"403 Forbidden", true, "failed", "down: Registration refused (403)",
	     "Registration refused (403) | registration refused: 403 Forbidden"},
	    {"423 Interval Too Brief", true, "failed", "down: Registration refused (423)", ""},
	    {"503 Service Unavailable", true, "failed", "down: Registrar busy (503)", ""},
	    {"Connection timed out", false, "failed", "down: Registrar not answering", ""},
	};
	for (const auto &c : cases) {
		INFO("param " << c.param << (c.person ? " (person)" : " (pool)"));
		Seen seen;
		RegistrationHealth h(seen.handlers(), 1000);
		const bool ok = std::string(c.param) == "200 OK";
		h.on_event(reg_event(ok ? "REGISTER_OK" : "REGISTER_FAIL", c.param), kPool,
		           c.person, false);
		CHECK(h.word() == c.word);
		REQUIRE(seen.service.size() == 1);
		CHECK(seen.service[0] == c.service);
		CHECK(seen.drops == (std::string(c.drop).empty()
		                         ? std::vector<std::string>{}
		                         : std::vector<std::string>{c.drop}));
	}
}

TEST_CASE("registration health: a swap's events and other accounts' only move the word")
{
	Seen seen;
	RegistrationHealth h(seen.handlers(), 1000);
	h.on_event(reg_event("REGISTER_FAIL", "401 Unauthorized"), kPool, true, true);
	CHECK(h.word() == "failed");
	h.on_event(reg_event("REGISTER_FAIL", "401 Unauthorized", "sip:100@x"), kPool, true, false);
	CHECK(seen.service.empty());
	CHECK(seen.drops.empty());
}

TEST_CASE("registration health: an unconfirmed registration fails at the deadline, then "
          "hotdeskd re-registers within its budget")
{
	Seen seen;
	RegistrationHealth h(seen.handlers(), 40, 20);
	h.expect(kPool);
	CHECK(h.word() == "registering");
	REQUIRE(run_until([&] { return h.word() == "failed"; }));
	CHECK(seen.service == std::vector<std::string>{"down: Registrar not answering"});
	REQUIRE(run_until([&] { return seen.reregisters >= 1; }));
	// The budget: at most kRetryBudget re-registrations in the window.
	run_until([&] { return false; }, 400);
	CHECK(seen.reregisters == static_cast<int>(RegistrationHealth::kRetryBudget));
	h.on_event(reg_event("REGISTER_OK", "200 OK"), kPool, false, false);
	CHECK(h.word() == "registered");
	CHECK(seen.service.back() == "up");
}

TEST_CASE("registration health: a re-registration that cannot run now does not count")
{
	Seen seen;
	seen.allow_reregister = false; // a call is up
	RegistrationHealth h(seen.handlers(), 20, 10);
	h.expect(kPool);
	run_until([&] { return false; }, 300);
	CHECK(seen.reregisters > static_cast<int>(RegistrationHealth::kRetryBudget));
}

TEST_CASE("registration health: refusals are not retried by hotdeskd")
{
	Seen seen;
	RegistrationHealth h(seen.handlers(), 1000, 10);
	h.on_event(reg_event("REGISTER_FAIL", "503 Service Unavailable"), kPool, false, false);
	h.on_event(reg_event("REGISTER_FAIL", "403 Forbidden"), kPool, false, false);
	run_until([&] { return false; }, 100);
	CHECK(seen.reregisters == 0);
}

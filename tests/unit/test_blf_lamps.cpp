// SPDX-License-Identifier: BSD-3-Clause
// BlfLamps (agent/keys/blf_lamps.h) on a fake SIP subscriber and fake
// timers: subscriptions follow the identity, NOTIFY bodies drive the states,
// refusals leave the lamp unknown and retry with a growing, jittered delay.
#include <doctest/doctest.h>

#include "agent/keys/blf_keys.h"
#include "agent/keys/blf_lamps.h"

#include <map>
#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

struct FakeSubscriber : DialogSubscriber {
	Handlers h;
	std::map<uint64_t, DialogWatch> live;
	std::vector<DialogWatch> sent; // every SUBSCRIBE, in order
	std::vector<uint64_t> ended;   // unsubscribe() calls
	uint64_t next = 1;
	void set_handlers(Handlers hs) override { h = std::move(hs); }
	Expected<uint64_t> subscribe(const DialogWatch &w) override
	{
		sent.push_back(w);
		live[next] = w;
		return next++;
	}
	void unsubscribe(uint64_t id) override
	{
		ended.push_back(id);
		live.erase(id);
	}
	size_t count() const override { return live.size(); }
	uint64_t id_of(const std::string &target) const
	{
		for (const auto &[id, w] : live)
			if (w.target == target)
				return id;
		return 0;
	}
	void notify(const std::string &target, const std::string &body, bool active = true)
	{
		h.notify(id_of(target), body, active);
	}
	void refuse(const std::string &target, int scode)
	{
		const uint64_t id = id_of(target);
		live.erase(id);
		h.closed(id, DialogWatchEnd{scode, false, std::to_string(scode)});
	}
};

struct FakeTimers : WatchTimers {
	std::function<void(const std::string &)> h;
	std::map<std::string, uint64_t> running;
	void set_handler(std::function<void(const std::string &)> f) override { h = std::move(f); }
	void start(const std::string &ext, uint64_t ms) override { running[ext] = ms; }
	void stop(const std::string &ext) override { running.erase(ext); }
	void fire(const std::string &ext)
	{
		running.erase(ext);
		h(ext);
	}
};

Identity person(const std::string &ext, const std::string &pw)
{
	return Identity{false, ext, "", ext, pw, "pbx:5060"};
}

std::string body(unsigned version, const std::string &dialogs)
{
	return "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"" +
	       std::to_string(version) + "\" state=\"full\" entity=\"sip:102@pbx\">" + dialogs +
	       "</dialog-info>";
}

std::string dialog(const std::string &state)
{
	return "<dialog id=\"d1\" direction=\"recipient\"><state>" + state + "</state></dialog>";
}

struct World {
	FakeSubscriber sip;
	FakeTimers timers;
	std::vector<std::pair<std::string, BlfState>> changes;
	BlfLamps lamps{sip, timers, BlfLampsOptions{600, {1000, 8000}, 42},
	               [this](const std::string &e, BlfState s) { changes.emplace_back(e, s); }};
};

} // namespace

TEST_CASE("blf lamps: one subscription per monitored extension, with the identity's credentials")
{
	World w;
	w.lamps.follow(person("100", "pw100"), {"101", "102", "101"});
	REQUIRE(w.sip.sent.size() == 2);
	CHECK(w.sip.sent[0].target == "sip:101@pbx:5060");
	CHECK(w.sip.sent[1].target == "sip:102@pbx:5060");
	CHECK(w.sip.sent[0].from == "sip:100@pbx:5060");
	CHECK(w.sip.sent[0].user == "100");
	CHECK(w.sip.sent[0].password == "pw100");
	CHECK(w.lamps.state("102") == BlfState::Unknown);
}

TEST_CASE("blf lamps: ringing, busy, idle from the NOTIFY bodies; old versions ignored")
{
	World w;
	w.lamps.follow(person("100", "pw"), {"102"});
	const std::string t = "sip:102@pbx:5060";
	struct Step {
		unsigned version;
		std::string dialogs;
		BlfState want;
	};
	const std::vector<Step> steps = {
	    {0, "", BlfState::Idle},
	    {1, dialog("early"), BlfState::Ringing},
	    {2, dialog("confirmed"), BlfState::Busy},
	    {2, dialog("early"), BlfState::Busy}, // same version again: old news
	    {1, "", BlfState::Busy},              // older: ignored
	    {3, dialog("terminated"), BlfState::Idle},
	};
	for (const auto &s : steps) {
		CAPTURE(s.version);
		w.sip.notify(t, body(s.version, s.dialogs));
		CHECK(w.lamps.state("102") == s.want);
	}
	const std::vector<std::pair<std::string, BlfState>> want = {{"102", BlfState::Idle},
	                                                            {"102", BlfState::Ringing},
	                                                            {"102", BlfState::Busy},
	                                                            {"102", BlfState::Idle}};
	CHECK(w.changes == want);
	// A body that is not dialog-info changes nothing.
	w.sip.notify(t, "<presence/>");
	CHECK(w.lamps.state("102") == BlfState::Idle);
}

TEST_CASE("blf lamps: a NOTIFY without a body: idle when active (kamailio), nothing when pending")
{
	World w;
	w.lamps.follow(person("100", "pw"), {"102"});
	const std::string t = "sip:102@pbx:5060";
	w.sip.notify(t, "", false);
	CHECK(w.lamps.state("102") == BlfState::Unknown);
	w.sip.notify(t, "", true);
	CHECK(w.lamps.state("102") == BlfState::Idle);
	w.sip.notify(t, body(1, dialog("early")));
	w.sip.notify(t, "", true);
	CHECK(w.lamps.state("102") == BlfState::Idle);
}

TEST_CASE("blf lamps: partial NOTIFYs merge by dialog id")
{
	World w;
	w.lamps.follow(person("100", "pw"), {"102"});
	const std::string t = "sip:102@pbx:5060";
	w.sip.notify(t, body(0, "<dialog id=\"a\"><state>confirmed</state></dialog>"));
	const std::string partial = "<dialog-info version=\"1\" state=\"partial\">"
	                            "<dialog id=\"b\"><state>early</state></dialog></dialog-info>";
	w.sip.notify(t, partial);
	CHECK(w.lamps.state("102") == BlfState::Ringing);
	w.sip.notify(t, "<dialog-info version=\"2\" state=\"partial\">"
	                "<dialog id=\"b\"><state>terminated</state></dialog></dialog-info>");
	CHECK(w.lamps.state("102") == BlfState::Busy); // dialog a is still up
}

TEST_CASE("blf lamps: a refusal leaves the lamp unknown and retries with backoff, no storm")
{
	for (int code : {403, 404, 489, 0}) {
		CAPTURE(code);
		World w;
		w.lamps.follow(person("100", "pw"), {"102"});
		const std::string t = "sip:102@pbx:5060";
		w.sip.notify(t, body(0, dialog("confirmed")));
		REQUIRE(w.lamps.state("102") == BlfState::Busy);
		std::vector<uint64_t> delays;
		for (int i = 0; i < 6; ++i) {
			w.sip.refuse(t, code);
			CHECK(w.lamps.state("102") == BlfState::Unknown);
			CHECK(w.sip.count() == 0); // nothing until the timer fires
			REQUIRE(w.timers.running.count("102"));
			delays.push_back(w.timers.running["102"]);
			w.timers.fire("102");
			CHECK(w.sip.count() == 1);
		}
		// Equal jitter: within [ceiling/2, ceiling], ceilings 1, 2, 4, 8, 8, 8 s.
		const uint64_t ceil[] = {1000, 2000, 4000, 8000, 8000, 8000};
		for (size_t i = 0; i < delays.size(); ++i) {
			CHECK(delays[i] >= ceil[i] / 2);
			CHECK(delays[i] <= ceil[i]);
		}
		CHECK(w.sip.sent.size() == 7);
		// A NOTIFY again: the next failure starts from the first step.
		w.sip.notify(t, body(0, ""));
		w.sip.refuse(t, code);
		CHECK(w.timers.running["102"] <= 1000);
	}
}

TEST_CASE("blf lamps: subscriptions follow the identity: logout, login, roam, same list")
{
	World w;
	w.lamps.follow(person("HD0001", "pool"), {"200"});
	REQUIRE(w.sip.count() == 1);
	w.sip.notify("sip:200@pbx:5060", body(0, dialog("confirmed")));
	// Login as 100 with keys for 101 and 200: every subscription made anew.
	w.lamps.follow(person("100", "pw100"), {"101", "200"});
	CHECK(w.sip.ended.size() == 1);
	CHECK(w.sip.count() == 2);
	CHECK(w.lamps.state("200") == BlfState::Unknown); // no NOTIFY for 100 yet
	for (const auto &[id, watch] : w.sip.live)
		CHECK(watch.from == "sip:100@pbx:5060");
	// Same identity, another list: only the difference.
	const size_t sent = w.sip.sent.size();
	w.lamps.follow(person("100", "pw100"), {"101", "102"});
	CHECK(w.sip.sent.size() == sent + 1);
	CHECK(w.sip.sent.back().target == "sip:102@pbx:5060");
	CHECK(w.sip.count() == 2);
	// Roam to 101: all anew.
	w.lamps.follow(person("101", "pw101"), {"100"});
	CHECK(w.sip.count() == 1);
	CHECK(w.sip.live.begin()->second.from == "sip:101@pbx:5060");
	// A timer of an extension no longer watched does nothing.
	w.timers.h("102");
	CHECK(w.sip.count() == 1);
	w.lamps.stop();
	CHECK(w.sip.count() == 0);
	CHECK(w.timers.running.empty());
}

TEST_CASE("blf lamps: only extensions with a key are monitored, and the display line shows them")
{
	// 4 BLF keys, BLF 1 logs out: 3 keys for 5 entries.
	BlfLayout l = blf_layout(KeyGeometry{4, 1, 0}, LogoutKey{},
	                         {{"101", "", "Bob"},
	                          {"102", "", ""},
	                          {"103", "", "Dave"},
	                          {"104", "", ""},
	                          {"105", "", ""}});
	KeyLayout k(l);
	const std::vector<std::string> want = {"101", "102", "103"};
	CHECK(BlfKeys::monitored(k) == want);
	CHECK(blf_states_line(k) == "Bob ?  102 ?  Dave ?");
	k.set_state("101", BlfState::Busy);
	k.set_state("102", BlfState::Ringing);
	k.set_state("103", BlfState::Idle);
	CHECK(blf_states_line(k) == "Bob busy  102 ring  Dave idle");
	CHECK(k.lamp(2) == Lamp::On);
	CHECK(k.lamp(3) == Lamp::Blink);
	CHECK(k.lamp(4) == Lamp::Off);
}

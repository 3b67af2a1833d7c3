// SPDX-License-Identifier: BSD-3-Clause
// The on-site notification of an emergency call (issue 16): its body, its
// order ahead of the status push, and its bounded retries.
#include <doctest/doctest.h>

#include "re_loop.h"

#include "agent/pbx/emergency_notice.h"
#include "agent/status/status_push.h"
#include "platform/re/re_cxx.h"

#include <string>
#include <vector>

using namespace hotdesk;
using hotdesk::test::run_for;
using hotdesk::test::run_until;

namespace
{

// Records every request to the PBX, notices and status pushes alike, in the
// order they were sent; the test answers them when it wants to.
struct FakePbx {
	struct Call {
		HttpRequest req;
		HttpClient::Done done;
	};
	std::vector<Call> calls;

	std::function<void(HttpRequest, HttpClient::Done)> sender()
	{
		return [this](HttpRequest r, HttpClient::Done d) {
			calls.push_back({std::move(r), std::move(d)});
		};
	}
	bool is_notice(size_t i) const
	{
		return calls.at(i).req.url.find("/emergency") != std::string::npos;
	}
	void answer(size_t i, long status)
	{
		HttpResponse r;
		r.status = status;
		auto done = std::move(calls.at(i).done);
		done(r);
	}
	void fail(size_t i)
	{
		auto done = std::move(calls.at(i).done);
		done(make_error("http", "connection refused"));
	}
};

EmergencyNoticeConfig config()
{
	EmergencyNoticeConfig c;
	c.pbx.base_url = "https://127.0.0.1:8443/";
	c.pbx.device_id = "02:00:00:00:00:01";
	c.pbx.token = "device-token";
	c.pbx.ca_file = "/etc/hotdesk/pbx-ca.pem";
	c.first_backoff_ms = 10;
	c.max_backoff_ms = 40;
	c.max_attempts = 3;
	return c;
}

EmergencyCall call_112(const std::string &occupant = "100")
{
	EmergencyCall c;
	c.number = "112";
	c.pool_ext = "HD0001";
	c.occupant_ext = occupant;
	c.occupant_name = occupant.empty() ? "" : "Alice \"Al\" Example";
	c.time_iso = "2026-11-30T12:00:00Z";
	c.location.country = "DE";
	c.location.A3 = "Berlin";
	c.location.RD = "Musterstrasse";
	c.location.HNO = "12";
	c.location.BLD = "B";
	c.location.FLR = "2";
	c.location.ROOM = "2.14";
	c.callback = "+4930123456";
	return c;
}

std::string str_at(const std::string &json, const char *object, const char *key)
{
	ReRef<struct odict> o;
	REQUIRE(json_decode_odict(o.out(), 16, json.data(), json.size(), 4) == 0);
	if (!object)
		return odict_str(o.get(), key);
	const struct odict_entry *e = odict_get_type(o.get(), ODICT_OBJECT, object);
	return e ? odict_str(e->u.odict, key) : std::string("(absent)");
}

StatusPushConfig push_config()
{
	StatusPushConfig c;
	c.pbx_url = "https://127.0.0.1:8443";
	c.mac = "02:00:00:00:00:01";
	c.token = "device-token";
	c.first_backoff_ms = 10;
	c.max_backoff_ms = 40;
	return c;
}

StatusSnapshot snap(uint64_t seq)
{
	StatusSnapshot s;
	s.state = "logged-in";
	s.seq = seq;
	return s;
}

} // namespace

TEST_CASE("emergency notice: the body carries device, pool, number, time, occupant, location")
{
	const std::string j = render_emergency_json("02:00:00:00:00:01", call_112());
	CHECK(str_at(j, nullptr, "event") == "emergency_call");
	CHECK(str_at(j, nullptr, "device") == "02:00:00:00:00:01");
	CHECK(str_at(j, nullptr, "pool_ext") == "HD0001");
	CHECK(str_at(j, nullptr, "number") == "112");
	CHECK(str_at(j, nullptr, "time") == "2026-11-30T12:00:00Z");
	CHECK(str_at(j, nullptr, "callback") == "+4930123456");
	CHECK(str_at(j, "occupant", "ext") == "100");
	CHECK(str_at(j, "occupant", "name") == "Alice \"Al\" Example");
	CHECK(str_at(j, "location", "country") == "DE");
	CHECK(str_at(j, "location", "ROOM") == "2.14");
	CHECK(str_at(j, "location", "A1") == "");
	// Nobody logged in: occupant is null.
	const std::string idle = render_emergency_json("02:00:00:00:00:01", call_112(""));
	CHECK(idle.find("\"occupant\":null") != std::string::npos);
}

TEST_CASE("emergency notice: goes out at once, ahead of a status push queued behind it")
{
	FakePbx pbx;
	EmergencyNotifier n(pbx.sender(), config());
	StatusPush push(pbx.sender(), push_config());
	n.on_released([&] { push.hold(false); });

	// What the agent does on an emergency dial: hold the push, notify.
	push.hold(true);
	n.notify(call_112());
	push.publish(snap(7)); // the screen changed: a new status is due
	REQUIRE(pbx.calls.size() == 1);
	CHECK(pbx.is_notice(0));
	const HttpRequest &r = pbx.calls[0].req;
	CHECK(r.method == "POST");
	CHECK(r.url == "https://127.0.0.1:8443/api/v1/devices/02:00:00:00:00:01/emergency");
	CHECK(r.ca_file == "/etc/hotdesk/pbx-ca.pem");
	CHECK(n.holding());
	// The PBX took the notice: now the status goes.
	pbx.answer(0, 200);
	CHECK_FALSE(n.holding());
	CHECK(n.delivered() == 1);
	REQUIRE(pbx.calls.size() == 2);
	CHECK_FALSE(pbx.is_notice(1));
}

TEST_CASE("emergency notice: a failing PBX gets bounded retries, then the status goes on")
{
	FakePbx pbx;
	EmergencyNotifier n(pbx.sender(), config()); // max_attempts 3
	StatusPush push(pbx.sender(), push_config());
	n.on_released([&] { push.hold(false); });
	push.hold(true);
	n.notify(call_112());
	push.publish(snap(8));
	REQUIRE(pbx.calls.size() == 1);
	pbx.fail(0); // attempt 1: connection refused
	CHECK(n.holding());
	REQUIRE(run_until([&] { return pbx.calls.size() == 2; }, 1000));
	CHECK(pbx.is_notice(1));
	pbx.answer(1, 503); // attempt 2
	REQUIRE(run_until([&] { return pbx.calls.size() == 3; }, 1000));
	CHECK(pbx.is_notice(2));
	CHECK(n.attempts() == 3);
	pbx.fail(2); // attempt 3 of 3: given up
	CHECK_FALSE(n.holding());
	CHECK(n.dropped() == 1);
	REQUIRE(pbx.calls.size() == 4);
	CHECK_FALSE(pbx.is_notice(3)); // the held status push
	run_for(100);
	CHECK(pbx.calls.size() == 4); // no further notice attempt
}

TEST_CASE("emergency notice: a retry that succeeds delivers; several notices go in order")
{
	FakePbx pbx;
	EmergencyNotifier n(pbx.sender(), config());
	n.notify(call_112());
	EmergencyCall second = call_112();
	second.number = "911";
	n.notify(second);
	REQUIRE(pbx.calls.size() == 1); // one at a time
	pbx.answer(0, 502);
	REQUIRE(run_until([&] { return pbx.calls.size() == 2; }, 1000));
	CHECK(str_at(pbx.calls[1].req.body, nullptr, "number") == "112");
	pbx.answer(1, 200);
	REQUIRE(pbx.calls.size() == 3);
	CHECK(str_at(pbx.calls[2].req.body, nullptr, "number") == "911");
	CHECK(n.attempts() == 1); // the second starts its own count
	pbx.answer(2, 200);
	CHECK(n.delivered() == 2);
	CHECK_FALSE(n.holding());
}

TEST_CASE("emergency notice: a 400/422 is not retried")
{
	FakePbx pbx;
	EmergencyNotifier n(pbx.sender(), config());
	n.notify(call_112());
	pbx.answer(0, 422);
	run_for(60);
	CHECK(pbx.calls.size() == 1);
	CHECK(n.dropped() == 1);
	CHECK_FALSE(n.holding());
}

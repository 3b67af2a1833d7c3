// SPDX-License-Identifier: BSD-3-Clause
#include <doctest/doctest.h>

#include "agent/status/status_push.h"
#include "status_support.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

// Records requests; the test answers them when it wants to.
struct FakePbx {
	struct Call {
		HttpRequest req;
		HttpClient::Done done;
		uint64_t seq;
	};
	std::vector<Call> calls;

	StatusPush::Sender sender()
	{
		return [this](HttpRequest r, HttpClient::Done d) {
			const uint64_t seq = parse_status_json(r.body)->seq;
			calls.push_back({std::move(r), std::move(d), seq});
		};
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

StatusPushConfig config()
{
	StatusPushConfig c;
	c.pbx_url = "https://127.0.0.1:8443/";
	c.mac = "02:00:00:00:00:01";
	c.token = "device-token";
	c.ca_file = "/etc/hotdesk/pbx-ca.pem";
	c.first_backoff_ms = 20;
	c.max_backoff_ms = 80;
	return c;
}

StatusSnapshot snap(uint64_t seq)
{
	StatusSnapshot s;
	s.state = "idle";
	s.seq = seq;
	return s;
}

} // namespace

TEST_CASE("status push: posts the JSON to the device's status URL with the token")
{
	FakePbx pbx;
	StatusPush push(pbx.sender(), config());
	push.publish(snap(1));
	REQUIRE(pbx.calls.size() == 1);
	const HttpRequest &r = pbx.calls[0].req;
	CHECK(r.method == "POST");
	CHECK(r.url == "https://127.0.0.1:8443/api/v1/devices/02:00:00:00:00:01/status");
	CHECK(r.ca_file == "/etc/hotdesk/pbx-ca.pem");
	REQUIRE(r.headers.size() == 1);
	CHECK(r.headers[0] == "Authorization: Bearer device-token");
	CHECK(pbx.calls[0].seq == 1);
	pbx.answer(0, 204);
	CHECK(push.delivered_seq() == 1);
	CHECK(push.pending_seq() == 0);
	CHECK_FALSE(push.in_flight());
}

TEST_CASE("status push: newest wins while a request is in flight")
{
	FakePbx pbx;
	StatusPush push(pbx.sender(), config());
	push.publish(snap(1));
	push.publish(snap(2));
	push.publish(snap(4));
	push.publish(snap(3)); // older than what is pending: ignored
	REQUIRE(pbx.calls.size() == 1);
	pbx.answer(0, 200); // success for 1 does not cancel 4
	REQUIRE(pbx.calls.size() == 2);
	CHECK(pbx.calls[1].seq == 4);
	pbx.answer(1, 200);
	CHECK(pbx.calls.size() == 2);
	CHECK(push.delivered_seq() == 4);
	push.publish(snap(4)); // already delivered
	CHECK(pbx.calls.size() == 2);
}

TEST_CASE("status push: failures are retried with backoff, sending the newest")
{
	FakePbx pbx;
	StatusPush push(pbx.sender(), config());
	push.publish(snap(1));
	pbx.fail(0);
	CHECK(push.waiting_to_retry());
	push.publish(snap(2)); // waits for the retry timer, no hammering
	CHECK(pbx.calls.size() == 1);
	REQUIRE(test::run_loop_until([&] { return pbx.calls.size() == 2; }, 2000));
	CHECK(pbx.calls[1].seq == 2);
	pbx.answer(1, 503);
	CHECK(push.failures() == 2);
	REQUIRE(test::run_loop_until([&] { return pbx.calls.size() == 3; }, 2000));
	pbx.answer(2, 200);
	CHECK(push.failures() == 0);
	CHECK(push.delivered_seq() == 2);
	CHECK_FALSE(push.waiting_to_retry());
}

TEST_CASE("status push: a 400 is not retried")
{
	FakePbx pbx;
	StatusPush push(pbx.sender(), config());
	push.publish(snap(5));
	pbx.answer(0, 400);
	CHECK_FALSE(push.waiting_to_retry());
	CHECK(push.pending_seq() == 0);
	push.publish(snap(6));
	CHECK(pbx.calls.size() == 2);
}

TEST_CASE("status push: backoff grows, is capped and jittered")
{
	FakePbx pbx;
	StatusPushConfig c = config();
	c.first_backoff_ms = 500;
	c.max_backoff_ms = 30000;
	StatusPush push(pbx.sender(), c);
	for (int i = 0; i < 20; ++i) {
		const unsigned first = push.backoff_ms(1);
		CHECK(first >= 250);
		CHECK(first <= 500);
		const unsigned third = push.backoff_ms(3);
		CHECK(third >= 1000);
		CHECK(third <= 2000);
		const unsigned late = push.backoff_ms(40);
		CHECK(late >= 15000);
		CHECK(late <= 30000);
	}
}

TEST_CASE("status push: an answer after destruction is ignored")
{
	FakePbx pbx;
	{
		StatusPush push(pbx.sender(), config());
		push.publish(snap(1));
	}
	pbx.answer(0, 200); // must not touch the destroyed object
	CHECK(pbx.calls.size() == 1);
}

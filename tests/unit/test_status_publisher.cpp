// SPDX-License-Identifier: BSD-3-Clause
// StatusPublisher: one snapshot for poll and push; seq moves only on change.
#include <doctest/doctest.h>

#include "agent/status/status_publisher.h"

#include <memory>
#include <vector>

using namespace hotdesk;

namespace
{

StatusFacts idle()
{
	StatusFacts f;
	f.pool_ext = "HD0001";
	f.state = "idle";
	f.registration = "registered";
	return f;
}

} // namespace

TEST_CASE("status publisher: a change is published once and the poll sees what was pushed")
{
	std::vector<StatusSnapshot> pushed;
	auto push = std::make_unique<StatusPush>(
	    [&](HttpRequest req, HttpClient::Done done) {
		    pushed.push_back(parse_status_json(req.body).value());
		    HttpResponse ok;
		    ok.status = 200;
		    done(ok);
	    },
	    StatusPushConfig{"https://pbx.test", "00:11:22:33:44:55", "t", ""});
	StatusPublisher pub("00:11:22:33:44:55", std::move(push));

	pub.update(idle());
	pub.update(idle()); // nothing changed: no new seq, no push
	REQUIRE(pushed.size() == 1);
	const StatusSnapshot first = pub.current();
	CHECK(first.seq == pushed[0].seq);
	CHECK(first.state == "idle");
	CHECK(first.device_id == "00:11:22:33:44:55");

	StatusFacts in = idle();
	in.state = "logged-in";
	in.user_ext = "100";
	in.user_name = "Alice Example";
	pub.update(in);
	REQUIRE(pushed.size() == 2);
	const StatusSnapshot second = pub.current();
	CHECK(second.seq == first.seq + 1);
	CHECK(second.user_ext == "100");
	CHECK(pushed[1].seq == second.seq);
	CHECK(pushed[1].user_ext == "100");
}

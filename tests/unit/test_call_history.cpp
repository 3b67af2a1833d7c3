// SPDX-License-Identifier: BSD-3-Clause
// One person's call history (agent/core/call_history.h).
#include <doctest/doctest.h>

#include "agent/core/call_history.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

CallRecord rec(CallKind k, const std::string &number, const std::string &name = "")
{
	CallRecord r;
	r.kind = k;
	r.number = number;
	r.name = name;
	return r;
}

using V = std::vector<std::string>;

} // namespace

TEST_CASE("call history: newest first, the last 20 only")
{
	CallHistory h;
	for (int i = 0; i < 25; ++i)
		h.add(rec(CallKind::Dialled, std::to_string(100 + i)), false);
	REQUIRE(h.entries().size() == CallHistory::kMax);
	CHECK(h.entries().front().number == "124");
	CHECK(h.entries().back().number == "105");
	CHECK(h.last_dialled() == "124");
	CHECK(h.missed_unseen() == 0);
	CHECK(h.idle_line().empty());
}

TEST_CASE("call history: the missed count until the person looks")
{
	CallHistory h;
	h.add(rec(CallKind::Missed, "200"), true);
	CHECK(h.idle_line() == "1 missed call");
	h.add(rec(CallKind::Missed, "201"), false);  // rejected: seen
	h.add(rec(CallKind::Received, "202"), true); // not missed: not counted
	h.add(rec(CallKind::Missed, "203"), true);
	CHECK(h.missed_unseen() == 2);
	CHECK(h.idle_line() == "2 missed calls");
	CHECK(h.on_key(Key::of(KeyKind::Down))); // opens
	CHECK(h.browsing());
	CHECK(h.missed_unseen() == 0);
	CHECK(h.idle_line().empty());
}

TEST_CASE("call history: browsing with up and down")
{
	CallHistory h;
	CHECK_FALSE(h.on_key(Key::of(KeyKind::Cancel)));
	CHECK(h.on_key(Key::of(KeyKind::Up)));
	CHECK(h.lines() == V{"Call history", "No calls"});
	CHECK(h.selected() == nullptr);
	h.close();

	h.add(rec(CallKind::Dialled, "300"), false);
	h.add(rec(CallKind::Received, "201", "Bob Example"), false);
	h.add(rec(CallKind::Missed, "200"), true);
	CHECK_FALSE(h.browsing());
	CHECK(h.selected() == nullptr);
	CHECK(h.on_key(Key::of(KeyKind::Down)));
	REQUIRE(h.selected());
	CHECK(h.selected()->number == "200");
	CHECK(h.lines() == V{"200", "Missed               1/3"});
	CHECK(h.on_key(Key::of(KeyKind::Down)));
	CHECK(h.lines() == V{"Bob Example", "Received 201         2/3"});
	CHECK(h.on_key(Key::of(KeyKind::Down)));
	CHECK(h.on_key(Key::of(KeyKind::Down))); // stays on the oldest
	CHECK(h.lines() == V{"300", "Dialled              3/3"});
	CHECK(h.on_key(Key::of(KeyKind::Up)));
	CHECK(h.selected()->number == "201");
	// A call that ends while browsing keeps the cursor on the same entry.
	h.add(rec(CallKind::Missed, "204"), true);
	CHECK(h.selected()->number == "201");
	CHECK(h.cursor() == 2);
	// Send/ok: the agent redials selected(); the key is not the history's.
	CHECK_FALSE(h.on_key(Key::of(KeyKind::Send)));
	CHECK_FALSE(h.browsing());
	CHECK(h.on_key(Key::of(KeyKind::Up)));
	CHECK(h.on_key(Key::of(KeyKind::Cancel)));
	CHECK_FALSE(h.browsing());
	CHECK_FALSE(h.on_key(Key::dig('5')));
	for (const auto &l : h.lines())
		CHECK(l.size() <= 24);
}

TEST_CASE("call history: wiped at logout")
{
	CallHistory h;
	h.add(rec(CallKind::Missed, "200", "Bob"), true);
	h.add(rec(CallKind::Dialled, "300"), false);
	h.open();
	h.wipe();
	CHECK(h.entries().empty());
	CHECK(h.missed_unseen() == 0);
	CHECK_FALSE(h.browsing());
	CHECK(h.last_dialled().empty());
	CHECK(h.selected() == nullptr);
}

TEST_CASE("call history: hostile names and numbers are bounded")
{
	CallHistory h;
	h.add(rec(CallKind::Missed, std::string(1000, '1'), std::string(1000, 'x') + "\x1b[2J"),
	      true);
	CHECK(h.entries().front().number.size() <= 64);
	CHECK(h.entries().front().name.size() <= 64);
	CHECK(h.entries().front().name.find('\x1b') == std::string::npos);
}

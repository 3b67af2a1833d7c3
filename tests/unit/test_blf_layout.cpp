// SPDX-License-Identifier: BSD-3-Clause
// BLF layout: the reserved logout key (3CX: BLF 1), logout on a softkey or
// by code, overflow, pages, what a pressed key does (dial, pickup while it
// rings), lamps and labels; and Session using the layout.
#include <doctest/doctest.h>

#include "agent/core/blf_layout.h"
#include "agent/core/session.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

std::vector<BlfItem> items(int n, const std::string &pickup = "")
{
	std::vector<BlfItem> out;
	for (int i = 0; i < n; ++i)
		out.push_back(
		    BlfItem{std::to_string(201 + i), pickup, "User " + std::to_string(201 + i)});
	return out;
}

LogoutKey blf1()
{
	return LogoutKey{};
}
LogoutKey soft(int n)
{
	return LogoutKey{LogoutKey::Softkey, n};
}
LogoutKey none()
{
	return LogoutKey{LogoutKey::None, 0};
}

// "L" logout, "-" empty, "<item index>" a BLF, per key; pages split by "|".
std::string picture(const BlfLayout &l)
{
	std::string s;
	for (size_t p = 0; p < l.pages.size(); ++p) {
		if (p)
			s += "|";
		for (size_t k = 0; k < l.pages[p].size(); ++k) {
			if (k)
				s += " ";
			const BlfSlot &slot = l.pages[p][k];
			switch (slot.role) {
			case SlotRole::Empty:
				s += "-";
				break;
			case SlotRole::Logout:
				s += "L";
				break;
			case SlotRole::Blf:
				s += std::to_string(slot.item);
				break;
			}
		}
	}
	return s;
}

Key blf(int i)
{
	return Key::of(KeyKind::Blf, i);
}
Key softkey(int i)
{
	return Key::of(KeyKind::Softkey, i);
}
Key page()
{
	return Key::of(KeyKind::Page);
}

} // namespace

TEST_CASE("blf: the logout key option")
{
	CHECK(parse_logout_key("blf1").value() == blf1());
	CHECK(parse_logout_key("none").value() == none());
	CHECK(parse_logout_key("soft1").value() == soft(1));
	CHECK(parse_logout_key("soft16").value() == soft(16));
	for (const char *bad :
	     {"", "blf2", "soft0", "soft17", "softx", "BLF1", "blf1 ", "logout"}) {
		INFO(bad);
		auto r = parse_logout_key(bad);
		REQUIRE_FALSE(r.ok());
		CHECK(r.error().what.find("want blf1, soft1..soft16 or none") != std::string::npos);
	}
	for (const LogoutKey &k : {blf1(), none(), soft(3)})
		CHECK(parse_logout_key(logout_key_name(k)).value() == k);
}

TEST_CASE("blf: 3CX default: BLF 1 is the logout key and the list shifts down by one")
{
	const BlfLayout l = blf_layout(KeyGeometry{6, 1, 4}, blf1(), items(3));
	CHECK(l.logout_via == LogoutVia::BlfKey);
	CHECK(l.logout_index == 1);
	CHECK(picture(l) == "L 0 1 2 - -");
	CHECK(l.overflow.empty());
	CHECK(l.notes.empty());
	CHECK(l.place_of(0) == std::make_pair(1u, 2u));
	CHECK(l.place_of(2) == std::make_pair(1u, 4u));
	CHECK(std::string(logout_via_name(l.logout_via)) == "blf");
}

TEST_CASE("blf: logout on a softkey: the BLF list keeps its places")
{
	const BlfLayout l = blf_layout(KeyGeometry{6, 1, 4}, soft(4), items(6));
	CHECK(l.logout_via == LogoutVia::Softkey);
	CHECK(l.logout_index == 4);
	CHECK(picture(l) == "0 1 2 3 4 5");
	CHECK(l.overflow.empty());
	KeyLayout k(l);
	CHECK(k.action_for(softkey(4)).kind == KeyAction::Logout);
	CHECK(k.action_for(softkey(1)).kind == KeyAction::None);
	CHECK(k.action_for(blf(1)).kind == KeyAction::Dial);
	CHECK(k.action_for(blf(1)).number == "201");
	CHECK(k.softkey_labels() == std::vector<std::string>{"", "", "", "Logout"});
}

TEST_CASE("blf: logout none, and devices without BLF keys, log out by code")
{
	const BlfLayout n = blf_layout(KeyGeometry{6, 1, 4}, none(), items(2));
	CHECK(n.logout_via == LogoutVia::Code);
	CHECK(n.logout_index == 0);
	CHECK(picture(n) == "0 1 - - - -");
	CHECK(n.notes.empty());

	// No BLF keys: the default cannot be honoured, and says so.
	const BlfLayout z = blf_layout(KeyGeometry{0, 1, 0}, blf1(), items(2));
	CHECK(z.logout_via == LogoutVia::Code);
	CHECK(z.pages.empty());
	CHECK(z.overflow == std::vector<int>{0, 1});
	REQUIRE(z.notes.size() == 1);
	CHECK(z.notes[0].find("no BLF keys") != std::string::npos);
	CHECK(std::string(logout_via_name(z.logout_via)) == "code");

	// A softkey the board does not have: by code, with a note.
	const BlfLayout s = blf_layout(KeyGeometry{4, 1, 2}, soft(3), items(1));
	CHECK(s.logout_via == LogoutVia::Code);
	CHECK(picture(s) == "0 - - -");
	REQUIRE(s.notes.size() == 1);
	CHECK(s.notes[0].find("soft3 is beyond the board's 2 softkeys") != std::string::npos);
	KeyLayout k(s);
	for (int i = 1; i <= 4; ++i)
		CHECK(k.action_for(softkey(i)).kind == KeyAction::None);
	CHECK(k.action_for(blf(1)).kind == KeyAction::Dial);
}

TEST_CASE("blf: entries beyond the board's keys are listed as overflow, in order")
{
	const auto list = items(7);
	const BlfLayout l = blf_layout(KeyGeometry{4, 1, 0}, blf1(), list);
	CHECK(picture(l) == "L 0 1 2");
	CHECK(l.overflow == std::vector<int>{3, 4, 5, 6});
	const auto over = l.overflow_items();
	REQUIRE(over.size() == 4);
	CHECK(over[0].ext == "204");
	CHECK(over[3].ext == "207");
	CHECK(over[3].label == "User 207");
	CHECK(l.place_of(3) == std::make_pair(0u, 0u));
	REQUIRE(l.notes.size() == 1);
	CHECK(l.notes[0].find("4 BLF entries do not fit") != std::string::npos);

	// The reserved key costs exactly one place.
	const BlfLayout s = blf_layout(KeyGeometry{4, 1, 4}, soft(1), list);
	CHECK(picture(s) == "0 1 2 3");
	CHECK(s.overflow == std::vector<int>{4, 5, 6});

	// Exactly full: no overflow, no note.
	const BlfLayout full = blf_layout(KeyGeometry{4, 1, 0}, blf1(), items(3));
	CHECK(full.overflow.empty());
	CHECK(full.notes.empty());
}

TEST_CASE("blf: a second page takes what does not fit on the first")
{
	const KeyGeometry g{6, 2, 4}; // deskphone-4x6
	const BlfLayout l = blf_layout(g, blf1(), items(14));
	CHECK(picture(l) == "L 0 1 2 3 4|5 6 7 8 9 10");
	CHECK(l.overflow == std::vector<int>{11, 12, 13});
	CHECK(l.place_of(5) == std::make_pair(2u, 1u));
	CHECK(l.place_of(10) == std::make_pair(2u, 6u));

	KeyLayout k(l);
	CHECK(k.page_count() == 2);
	CHECK(k.page() == 0);
	CHECK(k.action_for(blf(1)).kind == KeyAction::Logout);
	CHECK(k.action_for(blf(2)).number == "201");
	CHECK(k.press(page()).kind == KeyAction::Page);
	CHECK(k.page() == 1);
	// On page 2 the first key is an entry: only key 1 of page 1 is reserved.
	CHECK(k.action_for(blf(1)).kind == KeyAction::Dial);
	CHECK(k.action_for(blf(1)).number == "206");
	CHECK(k.action_for(blf(6)).number == "211");
	CHECK(k.label(1) == "User 206");
	CHECK(k.press(page()).kind == KeyAction::Page);
	CHECK(k.page() == 0); // wraps

	// A second page only exists when something is on it.
	const BlfLayout few = blf_layout(g, blf1(), items(5));
	CHECK(picture(few) == "L 0 1 2 3 4");
	KeyLayout kf(few);
	CHECK(kf.page_count() == 1);
	CHECK(kf.press(page()).kind == KeyAction::None);
	CHECK(kf.page() == 0);
	const BlfLayout six = blf_layout(g, blf1(), items(6));
	CHECK(picture(six) == "L 0 1 2 3 4|5 - - - - -");

	// With logout on a softkey the pages hold 12.
	const BlfLayout s = blf_layout(g, soft(1), items(12));
	CHECK(picture(s) == "0 1 2 3 4 5|6 7 8 9 10 11");
	CHECK(s.overflow.empty());
}

TEST_CASE("blf: a key dials its extension, or picks up with the prefix while it rings")
{
	auto list = items(3, "*20*");
	list[1].pickup.clear(); // no pickup prefix configured for 202
	KeyLayout k(blf_layout(KeyGeometry{4, 1, 0}, blf1(), list));

	KeyAction a = k.action_for(blf(2));
	CHECK(a.kind == KeyAction::Dial);
	CHECK(a.number == "201");
	CHECK(a.item == 0);

	k.set_state("201", BlfState::Ringing);
	a = k.action_for(blf(2));
	CHECK(a.kind == KeyAction::Pickup);
	CHECK(a.number == "*20*201");
	CHECK(k.lamp(2) == Lamp::Blink);

	k.set_state("201", BlfState::Busy);
	CHECK(k.action_for(blf(2)).kind == KeyAction::Dial);
	CHECK(k.lamp(2) == Lamp::On);
	k.set_state("201", BlfState::Idle);
	CHECK(k.lamp(2) == Lamp::Off);
	k.set_state("201", BlfState::Unknown);
	CHECK(k.state("201") == BlfState::Unknown);

	// Ringing without a prefix: it can only be dialled.
	k.set_state("202", BlfState::Ringing);
	CHECK(k.action_for(blf(3)).kind == KeyAction::Dial);
	CHECK(k.action_for(blf(3)).number == "202");
	CHECK(k.lamp(3) == Lamp::Blink);

	// The logout key and empty keys: no lamp, nothing to dial.
	CHECK(k.lamp(1) == Lamp::Off);
	CHECK(k.label(1) == "Logout");
	CHECK(k.action_for(blf(5)).kind == KeyAction::None); // beyond the board
	CHECK(k.action_for(blf(0)).kind == KeyAction::None);
	CHECK(k.action_for(Key::dig('5')).kind == KeyAction::None);
	CHECK(k.label(4) == "User 203");

	// An entry without a label shows its extension; one without an
	// extension does nothing.
	KeyLayout bare(blf_layout(KeyGeometry{3, 1, 0}, none(),
	                          {BlfItem{"300", "", ""}, BlfItem{"", "", "x"}}));
	CHECK(bare.label(1) == "300");
	CHECK(bare.action_for(blf(2)).kind == KeyAction::None);
	CHECK(bare.label(3).empty());
}

TEST_CASE("blf: the default key layout is 3CX's: BLF 1 logs out, nothing else")
{
	KeyLayout k;
	CHECK(k.action_for(blf(1)).kind == KeyAction::Logout);
	CHECK(k.action_for(blf(2)).kind == KeyAction::None);
	CHECK(k.action_for(softkey(1)).kind == KeyAction::None);
	CHECK(k.press(page()).kind == KeyAction::None);
	CHECK(k.layout().logout_via == LogoutVia::BlfKey);
}

// ---- Session with a key layout ----

namespace
{

class Ports : public SessionPorts
{
public:
	std::vector<std::string> dials, logouts, swaps, bugs, texts;
	void show(const std::vector<std::string> &lines) override
	{
		for (const auto &l : lines)
			texts.push_back(l);
	}
	void dial(const std::string &n) override { dials.push_back(n); }
	void pbx_login(const std::string &, const std::string &) override {}
	void pbx_logout(const std::string &ext) override { logouts.push_back(ext); }
	void swap_to(const Identity &to, bool) override { swaps.push_back(to.ext); }
	void start_timer(Timer, unsigned) override {}
	void stop_timer(Timer) override {}
	void log_info(const std::string &) override {}
	void log_bug(const std::string &m) override { bugs.push_back(m); }
	void occupant_changed(const Identity &) override {}
	bool said(const std::string &s) const
	{
		for (const auto &t : texts)
			if (t.find(s) != std::string::npos)
				return true;
		return false;
	}
};

Identity pool()
{
	Identity i;
	i.ext = "HD0001";
	i.sip_user = "HD0001";
	i.domain = "127.0.0.1";
	return i;
}

void type(Session &s, const std::string &keys)
{
	for (char c : keys)
		s.on_key(c == '*'   ? Key::of(KeyKind::Star)
		         : c == '#' ? Key::of(KeyKind::Hash)
		                    : Key::dig(c));
}

void login(Session &s)
{
	type(s, "*77*100*1234#");
	LoginResult r;
	r.kind = LoginResult::Accepted;
	r.user.pool = false;
	r.user.ext = "100";
	r.user.sip_user = "100";
	r.user.domain = "127.0.0.1";
	s.on_login_result(r);
	s.on_swap_result(true, "");
	REQUIRE(s.state() == State::LoggedIn);
}

} // namespace

TEST_CASE("blf: Session asks the layout; logout on a softkey frees BLF 1")
{
	Ports p;
	Session s(DialPlan{}, pool(), p);
	s.set_key_layout(KeyLayout(blf_layout(KeyGeometry{4, 1, 4}, soft(2), items(3, "*20*"))));
	login(s);

	s.on_key(blf(1)); // dials 201: BLF 1 is not the logout key now
	CHECK(p.dials == std::vector<std::string>{"201"});
	CHECK(s.state() == State::LoggedIn);

	s.key_layout().set_state("202", BlfState::Ringing);
	s.on_key(blf(2));
	CHECK(p.dials.back() == "*20*202");

	s.on_key(softkey(1)); // nothing there
	CHECK(s.state() == State::LoggedIn);
	s.on_key(softkey(2));
	CHECK(s.state() == State::LoggingOut);
	CHECK(p.logouts == std::vector<std::string>{"100"});
	CHECK(p.bugs.empty());
}

TEST_CASE("blf: Session: a BLF key replaces half-typed digits, is ignored during PIN entry, and "
          "obeys the dial policy")
{
	Ports p;
	Session s(DialPlan{}, pool(), p);
	s.set_key_layout(KeyLayout(blf_layout(KeyGeometry{4, 1, 0}, blf1(), items(2))));

	// Idle on the pool identity: only emergency numbers.
	s.on_key(blf(2));
	CHECK(p.dials.empty());
	CHECK(p.said("Log in to call"));

	// PIN entry: a BLF key does not dial; BLF 1 still cancels the login.
	type(s, "*77*100*12");
	REQUIRE(s.state() == State::PinEntry);
	s.on_key(blf(2));
	CHECK(s.state() == State::PinEntry);
	CHECK(p.dials.empty());
	s.on_key(blf(1));
	CHECK(s.state() == State::Idle);

	login(s);
	type(s, "55");
	REQUIRE(s.state() == State::Collecting);
	s.on_key(blf(3)); // 202, not 55202
	CHECK(p.dials == std::vector<std::string>{"202"});
	CHECK(s.state() == State::LoggedIn);
	type(s, "7#");
	CHECK(p.dials.back() == "7"); // the digits before the BLF key are gone

	s.on_key(blf(1));
	CHECK(s.state() == State::LoggingOut);
	CHECK(p.bugs.empty());
}

TEST_CASE("blf: Session: an emergency number on a BLF key dials at once, even while logging in")
{
	Ports p;
	Session s(DialPlan{}, pool(), p);
	s.set_key_layout(
	    KeyLayout(blf_layout(KeyGeometry{2, 1, 0}, none(), {BlfItem{"112", "", "Emergency"}})));
	s.on_key(blf(1)); // idle, pool identity
	CHECK(p.dials == std::vector<std::string>{"112"});
	type(s, "*77*100*1234#");
	REQUIRE(s.state() == State::LoggingIn);
	s.on_key(blf(1));
	CHECK(p.dials == std::vector<std::string>{"112", "112"});
	CHECK(s.state() == State::LoggingIn);
	CHECK(p.bugs.empty());
}

TEST_CASE("blf: Session: the page key turns the layout's page")
{
	Ports p;
	Session s(DialPlan{}, pool(), p);
	s.set_key_layout(KeyLayout(blf_layout(KeyGeometry{2, 2, 0}, blf1(), items(3))));
	login(s);
	s.on_key(blf(2));
	CHECK(p.dials.back() == "201");
	s.on_key(page());
	CHECK(s.key_layout().page() == 1);
	s.on_key(blf(1));
	CHECK(p.dials.back() == "202");
	CHECK(s.state() == State::LoggedIn);
	CHECK(p.bugs.empty());
}

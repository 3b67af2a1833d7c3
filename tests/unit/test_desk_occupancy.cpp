// SPDX-License-Identifier: BSD-3-Clause
// DeskOccupancy on in-memory storage: who sits at the phone, across a
// restart, and whose profile (BLF keys) is in force at each step.
#include <doctest/doctest.h>

#include "agent/occupancy/desk_occupancy.h"
#include "platform/storage/fake/fake_storage.h"

#include <string>

using namespace hotdesk;

namespace
{

std::string profile_with_blf(const std::string &name, const std::string &blf_ext)
{
	return "<?xml version=\"1.0\"?>\n<settings><phone-settings>\n"
	       "<user_realname idx=\"1\" perm=\"R\">" +
	       name +
	       "</user_realname>\n</phone-settings><functionKeys>\n"
	       "<fkey idx=\"0\" label=\"k\" context=\"active\" perm=\"R\">blf " +
	       blf_ext + "</fkey>\n</functionKeys></settings>\n";
}

Identity person(const std::string &ext)
{
	Identity id;
	id.pool = false;
	id.ext = ext;
	id.sip_user = ext;
	id.sip_password = "secret-of-" + ext;
	id.domain = "127.0.0.1:5070";
	return id;
}

std::string first_blf(const DeskOccupancy &o)
{
	return o.profile() && !o.profile()->blf.empty() ? o.profile()->blf[0].ext : "";
}

} // namespace

TEST_CASE("occupancy: a refused roam keeps the previous person's profile, not the refused one's")
{
	platform::FakeStorage fs;
	StateStore store(fs);
	DeskOccupancy occ(store);
	(void)occ.restore();
	CHECK(occ.pool());

	occ.begin_login("100");
	occ.accepted(profile_with_blf("Alice", "201"));
	occ.commit_user(person("100"));
	CHECK_FALSE(occ.pool());
	CHECK(first_blf(occ) == "201");

	// 101 tries to roam on; the registrar refuses 101's account.
	occ.begin_login("101");
	occ.accepted(profile_with_blf("Bob", "301"));
	CHECK(occ.login_pending());
	CHECK(first_blf(occ) == "201"); // not before the commit
	occ.rollback();
	CHECK_FALSE(occ.login_pending());
	CHECK(occ.record().ext == "100");
	CHECK(first_blf(occ) == "201");
	CHECK_FALSE(store.pending_login().value().has_value());
}

TEST_CASE("occupancy: the person and their profile come back after a restart, logout forgets both")
{
	platform::FakeStorage fs;
	{
		StateStore store(fs);
		DeskOccupancy occ(store);
		(void)occ.restore();
		occ.begin_login("100");
		occ.accepted(profile_with_blf("Alice", "201"));
		occ.commit_user(person("100"));
	}
	StateStore store(fs);
	DeskOccupancy occ(store);
	auto r = occ.restore();
	REQUIRE(r.user);
	CHECK(r.user->ext == "100");
	CHECK(r.interrupted.empty());
	CHECK(first_blf(occ) == "201");
	CHECK_FALSE(occ.login_pending());

	occ.commit_pool();
	CHECK(occ.pool());
	CHECK(occ.profile() == nullptr);
	for (const auto &name : fs.list())
		CHECK_MESSAGE(name.find("100") == std::string::npos, name);
}

TEST_CASE("occupancy: an interrupted login is rolled back at start and reported")
{
	platform::FakeStorage fs;
	{
		StateStore store(fs);
		DeskOccupancy occ(store);
		(void)occ.restore();
		occ.begin_login("100"); // then the power goes
	}
	StateStore store(fs);
	DeskOccupancy occ(store);
	auto r = occ.restore();
	CHECK_FALSE(r.user);
	CHECK(r.interrupted == "100");
	CHECK(occ.pool());
	CHECK_FALSE(store.pending_login().value().has_value());
}

// issue 14, kind 11: a restart that cannot read who sat here says so (the
// agent then asks the PBX); a readable state, or a damaged decoration, does not.
TEST_CASE("occupancy: a damaged occupancy or account at start is the pool and reported lost")
{
	struct Case {
		const char *file;
		bool lost;   // the restart reports the state lost
		bool person; // and comes back as the person
	};
	const Case cases[] = {
	    {"occupancy", true, false},
	    {"user.100", true, false},
	    {"profile.100.xml", false, true},
	    {"login-intent", false, true},
	    {"", false, true}, // nothing damaged
	};
	for (const auto &c : cases) {
		INFO(c.file);
		platform::FakeStorage fs;
		{
			StateStore store(fs);
			DeskOccupancy occ(store);
			(void)occ.restore();
			occ.begin_login("100");
			occ.accepted(profile_with_blf("Alice", "201"));
			occ.commit_user(person("100"));
			occ.begin_login("101"); // a roam under way when the power goes
		}
		if (*c.file) {
			REQUIRE(fs.files.count(c.file) == 1);
			std::string &data = fs.files[c.file];
			data.resize(data.size() / 2); // cut short by the power cut
		}
		StateStore store(fs);
		DeskOccupancy occ(store);
		auto r = occ.restore();
		CHECK(r.lost == c.lost);
		CHECK(r.user.has_value() == c.person);
		CHECK(occ.pool() == !c.person);
		if (r.user)
			r.user->wipe();
	}
}

// SPDX-License-Identifier: BSD-3-Clause
// The state store's transaction rules and the POSIX storage's file modes.
#include "agent/state/state_store.h"
#include "platform/storage/fake/fake_storage.h"
#include "platform/storage/posix/posix_storage.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

using namespace hotdesk;

namespace
{

SavedUser alice()
{
	SavedUser u;
	u.id.pool = false;
	u.id.ext = "100";
	u.id.name = "Alice Example";
	u.id.sip_user = "100";
	u.id.sip_password = "sipAlice-secret";
	u.id.domain = "127.0.0.1:5060";
	u.profile_xml = "<settings/>";
	return u;
}

std::string temp_dir()
{
	char tmpl[] = "/tmp/hotdesk-state-XXXXXX";
	REQUIRE(::mkdtemp(tmpl) != nullptr);
	return tmpl;
}

} // namespace

TEST_CASE("state: first boot is the pool")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	auto o = st.load_occupancy();
	REQUIRE(o.ok());
	CHECK(o->pool);
	CHECK(o->seq == 0);
}

TEST_CASE("state: occupancy and user round-trip; forget_user removes the secret")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	REQUIRE(st.save_user(alice()).ok());
	REQUIRE(st.save_occupancy({false, "100", "2026-11-25T10:00:00Z", 7}).ok());
	auto o = st.load_occupancy();
	REQUIRE(o.ok());
	CHECK_FALSE(o->pool);
	CHECK(o->ext == "100");
	CHECK(o->seq == 7);
	auto u = st.load_user("100");
	REQUIRE(u.ok());
	REQUIRE(u->has_value());
	CHECK((*u)->id.name == "Alice Example");
	CHECK(((*u)->id.sip_password == "sipAlice-secret"));
	SavedUser bob = alice();
	bob.id.ext = "101";
	bob.id.sip_password = "sipBob-secret";
	REQUIRE(st.save_user(bob).ok());
	REQUIRE(st.forget_users_except("101").ok()); // Alice roamed away
	for (const auto &kv : fs.files)
		CHECK(kv.second.find("sipAlice-secret") == std::string::npos);
	CHECK_FALSE(st.load_user("100")->has_value());
	CHECK(st.load_user("101")->has_value());
	REQUIRE(st.forget_users_except("").ok());
	CHECK_FALSE(st.load_user("101")->has_value());
	CHECK(fs.files.count("occupancy") == 1);
}

TEST_CASE("state: corrupt files are errors, not guesses")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	fs.files["occupancy"] = "who user 100\n"; // no seq
	CHECK_FALSE(st.load_occupancy().ok());
	fs.files["occupancy"] = "who someone\nseq 3\n";
	CHECK_FALSE(st.load_occupancy().ok());
	fs.files["occupancy"] = "who pool\nseq 99999999999999999999999\n";
	CHECK_FALSE(st.load_occupancy().ok());
	fs.files["user.100"] = "ext 100\n";
	CHECK_FALSE(st.load_user("100").ok());
	fs.files["user.100"] = "ext 101\nsip_user 101\nsip_password x\ndomain d\n";
	CHECK_FALSE(st.load_user("100").ok()); // a file under another person's name
	CHECK_FALSE(st.load_user("../x").ok());
}

TEST_CASE("state: values with line breaks are refused")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	SavedUser u = alice();
	u.id.name = "Mallory\nsip_password x";
	CHECK_FALSE(st.save_user(u).ok());
	CHECK(fs.files.empty());
}

TEST_CASE("state: a login intent is recorded and cleared")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	REQUIRE(st.begin_login("101").ok());
	CHECK(st.pending_login()->value() == "101");
	REQUIRE(st.end_login().ok());
	CHECK_FALSE(st.pending_login()->has_value());
}

TEST_CASE("storage: atomic writes, 0600 files, 0700 directory, stale temp files removed")
{
	const std::string dir = temp_dir() + "/state";
	platform::PosixStorage ps(dir);
	REQUIRE(ps.open().ok());
	struct stat st {
	};
	REQUIRE(::stat(dir.c_str(), &st) == 0);
	CHECK((st.st_mode & 0777) == 0700);
	REQUIRE(ps.write("occupancy", "who pool\nseq 1\n").ok());
	REQUIRE(::stat((dir + "/occupancy").c_str(), &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);
	REQUIRE(ps.write("occupancy", "who pool\nseq 2\n").ok());
	CHECK(ps.read("occupancy")->value() == "who pool\nseq 2\n");
	CHECK_FALSE(ps.read("missing")->has_value());
	CHECK_FALSE(ps.write("../escape", "x").ok());

	// A power cut between write and rename leaves a temp file behind.
	FILE *f = std::fopen((dir + "/user.tmp").c_str(), "w");
	REQUIRE(f);
	std::fputs("half", f);
	std::fclose(f);
	platform::PosixStorage again(dir);
	REQUIRE(again.open().ok());
	CHECK(::access((dir + "/user.tmp").c_str(), F_OK) != 0);

	REQUIRE(ps.remove("occupancy").ok());
	CHECK_FALSE(ps.read("occupancy")->has_value());
	CHECK(ps.remove("occupancy").ok()); // removing twice is fine
	std::system(("rm -rf " + dir.substr(0, dir.size() - 6)).c_str());
}

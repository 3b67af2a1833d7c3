// SPDX-License-Identifier: BSD-3-Clause
// The state store's transaction rules and the POSIX storage's file modes.
#include "agent/core/log.h"
#include "agent/state/state_store.h"
#include "platform/storage/fake/fake_storage.h"
#include "platform/storage/posix/posix_storage.h"
#include "platform/storage/sealed_file.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
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
	REQUIRE(st.save_occupancy({false, "100", "2026-11-25T10:00:00Z", 7, ""}).ok());
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

TEST_CASE("state: a separate authentication user round-trips and is optional")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	SavedUser u = alice();
	u.id.auth_user = "a8Xk2pQ"; // 3CX's authentication ID
	REQUIRE(st.save_user(u).ok());
	auto back = st.load_user("100");
	REQUIRE(back.ok());
	REQUIRE(back->has_value());
	CHECK((*back)->id.auth_user == "a8Xk2pQ");
	CHECK((*back)->id.auth_name() == "a8Xk2pQ");
	REQUIRE(st.save_user(alice()).ok()); // none: the file has no auth_user line
	back = st.load_user("100");
	REQUIRE(back.ok());
	REQUIRE(back->has_value());
	CHECK((*back)->id.auth_user.empty());
	CHECK((*back)->id.auth_name() == "100");
}

TEST_CASE("state: corrupt files are errors, not guesses")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	auto put = [&fs](const char *name, const char *body) {
		fs.files[name] = platform::seal(name, body);
	};
	put("occupancy", "who user 100\nsince x\n"); // no seq
	CHECK_FALSE(st.load_occupancy().ok());
	put("occupancy", "who someone\nsince x\nseq 3\n");
	CHECK_FALSE(st.load_occupancy().ok());
	put("occupancy", "who pool\nsince x\nseq 99999999999999999999999\n");
	CHECK_FALSE(st.load_occupancy().ok());
	put("occupancy", "who pool\nsince x\nseq 3\nseq 4\n");
	CHECK_FALSE(st.load_occupancy().ok());
	put("user.100", "ext 100\n");
	CHECK_FALSE(st.load_user("100").ok());
	put("user.100", "ext 101\nname \nsip_user 101\nsip_password x\ndomain d\n");
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
	REQUIRE(ps.write("occupancy", "who pool\nseq 1\n").ok()); // storage: any bytes
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

// ---- damage: every state file x every way a power cut or a flash can spoil it ----

namespace
{

// The code under test logs every damaged file at error level; thousands of
// lines would bury a real failure.
struct QuietLog {
	QuietLog() { log_set_level(static_cast<LogLevel>(static_cast<int>(LogLevel::Error) + 1)); }
	~QuietLog() { log_set_level(LogLevel::Error); }
};

const char *kDeviceXml = "<settings><phone-settings><user_pass idx=\"1\">pool-pw</user_pass>"
                         "</phone-settings></settings>\n";

// A phone in the middle of a roam: every state file exists.
void fill(StateStore &st)
{
	REQUIRE(
	    st.save_device_profile({kDeviceXml, "\"v7\"", "Tue, 24 Nov 2026 10:00:00 GMT"}).ok());
	REQUIRE(st.save_user(alice()).ok());
	REQUIRE(st.save_occupancy({false, "100", "2026-11-25T10:00:00Z", 7, ""}).ok());
	REQUIRE(st.begin_login("101").ok());
}

// What loading one file gives after it was damaged; `fallback` checks that
// the store fell back instead of using any part of it.
struct StateFile {
	const char *name;
	bool key_value; // a "key value" body (else XML)
	std::function<void(StateStore &)> fallback;
};

void damaged_error(const Error &e)
{
	CHECK(is_damaged(e));
}

const std::vector<StateFile> &state_files()
{
	static const std::vector<StateFile> files = {
	    {"occupancy", true,
	     [](StateStore &st) {
		     auto o = st.load_occupancy();
		     REQUIRE_FALSE(o.ok());
		     damaged_error(o.error());
		     auto again = st.load_occupancy(); // moved aside: now the first-boot pool
		     REQUIRE(again.ok());
		     CHECK(again->pool);
	     }},
	    {"user.100", true,
	     [](StateStore &st) {
		     auto u = st.load_user("100");
		     REQUIRE_FALSE(u.ok());
		     damaged_error(u.error());
	     }},
	    {"profile.100.xml", false,
	     [](StateStore &st) { // the person, without the damaged profile
		     auto u = st.load_user("100");
		     REQUIRE(u.ok());
		     REQUIRE(u->has_value());
		     CHECK((*u)->id.sip_password == "sipAlice-secret");
		     CHECK((*u)->profile_xml.empty());
	     }},
	    {"login-intent", true,
	     [](StateStore &st) {
		     auto p = st.pending_login();
		     REQUIRE_FALSE(p.ok());
		     damaged_error(p.error());
	     }},
	    {"device-profile.xml", false,
	     [](StateStore &st) {
		     auto p = st.load_device_profile();
		     REQUIRE_FALSE(p.ok());
		     damaged_error(p.error());
	     }},
	    {"device-profile.meta", true,
	     [](StateStore &st) { // the profile, without validators
		     auto p = st.load_device_profile();
		     REQUIRE(p.ok());
		     REQUIRE(p->has_value());
		     CHECK((*p)->xml == kDeviceXml);
		     CHECK((*p)->etag.empty());
		     CHECK((*p)->last_modified.empty());
	     }},
	};
	return files;
}

std::string body_of(const std::string &name, const std::string &file)
{
	auto b = platform::unseal(name, file);
	REQUIRE(b.ok());
	return *b;
}

struct DamageKind {
	const char *what;
	bool key_value_only;
	std::function<std::string(const std::string &name, const std::string &file)> spoil;
};

std::string fill_range(std::string f, size_t from, size_t n, char c)
{
	for (size_t i = from; i < f.size() && i < from + n; ++i)
		f[i] = c;
	return f;
}

const std::vector<DamageKind> &damage_kinds()
{
	static const std::vector<DamageKind> kinds = {
	    {"empty", false, [](auto &, auto &) { return std::string(); }},
	    {"cut in half", false, [](auto &, auto &f) { return f.substr(0, f.size() / 2); }},
	    {"cut before the end marker", false,
	     [](auto &, auto &f) { return f.substr(0, f.size() - 12); }},
	    {"all zero (data block never written)", false,
	     [](auto &, auto &f) { return std::string(f.size(), '\0'); }},
	    {"zero-filled block in the middle", false,
	     [](auto &, auto &f) { return fill_range(f, f.size() / 3, 16, '\0'); }},
	    {"erased flash", false, [](auto &, auto &f) { return std::string(f.size(), '\xff'); }},
	    {"erased tail", false,
	     [](auto &, auto &f) { return fill_range(f, f.size() / 2, f.size(), '\xff'); }},
	    {"zeros appended (size grew, data did not)", false,
	     [](auto &, auto &f) { return f + std::string(4096 - f.size() % 4096, '\0'); }},
	    {"one bit flipped in the body", false,
	     [](auto &, auto &f) {
		     std::string g = f;
		     g[f.find('\n') + 3] ^= 0x10;
		     return g;
	     }},
	    {"format 1 (no header)", false, [](auto &n, auto &f) { return body_of(n, f); }},
	    {"sealed under another name", false,
	     [](auto &n, auto &f) { return platform::seal("other", body_of(n, f)); }},
	    {"sealed, but the last key is missing", true,
	     [](auto &n, auto &f) {
		     std::string b = body_of(n, f);
		     b.erase(b.rfind('\n', b.size() - 2) + 1);
		     return platform::seal(n, b);
	     }},
	    {"sealed, but a line without a key", true,
	     [](auto &n, auto &f) { return platform::seal(n, body_of(n, f) + "\n"); }},
	};
	return kinds;
}

// Damage `file` with `spoiled` and check every promise: a distinct error or
// a fallback, the file moved aside (a person's without its content), the
// damage listed, the other files untouched.
void check_damage(const StateFile &file, const std::string &spoiled)
{
	platform::FakeStorage fs;
	StateStore st(fs);
	fill(st);
	const auto before = fs.files;
	fs.files[file.name] = spoiled;
	file.fallback(st);
	CHECK(fs.files.count(file.name) == 0);
	const std::string aside = std::string(file.name) + ".damaged";
	REQUIRE(fs.files.count(aside) == 1);
	const bool person = std::string(file.name).find("100") != std::string::npos;
	if (person) {
		CHECK(fs.files[aside].find("sipAlice-secret") == std::string::npos);
		CHECK(fs.files[aside].find("Alice") == std::string::npos);
		CHECK(fs.files[aside].find("settings") == std::string::npos);
	} else {
		CHECK(fs.files[aside] == spoiled); // as found, for diagnosis
	}
	REQUIRE(st.damage().size() == 1);
	CHECK(st.damage()[0].file == file.name);
	CHECK(st.damage()[0].kept_as == aside);
	CHECK_FALSE(st.damage()[0].reason.empty());
	for (const auto &kv : before)
		if (kv.first != file.name)
			CHECK(fs.files[kv.first] == kv.second);
}

} // namespace

TEST_CASE("state: every state file round-trips sealed; the seal is checked on load")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	fill(st);
	for (const auto &f : state_files()) {
		CAPTURE(f.name);
		REQUIRE(fs.files.count(f.name) == 1);
		CHECK(fs.files[f.name].rfind("hotdesk-state 2 " + std::string(f.name) + " ", 0) ==
		      0);
	}
	CHECK(st.load_occupancy()->ext == "100");
	CHECK(st.load_user("100")->value().profile_xml == "<settings/>");
	CHECK(st.pending_login()->value() == "101");
	CHECK(st.load_device_profile()->value().etag == "\"v7\"");
	CHECK(st.damage().empty());
}

TEST_CASE("state: damage kinds x state files: never used, moved aside, listed")
{
	QuietLog quiet;
	for (const auto &file : state_files()) {
		for (const auto &kind : damage_kinds()) {
			if (kind.key_value_only && !file.key_value)
				continue;
			CAPTURE(file.name);
			CAPTURE(kind.what);
			platform::FakeStorage fs;
			StateStore st(fs);
			fill(st);
			check_damage(file, kind.spoil(file.name, fs.files[file.name]));
		}
	}
}

TEST_CASE("state: every state file cut at every byte is noticed")
{
	QuietLog quiet;
	for (const auto &file : state_files()) {
		platform::FakeStorage fs;
		StateStore st(fs);
		fill(st);
		const std::string whole = fs.files[file.name];
		for (size_t len = 0; len < whole.size(); ++len) {
			CAPTURE(file.name);
			CAPTURE(len);
			check_damage(file, whole.substr(0, len));
		}
	}
}

TEST_CASE("state: the seal names the first defect")
{
	const std::string f = platform::seal("occupancy", "who pool\n");
	CHECK(platform::unseal("occupancy", f).value() == "who pool\n");
	auto why = [](const std::string &file) {
		auto b = platform::unseal("occupancy", file);
		REQUIRE_FALSE(b.ok());
		CHECK(b.error().where == "occupancy");
		return b.error().what;
	};
	CHECK(why("") == "empty file");
	CHECK(why("who pool\n").find("no format header") == 0);
	CHECK(why(platform::seal("login-intent", "who pool\n")) == "written as login-intent");
	CHECK(why(f.substr(0, f.size() - 20)) == "truncated: 1 of 9 body bytes");
	CHECK(why(f.substr(0, f.size() - 3)) == "truncated in the end marker");
	CHECK(why(f + "x") == "1 bytes after the end marker");
	std::string flipped = f;
	flipped[f.find('\n') + 1] = 'W';
	CHECK(why(flipped) == "checksum mismatch");
	std::string v3 = f;
	v3[14] = '3';
	CHECK(why(v3).find("format 3 not supported") == 0);
	CHECK(why("hotdesk-state 2 occupancy 9 xyz\nwho pool\nhotdesk-end\n") ==
	      "garbled format header");
	CHECK(why(f.substr(0, f.find('\n') + 10) + "hotdesk-enX\n") == "no end marker");
}

TEST_CASE("state: the key-value reader names file and line")
{
	CHECK(parse_kv("f", "").value().empty());
	CHECK(parse_kv("f", "a 1\nb \n").value().at("b").empty());
	CHECK(parse_kv("f", "a 1\na 2\n").error().str() == "f:2: repeated key a");
	CHECK(parse_kv("f", "a 1\nnokey\n").error().str() == "f:2: not a 'key value' line");
	CHECK(parse_kv("f", "a 1\n\n").error().str() == "f:2: not a 'key value' line");
	CHECK(parse_kv("f", "a 1\nb 2").error().str() == "f:2: line not terminated");
	CHECK(parse_kv("f", "A 1\n").error().str() == "f:1: not a 'key value' line");
}

TEST_CASE("state: a person's damaged copy outlives the fallback, holding nothing of them")
{
	QuietLog quiet;
	platform::FakeStorage fs;
	StateStore st(fs);
	fill(st);
	fs.files["user.100"].resize(fs.files["user.100"].find('\n') + 5);
	CHECK_FALSE(st.load_user("100").ok());
	REQUIRE(st.forget_users_except("").ok()); // the agent falls back to the pool
	CHECK(fs.files.count("profile.100.xml") == 0);
	REQUIRE(fs.files.count("user.100.damaged") == 1);
	CHECK(fs.files["user.100.damaged"].find("reason truncated") != std::string::npos);
	// a second damage of the same file replaces the first copy
	fill(st);
	fs.files["user.100"] = std::string(100, '\xff');
	CHECK_FALSE(st.load_user("100").ok());
	CHECK(fs.files["user.100.damaged"].find("ff_bytes 100") != std::string::npos);
	CHECK(st.damage().size() == 2);
	// after a restart the store has found nothing, but the copy is still listed
	StateStore restarted(fs);
	CHECK(restarted.damage().empty());
	CHECK(restarted.kept_damaged() == std::vector<std::string>{"user.100.damaged"});
}

TEST_CASE("storage: on disk, a damaged file is moved aside 0600 and a leftover temp file "
          "never replaces the committed one")
{
	QuietLog quiet;
	const std::string dir = temp_dir() + "/state";
	{
		platform::PosixStorage ps(dir);
		REQUIRE(ps.open().ok());
		StateStore st(ps);
		REQUIRE(st.save_occupancy({true, "", "2026-11-25T10:00:00Z", 3, ""}).ok());
		// power cut while committing a login: the temp file is complete or not
		FILE *f = std::fopen((dir + "/occupancy.tmp").c_str(), "w");
		REQUIRE(f);
		const std::string uncommitted =
		    platform::seal("occupancy", "who user 100\nsince x\nseq 4\n");
		std::fputs(uncommitted.substr(0, uncommitted.size() / 2).c_str(), f);
		std::fclose(f);
	}
	platform::PosixStorage ps(dir);
	REQUIRE(ps.open().ok());
	CHECK(::access((dir + "/occupancy.tmp").c_str(), F_OK) != 0);
	StateStore st(ps);
	auto o = st.load_occupancy();
	REQUIRE(o.ok());
	CHECK(o->pool);
	CHECK(o->seq == 3);

	REQUIRE(::truncate((dir + "/occupancy").c_str(), 30) == 0);
	auto d = st.load_occupancy();
	REQUIRE_FALSE(d.ok());
	CHECK(is_damaged(d.error()));
	CHECK(::access((dir + "/occupancy").c_str(), F_OK) != 0);
	struct stat sb {
	};
	REQUIRE(::stat((dir + "/occupancy.damaged").c_str(), &sb) == 0);
	CHECK((sb.st_mode & 0777) == 0600);
	CHECK(sb.st_size == 30);
	std::system(("rm -rf " + dir.substr(0, dir.size() - 6)).c_str());
}

TEST_CASE("state: a postponed auto logout (stay) round-trips and is optional")
{
	platform::FakeStorage fs;
	StateStore st(fs);
	REQUIRE(
	    st.save_occupancy({false, "100", "2026-11-25T10:00:00Z", 7, "max_session 1796050000"})
	        .ok());
	auto o = st.load_occupancy();
	REQUIRE(o.ok());
	CHECK(o->stay == "max_session 1796050000");
	REQUIRE(st.save_occupancy({false, "100", "2026-11-25T10:00:00Z", 8, ""}).ok());
	auto none = st.load_occupancy();
	REQUIRE(none.ok());
	CHECK(none->stay.empty()); // a file without the line, as older ones
	CHECK_FALSE(st.save_occupancy({false, "100", "x", 9, "daily 1\nwho pool"}).ok());
}

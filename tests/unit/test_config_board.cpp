// hotdeskd's configuration and secrets file, board files, the host key
// socket's line format and the host display's UTF-8 cutting.
#include <doctest/doctest.h>

#include "agent/board/board.h"
#include "agent/daemon/config.h"
#include "platform/display/host/host_display.h"
#include "platform/keys/host/host_key_source.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace hotdesk;

namespace {

bool has(const std::string &hay, const std::string &needle) { return hay.find(needle) != std::string::npos; }

// The source tree, from this file's path (tests/unit/<this file>).
std::string source_dir()
{
	std::string f = __FILE__;
	const std::string tail = "tests/unit/test_config_board.cpp";
	REQUIRE(f.size() > tail.size());
	REQUIRE(f.compare(f.size() - tail.size(), tail.size(), tail) == 0);
	return f.substr(0, f.size() - tail.size());
}

// A private temporary directory, removed with its files.
class TempDir {
public:
	TempDir()
	{
		const char *base = std::getenv("TMPDIR");
		std::string tmpl = std::string(base && *base ? base : "/tmp") + "/hotdesk-unit-XXXXXX";
		std::vector<char> buf(tmpl.begin(), tmpl.end());
		buf.push_back('\0');
		REQUIRE(::mkdtemp(buf.data()) != nullptr);
		path_ = buf.data();
	}
	~TempDir()
	{
		for (const auto &f : files_)
			::unlink(f.c_str());
		::rmdir(path_.c_str());
	}
	std::string write(const std::string &name, const std::string &text, mode_t mode)
	{
		const std::string p = path_ + "/" + name;
		{
			std::ofstream out(p);
			out << text;
		}
		REQUIRE(::chmod(p.c_str(), mode) == 0);
		files_.push_back(p);
		return p;
	}

private:
	std::string path_;
	std::vector<std::string> files_;
};

} // namespace

// ---- config ----

TEST_CASE("config: defaults")
{
	auto c = config_parse("");
	REQUIRE(c.ok());
	CHECK(c->device_id == "02:00:00:00:00:01");
	CHECK(c->pool_ext == "HD0001");
	CHECK(c->pool_sip_user == "HD0001"); // defaults to pool_ext
	CHECK(c->registrar == "127.0.0.1:5060");
	CHECK(c->outbound_proxy.empty());
	CHECK(c->register_interval == 300);
	CHECK(c->register_timeout_ms == 8000);
	CHECK(c->ctrl_tcp == "127.0.0.1:4444");
	CHECK(c->ctrl_timeout_ms == 3000);
	CHECK(c->pbx_url == "https://127.0.0.1:8443");
	CHECK(c->pbx_ca == "/etc/hotdesk/pbx-ca.pem");
	CHECK(c->pbx_connect_timeout_ms == 3000);
	CHECK(c->pbx_timeout_ms == 8000);
	CHECK(c->secrets_file == "/etc/hotdesk/secrets");
	CHECK(c->dial_plan.emergency == std::vector<std::string>{"112", "911"});
	CHECK(c->dial_plan.login_prefix == "*77*");
	CHECK(c->dial_plan.logout_code == "*77*5*");
	CHECK(c->timings.inter_digit_ms == 4000);
	CHECK(c->timings.pin_ms == 30000);
	CHECK(c->timings.message_ms == 3000);
	CHECK(c->board_dir == "/usr/share/hotdesk/boards/host");
	CHECK(c->key_socket == "/run/hotdesk/keys.sock");
	CHECK(c->display_log.empty());
	CHECK(c->tty == "auto");
	CHECK(c->log_level == "info");
	CHECK(c->pool_password.empty());
	CHECK(c->pbx_token.empty());

	// Comments and blank lines are just that.
	auto commented = config_parse("# pool_ext HD0099\n\n   # registrar x\n");
	REQUIRE(commented.ok());
	CHECK(commented->pool_ext == "HD0001");
}

TEST_CASE("config: every key")
{
	const std::string text = "device_id 02:00:00:00:00:2a\n"
				 "pool_ext HD0042\n"
				 "pool_sip_user hd42\n"
				 "registrar pbx.example.com:5070\n"
				 "outbound_proxy sip:sbc.example.com:5060\n"
				 "register_interval 600\n"
				 "register_timeout_ms 5000\n"
				 "ctrl_tcp 127.0.0.1:5555\n"
				 "ctrl_timeout_ms 1500\n"
				 "pbx_url https://pbx.example.com:9443\n"
				 "pbx_ca /etc/ssl/pbx.pem\n"
				 "pbx_connect_timeout_ms 2000\n"
				 "pbx_timeout_ms 9000\n"
				 "secrets_file /tmp/s\n"
				 "emergency_numbers 112,999,911\n"
				 "login_code *5*\n"
				 "logout_code *6*\n"
				 "inter_digit_ms 2500\n"
				 "pin_timeout_ms 20000\n"
				 "message_ms 1000\n"
				 "board /opt/boards/t46\n"
				 "key_socket /tmp/keys.sock\n"
				 "display_log /tmp/display.log\n"
				 "tty off\n"
				 "log_level debug\n";
	auto c = config_parse(text);
	REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().str()));
	CHECK(c->device_id == "02:00:00:00:00:2a");
	CHECK(c->pool_ext == "HD0042");
	CHECK(c->pool_sip_user == "hd42");
	CHECK(c->registrar == "pbx.example.com:5070");
	CHECK(c->outbound_proxy == "sip:sbc.example.com:5060");
	CHECK(c->register_interval == 600);
	CHECK(c->register_timeout_ms == 5000);
	CHECK(c->ctrl_tcp == "127.0.0.1:5555");
	CHECK(c->ctrl_timeout_ms == 1500);
	CHECK(c->pbx_url == "https://pbx.example.com:9443");
	CHECK(c->pbx_ca == "/etc/ssl/pbx.pem");
	CHECK(c->pbx_connect_timeout_ms == 2000);
	CHECK(c->pbx_timeout_ms == 9000);
	CHECK(c->secrets_file == "/tmp/s");
	CHECK(c->dial_plan.emergency == std::vector<std::string>{"112", "999", "911"});
	CHECK(c->dial_plan.login_prefix == "*5*");
	CHECK(c->dial_plan.logout_code == "*6*");
	CHECK(c->timings.inter_digit_ms == 2500);
	CHECK(c->timings.pin_ms == 20000);
	CHECK(c->timings.message_ms == 1000);
	CHECK(c->board_dir == "/opt/boards/t46");
	CHECK(c->key_socket == "/tmp/keys.sock");
	CHECK(c->display_log == "/tmp/display.log");
	CHECK(c->tty == "off");
	CHECK(c->log_level == "debug");
}

TEST_CASE("config: a bad number names its key")
{
	const char *keys[] = {"register_interval", "register_timeout_ms", "ctrl_timeout_ms",
			      "pbx_connect_timeout_ms", "pbx_timeout_ms", "inter_digit_ms",
			      "pin_timeout_ms", "message_ms"};
	for (const char *k : keys)
		for (const char *v : {"abc", "-5", "12x", "0", "99999999999", "4294967297", "1.5"}) {
			const std::string text = std::string(k) + " " + v + "\n";
			INFO(text);
			auto c = config_parse(text);
			REQUIRE_FALSE(c.ok());
			CHECK(c.error().where == std::string("config:") + k);
			CHECK(has(c.error().what, "must be a number from"));
		}
	// The limits are inclusive.
	CHECK(config_parse("register_interval 30\n").ok());
	CHECK(config_parse("register_interval 86400\n").ok());
	CHECK_FALSE(config_parse("register_interval 29\n").ok());
	CHECK_FALSE(config_parse("register_interval 86401\n").ok());
}

TEST_CASE("config: pbx_url must be https; tty and log_level are checked")
{
	for (const char *url : {"http://pbx.example.com", "ftp://x", "pbx.example.com", "HTTPS://x"}) {
		INFO(std::string(url));
		auto c = config_parse(std::string("pbx_url ") + url + "\n");
		REQUIRE_FALSE(c.ok());
		CHECK(c.error().where == "config:pbx_url");
		CHECK(has(c.error().what, "https://"));
	}
	auto tty = config_parse("tty sometimes\n");
	REQUIRE_FALSE(tty.ok());
	CHECK(tty.error().where == "config:tty");
	auto lvl = config_parse("log_level verbose\n");
	REQUIRE_FALSE(lvl.ok());
	CHECK(lvl.error().where == "config:log_level");
}

TEST_CASE("config: clashing feature codes are rejected, naming both")
{
	struct Case {
		const char *text;
		std::vector<const char *> named;
	};
	const std::vector<Case> cases = {
		{"emergency_numbers 11,112\n", {"'11'", "'112'"}},
		{"login_code *7\nlogout_code *7*5*\n", {}}, // login prefix fine, logout unrelated
		{"logout_code *7\n", {"'*7'", "'*77*'"}},
		{"logout_code *77*\n", {"'*77*'", "logout code"}},
		{"login_code 11\nemergency_numbers 112\n", {"'112'", "'11'"}},
		{"login_code *77#\n", {"'*77#'"}},
		{"emergency_numbers 11a\n", {"'11a'"}},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.text));
		auto cfg = config_parse(c.text);
		if (c.named.empty()) {
			CHECK(cfg.ok());
			continue;
		}
		REQUIRE_FALSE(cfg.ok());
		for (const char *n : c.named)
			CHECK(has(cfg.error().str(), n));
	}
}

TEST_CASE("config: secrets file must be private")
{
	// Test secrets: only ever compared with CHECK((...)), never printed.
	const std::string kPoolPw = "pool-pw-x";
	const std::string kToken = "tok-x";
	const std::string kLonely = "only-this";
	TempDir dir;
	const std::string text = "pool_password " + kPoolPw + "\npbx_token " + kToken + "\n";
	const std::string open_file = dir.write("secrets-open", text, 0644);
	const std::string group_file = dir.write("secrets-group", text, 0640);
	const std::string private_file = dir.write("secrets", text, 0600);
	const std::string partial = dir.write("secrets-partial", "pool_password " + kLonely + "\n", 0600);

	auto cfg = config_parse("");
	REQUIRE(cfg.ok());

	for (const std::string &f : {open_file, group_file}) {
		INFO(f);
		Config c = *cfg;
		c.secrets_file = f;
		auto s = config_load_secrets(c);
		REQUIRE_FALSE(s.ok());
		CHECK(has(s.error().str(), "chmod 600"));
		CHECK(c.pool_password.empty());
		CHECK(c.pbx_token.empty());
		CHECK_FALSE(has(s.error().str(), kPoolPw));
	}

	Config c = *cfg;
	c.secrets_file = private_file;
	auto s = config_load_secrets(c);
	REQUIRE(s.ok());
	CHECK((c.pool_password == kPoolPw));
	CHECK((c.pbx_token == kToken));

	Config p = *cfg;
	p.secrets_file = partial;
	auto sp = config_load_secrets(p);
	REQUIRE_FALSE(sp.ok());
	CHECK(has(sp.error().str(), "needs pool_password and pbx_token"));
	CHECK_FALSE(has(sp.error().str(), kLonely));

	Config missing = *cfg;
	missing.secrets_file = private_file + ".nope";
	CHECK_FALSE(config_load_secrets(missing).ok());
}

// ---- boards ----

TEST_CASE("board: the host board file parses")
{
	auto b = board_load(source_dir() + "boards/host");
	REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().str()));
	CHECK(b->name == "host");
	CHECK(b->display_lines == 2);
	CHECK(b->display_columns == 32);
	CHECK(b->blf_keys == 4);
	REQUIRE(b->keymap.count("enter") == 1);
	CHECK(b->keymap.at("enter") == Key::of(KeyKind::Send));
	CHECK(b->keymap.at("esc") == Key::of(KeyKind::Cancel));
	CHECK(b->keymap.at("x") == Key::of(KeyKind::Cancel));
	CHECK(b->keymap.at("l") == Key::of(KeyKind::Blf, 1));
	CHECK(b->keymap.at("m") == Key::of(KeyKind::Blf, 4));
	CHECK(b->keymap.size() == 7);

	auto none = board_load(source_dir() + "boards/no-such-board");
	REQUIRE_FALSE(none.ok());
	CHECK(has(none.error().str(), "cannot open"));
}

TEST_CASE("board: defaults and limits")
{
	auto b = board_parse("name tiny\n");
	REQUIRE(b.ok());
	CHECK(b->display_lines == 2);
	CHECK(b->display_columns == 24);
	CHECK(b->blf_keys == 0);
	CHECK(b->keymap.empty());

	for (const char *t : {"name t\ndisplay_lines 0\n", "name t\ndisplay_lines 17\n",
			      "name t\ndisplay_columns 7\n", "name t\nblf_keys 65\n", "name t\nblf_keys many\n"}) {
		INFO(std::string(t));
		auto e = board_parse(t);
		REQUIRE_FALSE(e.ok());
		CHECK(has(e.error().what, "must be a number from"));
	}
}

TEST_CASE("board: bad entries are errors naming the entry")
{
	struct Case {
		const char *text;
		std::vector<const char *> named;
	};
	const std::vector<Case> cases = {
		{"name t\nkey q=frobnicate\n", {"key q=frobnicate", "unknown key name 'frobnicate'"}},
		{"name t\nkey q=blf0\n", {"key q=blf0", "blf0"}},
		{"name t\nkey q=soft17\n", {"key q=soft17"}},
		{"name t\nkey x=cancel\nkey x=send\n", {"key x=send", "input 'x' mapped twice"}},
		{"name t\nblf_keys 2\nkey z=blf3\n", {"key 'z'", "blf3", "2 BLF keys"}},
		{"name t\nkey z=blf1\n", {"key 'z'", "blf1", "0 BLF keys"}},
		{"name t\nkey q\n", {"key q", "want 'key <input>=<logical key>'"}},
		{"name t\nkey =send\n", {"key =send"}},
		{"name t\nkey q=\n", {"key q="}},
		{"display_lines 2\nkey enter=send\n", {"missing 'name'"}},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.text));
		auto b = board_parse(c.text);
		REQUIRE_FALSE(b.ok());
		INFO(b.error().str());
		for (const char *n : c.named)
			CHECK(has(b.error().str(), n));
	}
	auto fine = board_parse("name t\nblf_keys 2\nkey a=blf2\nkey b=soft16\nkey c=#\nkey d=0\n");
	REQUIRE(fine.ok());
	CHECK(fine->keymap.at("a") == Key::of(KeyKind::Blf, 2));
	CHECK(fine->keymap.at("b") == Key::of(KeyKind::Softkey, 16));
	CHECK(fine->keymap.at("c") == Key::of(KeyKind::Hash));
	CHECK(fine->keymap.at("d") == Key::dig('0'));
}

// ---- keys ----

TEST_CASE("keys: parse_key_line")
{
	auto k = platform::parse_key_line("*77*100*");
	REQUIRE(k.ok());
	REQUIRE(k->size() == 8);
	CHECK((*k)[0] == Key::of(KeyKind::Star));
	CHECK((*k)[4] == Key::dig('1'));
	CHECK((*k)[7] == Key::of(KeyKind::Star));

	auto named = platform::parse_key_line("{blf1}{send} 1 2\t#\r{soft3}{cancel}{*}{9}");
	REQUIRE(named.ok());
	const std::vector<Key> want = {Key::of(KeyKind::Blf, 1), Key::of(KeyKind::Send), Key::dig('1'),
				       Key::dig('2'), Key::of(KeyKind::Hash), Key::of(KeyKind::Softkey, 3),
				       Key::of(KeyKind::Cancel), Key::of(KeyKind::Star), Key::dig('9')};
	CHECK((*named == want));

	auto empty = platform::parse_key_line("");
	REQUIRE(empty.ok());
	CHECK(empty->empty());

	struct Bad {
		const char *line;
		const char *why;
	};
	const Bad bad[] = {
		{"12a", "no key for character 'a'"},
		{"{blf1", "'{' without '}'"},
		{"{}", "unknown key name ''"},
		{"{nope}", "unknown key name 'nope'"},
		{"{blf65}", "unknown key name 'blf65'"},
		{"{blf0}", "unknown key name 'blf0'"},
		{"{soft17}", "unknown key name 'soft17'"},
		{"{blfx}", "unknown key name 'blfx'"},
		{"1}", "no key for character '}'"},
		{"\n", "no key for character"},
	};
	for (const auto &b : bad) {
		INFO(std::string(b.line));
		auto r = platform::parse_key_line(b.line);
		REQUIRE_FALSE(r.ok());
		CHECK(has(r.error().what, b.why));
	}
}

TEST_CASE("keys: every key name round-trips")
{
	std::vector<Key> all;
	for (char c = '0'; c <= '9'; ++c)
		all.push_back(Key::dig(c));
	for (KeyKind k : {KeyKind::Star, KeyKind::Hash, KeyKind::Send, KeyKind::Cancel})
		all.push_back(Key::of(k));
	for (int i = 1; i <= 64; ++i)
		all.push_back(Key::of(KeyKind::Blf, i));
	for (int i = 1; i <= 16; ++i)
		all.push_back(Key::of(KeyKind::Softkey, i));
	for (const Key &k : all) {
		INFO(key_name(k));
		auto back = parse_key_name(key_name(k));
		REQUIRE(back.ok());
		CHECK((*back == k));
	}
}

// ---- display ----

TEST_CASE("display: fit_utf8 never splits a multi-byte character")
{
	using platform::fit_utf8;
	CHECK(fit_utf8("hello", 3) == "hel");
	CHECK(fit_utf8("hello", 5) == "hello");
	CHECK(fit_utf8("hello", 80) == "hello");
	CHECK(fit_utf8("hello", 0).empty());
	CHECK(fit_utf8("", 4).empty());
	CHECK(fit_utf8("héllo", 2) == "hé");
	CHECK(fit_utf8("日本語です", 2) == "日本");
	CHECK(fit_utf8("a😀b", 2) == "a😀");
	CHECK(fit_utf8("a😀b", 1) == "a");
	// A sequence cut off by the end of the input is dropped, not kept half.
	CHECK(fit_utf8("ab\xe6\x97", 10) == "ab");
	CHECK(fit_utf8("ab\xf0\x9f\x98", 10) == "ab");

	// Every cut of a mixed string ends on a character boundary.
	const std::string mixed = "Zoë 日本 😀 Ölund — ok";
	size_t prev = 0;
	for (unsigned n = 0; n <= 30; ++n) {
		INFO("columns " << n);
		const std::string out = fit_utf8(mixed, n);
		CHECK(mixed.compare(0, out.size(), out) == 0);
		if (out.size() < mixed.size())
			CHECK((static_cast<unsigned char>(mixed[out.size()]) & 0xc0) != 0x80);
		CHECK(out.size() >= prev);
		prev = out.size();
	}
	CHECK(fit_utf8(mixed, 30) == mixed);
}

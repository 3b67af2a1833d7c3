// SPDX-License-Identifier: BSD-3-Clause
// hotdeskd's configuration and secrets file, board files (the format, every
// error with its line, the key maps of boards/*), the host key socket's line
// format and the host display's UTF-8 cutting.
#include <doctest/doctest.h>

#include "agent/core/board.h"
#include "agent/daemon/config.h"
#include "platform/display/host/host_display.h"
#include "platform/keys/host/host_key_source.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace hotdesk;

namespace
{

bool has(const std::string &hay, const std::string &needle)
{
	return hay.find(needle) != std::string::npos;
}

// The source tree. Not from __FILE__: with ccache's base_dir (CCACHE_BASEDIR) that
// path is relative to the build directory, not to where the test runs.
std::string source_dir()
{
	return std::string(HOTDESK_SOURCE_DIR) + "/";
}

// A private temporary directory, removed with its files.
class TempDir
{
public:
	TempDir()
	{
		const char *base = std::getenv("TMPDIR");
		std::string tmpl =
		    std::string(base && *base ? base : "/tmp") + "/hotdesk-unit-XXXXXX";
		std::vector<char> buf(tmpl.begin(), tmpl.end());
		buf.push_back('\0');
		REQUIRE(::mkdtemp(buf.data()) != nullptr);
		path_ = buf.data();
	}
	const std::string &path() const { return path_; }
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
	const char *keys[] = {"register_interval",      "register_timeout_ms", "ctrl_timeout_ms",
	                      "pbx_connect_timeout_ms", "pbx_timeout_ms",      "inter_digit_ms",
	                      "pin_timeout_ms",         "message_ms"};
	for (const char *k : keys)
		for (const char *v :
		     {"abc", "-5", "12x", "0", "99999999999", "4294967297", "1.5"}) {
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
	for (const char *url :
	     {"http://pbx.example.com", "ftp://x", "pbx.example.com", "HTTPS://x"}) {
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

TEST_CASE("config: retry_jitter is on unless turned off, and checked")
{
	CHECK(config_parse("")->retry_jitter);
	CHECK_FALSE(config_parse("retry_jitter off\n")->retry_jitter);
	auto bad = config_parse("retry_jitter sometimes\n");
	REQUIRE_FALSE(bad.ok());
	CHECK(bad.error().where == "config:retry_jitter");
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
	const std::string partial =
	    dir.write("secrets-partial", "pool_password " + kLonely + "\n", 0600);

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
	CHECK(has(sp.error().str(), "needs pbx_token"));
	CHECK_FALSE(has(sp.error().str(), kLonely));

	Config missing = *cfg;
	missing.secrets_file = private_file + ".nope";
	CHECK_FALSE(config_load_secrets(missing).ok());
}

TEST_CASE("config: log_target is stderr by default, syslog on request")
{
	auto def = config_parse("");
	REQUIRE(def.ok());
	CHECK(def->log_target == "stderr");
	auto sys = config_parse("log_target syslog\nlog_level warn\n");
	REQUIRE(sys.ok());
	CHECK(sys->log_target == "syslog");
	CHECK(sys->log_level == "warn");
	auto bad = config_parse("log_target file\n");
	REQUIRE_FALSE(bad.ok());
	CHECK(bad.error().where == "config:log_target");
	CHECK(has(bad.error().what, "stderr or syslog"));
}

TEST_CASE("config: errors name the line; keys set twice and unknown keys are errors")
{
	struct Case {
		const char *text;
		const char *where;
		std::vector<const char *> named;
	};
	const std::vector<Case> cases = {
	    {"# c\n\nregister_interval abc\n", "config:register_interval", {"line 3:"}},
	    {"tty on\nlog_level debug\ntty off\n", "config:tty", {"line 3:", "first on line 1"}},
	    {"pool_ext HD0002\nlog_levle debug\n", "config:log_levle", {"line 2:", "unknown"}},
	    {"pbx_url http://x\n", "config:pbx_url", {"line 1:", "https://"}},
	    {"emergency_numbers 112, 911\n", "config:emergency_numbers", {"line 1:", "'911'"}},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.text));
		auto cfg = config_parse(c.text);
		REQUIRE_FALSE(cfg.ok());
		CHECK(cfg.error().where == c.where);
		for (const char *n : c.named)
			CHECK(has(cfg.error().what, n));
	}
	// A key without a value sets it empty: "status_socket" alone turns the
	// hotdeskctl socket off.
	auto off = config_parse("status_socket\n");
	REQUIRE(off.ok());
	CHECK(off->status_socket.empty());
}

TEST_CASE("config: the secrets file never quotes a line back")
{
	const std::string kSecret = "pw-with blank";
	TempDir dir;
	Config c = *config_parse("");
	c.secrets_file =
	    dir.write("secrets", "pbx_token tok\npool_password " + kSecret + "\n", 0600);
	auto s = config_load_secrets(c);
	REQUIRE_FALSE(s.ok());
	CHECK(has(s.error().str(), "line 2"));
	CHECK_FALSE(has(s.error().str(), "blank"));
	CHECK(c.pool_password.empty());

	// Lines it does not know are left alone, unnamed.
	Config u = *config_parse("");
	u.secrets_file = dir.write("secrets2", "hunter2\npbx_token tok\n", 0600);
	REQUIRE(config_load_secrets(u).ok());
	CHECK((u.pbx_token == "tok"));
	Config twice = *config_parse("");
	twice.secrets_file = dir.write("secrets3", "hunter2\npbx_token tok\nhunter2\n", 0600);
	auto st = config_load_secrets(twice);
	REQUIRE_FALSE(st.ok());
	CHECK(has(st.error().str(), "line 3: set twice (first on line 1)"));
	CHECK_FALSE(has(st.error().str(), "hunter"));
}

// ---- boards ----

namespace
{

int code(const char *name)
{
	auto c = input_code(name);
	REQUIRE_MESSAGE(c.has_value(), name);
	return c->code;
}

Key key_at(const Board &b, const char *name)
{
	const int c = code(name);
	INFO(name);
	REQUIRE(b.key_codes.count(c) == 1);
	return b.key_codes.at(c);
}

Board load_board(const std::string &name)
{
	auto b = board_load(source_dir() + "boards/" + name);
	REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().str()));
	return *b;
}

} // namespace

TEST_CASE("board: the host board file parses")
{
	const Board b = load_board("host");
	CHECK(b.name == "host");
	CHECK(b.display_lines == 2);
	CHECK(b.display_columns == 32);
	CHECK(b.blf_keys == 4);
	CHECK(b.blf_pages == 1);
	CHECK(b.softkeys == 0);
	CHECK(b.keys == KeysBackend::Host);
	CHECK(b.display == DisplayBackend::Host);
	CHECK(b.key_codes.empty());
	CHECK_FALSE(b.hook.present());
	CHECK(b.leds.empty());
	REQUIRE(b.keymap.count("enter") == 1);
	CHECK(b.keymap.at("enter") == Key::of(KeyKind::Send));
	CHECK(b.keymap.at("esc") == Key::of(KeyKind::Cancel));
	CHECK(b.keymap.at("x") == Key::of(KeyKind::Cancel));
	CHECK(b.keymap.at("l") == Key::of(KeyKind::Blf, 1));
	CHECK(b.keymap.at("b") == Key::of(KeyKind::Blf, 2));
	CHECK(b.keymap.at("n") == Key::of(KeyKind::Blf, 3));
	CHECK(b.keymap.at("m") == Key::of(KeyKind::Blf, 4));
	CHECK(b.keymap.size() == 7);

	auto none = board_load(source_dir() + "boards/no-such-board");
	REQUIRE_FALSE(none.ok());
	CHECK(has(none.error().str(), "cannot open"));
}

TEST_CASE("board: qemu-virt maps the virtio keyboard and writes to the virtio console")
{
	const Board b = load_board("qemu-virt");
	CHECK(b.name == "qemu-virt");
	CHECK(b.display_lines == 2);
	CHECK(b.display_columns == 32);
	CHECK(b.blf_keys == 4);
	CHECK(b.softkeys == 4);
	CHECK(b.keys == KeysBackend::Evdev);
	CHECK(b.inputs.empty());
	CHECK(b.input_names == std::vector<std::string>{"QEMU Virtio Keyboard"});
	CHECK(b.display == DisplayBackend::Serial);
	CHECK(b.display_path == "/dev/hvc0");
	CHECK(b.display_baud == 0);
	CHECK(b.keymap.empty());
	CHECK(b.leds.empty());
	CHECK_FALSE(b.hook.present());

	const char *row[] = {"KEY_0", "KEY_1", "KEY_2", "KEY_3", "KEY_4",
	                     "KEY_5", "KEY_6", "KEY_7", "KEY_8", "KEY_9"};
	const char *pad[] = {"KEY_KP0", "KEY_KP1", "KEY_KP2", "KEY_KP3", "KEY_KP4",
	                     "KEY_KP5", "KEY_KP6", "KEY_KP7", "KEY_KP8", "KEY_KP9"};
	for (int i = 0; i < 10; ++i) {
		CHECK(key_at(b, row[i]) == Key::dig(static_cast<char>('0' + i)));
		CHECK(key_at(b, pad[i]) == Key::dig(static_cast<char>('0' + i)));
	}
	CHECK(key_at(b, "KEY_KPASTERISK") == Key::of(KeyKind::Star));
	CHECK(key_at(b, "KEY_BACKSLASH") == Key::of(KeyKind::Hash));
	CHECK(key_at(b, "KEY_NUMERIC_STAR") == Key::of(KeyKind::Star));
	CHECK(key_at(b, "KEY_NUMERIC_POUND") == Key::of(KeyKind::Hash));
	CHECK(key_at(b, "KEY_ENTER") == Key::of(KeyKind::Send));
	CHECK(key_at(b, "KEY_KPENTER") == Key::of(KeyKind::Send));
	CHECK(key_at(b, "KEY_ESC") == Key::of(KeyKind::Cancel));
	CHECK(key_at(b, "KEY_BACKSPACE") == Key::of(KeyKind::Cancel));
	CHECK(key_at(b, "KEY_F1") == Key::of(KeyKind::Blf, 1));
	CHECK(key_at(b, "KEY_F4") == Key::of(KeyKind::Blf, 4));
	CHECK(key_at(b, "KEY_F5") == Key::of(KeyKind::Softkey, 1));
	CHECK(key_at(b, "KEY_F8") == Key::of(KeyKind::Softkey, 4));
	CHECK(key_at(b, "KEY_F9") == Key::of(KeyKind::Headset));
	CHECK(key_at(b, "KEY_F11") == Key::of(KeyKind::HookOff));
	CHECK(key_at(b, "KEY_F12") == Key::of(KeyKind::HookOn));
	CHECK(key_at(b, "KEY_UP") == Key::of(KeyKind::Up));
	CHECK(key_at(b, "KEY_RIGHT") == Key::of(KeyKind::Right));
	CHECK(b.key_codes.size() == 43);
	// A shifted key is two events; the board needs none.
	CHECK(b.key_codes.count(code("KEY_LEFTSHIFT")) == 0);
}

TEST_CASE("board: deskphone-4x6, the vendor example")
{
	const Board b = load_board("deskphone-4x6");
	CHECK(b.name == "deskphone-4x6");
	CHECK(b.display_lines == 4);
	CHECK(b.display_columns == 24);
	CHECK(b.blf_keys == 6);
	CHECK(b.blf_pages == 2);
	CHECK(b.softkeys == 4);
	CHECK(b.keys == KeysBackend::Evdev);
	CHECK(b.input_names == std::vector<std::string>{"matrix-keypad", "gpio-keys"});
	CHECK(b.display == DisplayBackend::Serial);
	CHECK(b.display_path == "/dev/ttyS2");
	CHECK(b.display_baud == 115200);
	REQUIRE(b.hook.present());
	CHECK(b.hook.input == InputCode{InputType::Key, code("KEY_PHONE")});
	CHECK(b.hook.inverted);
	CHECK(b.key_codes.count(code("KEY_PHONE")) == 0); // the hook is not a key line

	for (int i = 0; i < 10; ++i) {
		const std::string n = "KEY_NUMERIC_" + std::to_string(i);
		CHECK(key_at(b, n.c_str()) == Key::dig(static_cast<char>('0' + i)));
	}
	CHECK(key_at(b, "KEY_NUMERIC_STAR") == Key::of(KeyKind::Star));
	CHECK(key_at(b, "KEY_NUMERIC_POUND") == Key::of(KeyKind::Hash));
	CHECK(key_at(b, "KEY_SEND") == Key::of(KeyKind::Send));
	CHECK(key_at(b, "KEY_CANCEL") == Key::of(KeyKind::Cancel));
	for (int i = 1; i <= 6; ++i) {
		const std::string n = "KEY_MACRO" + std::to_string(i);
		CHECK(key_at(b, n.c_str()) == Key::of(KeyKind::Blf, i));
	}
	for (int i = 1; i <= 4; ++i) {
		const std::string n = "KEY_F" + std::to_string(i);
		CHECK(key_at(b, n.c_str()) == Key::of(KeyKind::Softkey, i));
	}
	CHECK(key_at(b, "KEY_NEXT") == Key::of(KeyKind::Page));
	CHECK(key_at(b, "KEY_OK") == Key::of(KeyKind::Ok));
	CHECK(key_at(b, "KEY_PROG1") == Key::of(KeyKind::Headset));
	CHECK(b.key_codes.size() == 31);

	CHECK(b.leds.size() == 7);
	CHECK(b.leds.at("blf1") == "deskphone:green:blf1");
	CHECK(b.leds.at("blf6") == "deskphone:green:blf6");
	CHECK(b.leds.at("mwi") == "deskphone:red:mwi");
	const KeyGeometry g = b.key_geometry();
	CHECK(g.blf_keys == 6);
	CHECK(g.blf_pages == 2);
	CHECK(g.softkeys == 4);
}

TEST_CASE("board: every board in boards/ parses, and evdev boards map every key they declare")
{
	// Every directory under boards/: a vendor's new board is checked here too.
	std::vector<std::string> boards;
	if (DIR *d = ::opendir((source_dir() + "boards").c_str())) {
		while (const struct dirent *e = ::readdir(d)) {
			const std::string conf =
			    source_dir() + "boards/" + e->d_name + "/board.conf";
			if (e->d_name[0] != '.' && ::access(conf.c_str(), R_OK) == 0)
				boards.push_back(e->d_name);
		}
		::closedir(d);
	}
	for (const char *known : {"host", "qemu-virt", "deskphone-4x6"})
		CHECK(std::find(boards.begin(), boards.end(), known) != boards.end());
	for (const std::string &name : boards) {
		INFO(name);
		const Board b = load_board(name);
		CHECK(b.name == name);
		if (b.keys != KeysBackend::Evdev)
			continue;
		std::vector<Key> want;
		for (char c = '0'; c <= '9'; ++c)
			want.push_back(Key::dig(c));
		want.push_back(Key::of(KeyKind::Star));
		want.push_back(Key::of(KeyKind::Hash));
		want.push_back(Key::of(KeyKind::Send));
		want.push_back(Key::of(KeyKind::Cancel));
		for (unsigned i = 1; i <= b.blf_keys; ++i)
			want.push_back(Key::of(KeyKind::Blf, static_cast<int>(i)));
		for (unsigned i = 1; i <= b.softkeys; ++i)
			want.push_back(Key::of(KeyKind::Softkey, static_cast<int>(i)));
		for (const Key &k : want) {
			INFO(key_name(k));
			bool found = false;
			for (const auto &kv : b.key_codes)
				found = found || kv.second == k;
			CHECK(found);
		}
	}
}

TEST_CASE("board: defaults and limits")
{
	auto b = board_parse("name tiny\n");
	REQUIRE(b.ok());
	CHECK(b->display_lines == 2);
	CHECK(b->display_columns == 24);
	CHECK(b->blf_keys == 0);
	CHECK(b->blf_pages == 1);
	CHECK(b->softkeys == 0);
	CHECK(b->keys == KeysBackend::Host);
	CHECK(b->display == DisplayBackend::Host);
	CHECK(b->keymap.empty());
	CHECK(b->key_codes.empty());

	struct Case {
		const char *text;
		const char *where;
	};
	const Case cases[] = {
	    {"name t\ndisplay_lines 0\n", "board:2"},
	    {"name t\ndisplay_lines 17\n", "board:2"},
	    {"name t\ndisplay_columns 7\n", "board:2"},
	    {"name t\n\nblf_keys 65\n", "board:3"},
	    {"name t\nblf_keys many\n", "board:2"},
	    {"name t\nsoftkeys 17\n", "board:2"},
	    {"name t\nblf_pages 0\n", "board:2"},
	    {"name t\nblf_keys -1\n", "board:2"},
	    {"name t\ndisplay_lines 99999999999\n", "board:2"},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.text));
		auto e = board_parse(c.text);
		REQUIRE_FALSE(e.ok());
		CHECK(e.error().where == c.where);
		CHECK(has(e.error().what, "must be a number from"));
	}
	// The limits are inclusive.
	CHECK(board_parse("name t\ndisplay_lines 1\ndisplay_columns 80\nblf_keys 64\nsoftkeys 16\n")
	          .ok());
}

TEST_CASE("board: every error names its line and the problem")
{
	struct Case {
		std::string text;
		unsigned line;
		std::vector<const char *> named;
	};
	const std::string evdev_ok =
	    "keys evdev\ninput /dev/input/event0\n"
	    "key KEY_0=0\nkey KEY_1=1\nkey KEY_2=2\nkey KEY_3=3\nkey KEY_4=4\n"
	    "key KEY_5=5\nkey KEY_6=6\nkey KEY_7=7\nkey KEY_8=8\nkey KEY_9=9\n"
	    "key KEY_KPASTERISK=*\nkey KEY_3=#\n"; // the last line clashes
	const std::vector<Case> cases = {
	    // unknown names
	    {"name t\nkey q=frobnicate\n",
	     2,
	     {"key q=frobnicate", "unknown key name 'frobnicate'"}},
	    {"name t\nkey q=blf0\n", 2, {"key q=blf0", "blf0"}},
	    {"name t\nkey q=soft17\n", 2, {"key q=soft17"}},
	    {"name t\nkeys evdev\n# c\nkey KEY_FOO=1\n",
	     4,
	     {"key KEY_FOO=1", "unknown key name 'KEY_FOO'"}},
	    {"name t\nkeys evdev\nkey BTN_NOPE=1\n", 3, {"unknown key name 'BTN_NOPE'"}},
	    {"name t\nkeys evdev\nkey SW_LID=1\n", 3, {"SW_LID is a switch"}},
	    {"name t\nkey foo=send\n", 2, {"unknown input 'foo'"}},
	    {"name t\nfrobnicate 1\n", 2, {"unknown setting 'frobnicate'"}},
	    {"name t\nkeys serial\n", 2, {"unknown keys backend 'serial'"}},
	    {"name t\ndisplay lcd\n", 2, {"unknown display backend 'lcd'"}},
	    {"name t\nled blf1x=foo\n", 2, {"unknown lamp 'blf1x'"}},
	    // duplicates
	    {"name t\nkey x=cancel\nkey x=send\n",
	     3,
	     {"key x=send", "input 'x' mapped twice", "line 2"}},
	    {"name t\n" + evdev_ok, 15, {"duplicate code", "KEY_3", "line 7"}},
	    {"name t\nkeys evdev\nkey KEY_HANGEUL=1\nkey KEY_HANGUEL=2\n",
	     4,
	     {"duplicate code", "line 3"}},
	    {"name t\nkeys evdev\nkey KEY_PHONE=1\nhook_switch KEY_PHONE\n",
	     4,
	     {"duplicate code", "line 3"}},
	    {"name t\nblf_keys 2\nblf_keys 3\n", 3, {"'blf_keys' is set twice", "first on line 2"}},
	    {"name t\nname u\n", 2, {"'name' is set twice"}},
	    {"name t\nblf_keys 2\nled blf1=a\nled blf1=b\n", 4, {"lamp 'blf1' is set twice"}},
	    {"name t\nblf_keys 2\nled blf1=a\nled blf2=a\n",
	     4,
	     {"LED 'a' is already used on line 3"}},
	    // beyond the board
	    {"name t\nblf_keys 2\nkey z=blf3\n",
	     3,
	     {"'key z=blf3'", "blf3", "beyond blf_keys", "2 BLF keys"}},
	    {"name t\nkey z=blf1\n", 2, {"'key z=blf1'", "0 BLF keys"}},
	    {"name t\nkey z=soft1\nsoftkeys 0\n", 2, {"soft1", "beyond softkeys"}},
	    {"name t\nled blf1=x\n", 2, {"lamp blf1 is beyond blf_keys"}},
	    // shapes
	    {"name t\nkey q\n", 2, {"key q", "want 'key <input>=<logical key>'"}},
	    {"name t\nkey =send\n", 2, {"key =send"}},
	    {"name t\nkey q=\n", 2, {"key q="}},
	    {"name t\nkey q = send\n", 2, {"want 'key <input>=<logical key>'"}},
	    {"name t\nblf_keys\n", 2, {"'blf_keys' needs a value"}},
	    {"name t\nled blf1\n", 2, {"want 'led <blfN|mwi>=<LED class name>'"}},
	    {"name t\nled mwi=../../x\n", 2, {"not an LED class name"}},
	    {"name t\nname bad/name\n", 2, {"'name' is set twice"}},
	    {"name bad/name\n", 1, {"want 1-63"}},
	    {"name t\nkeys evdev\nhook_switch KEY_PHONE upside-down\n", 3, {"want 'hook_switch"}},
	    {"name t\nkeys evdev\nhook_switch PHONE\n", 3, {"unknown key name 'PHONE'"}},
	    {"name t\ndisplay serial\ndisplay_path dev/ttyS0\n", 3, {"want an absolute path"}},
	    {"name t\ndisplay serial\ndisplay_path /dev/ttyS0\ndisplay_baud 12345\n",
	     4,
	     {"display_baud 12345"}},
	    {"name t\nkeys evdev\ninput event0\n", 3, {"want an absolute device path"}},
	    {"name t\nkeys evdev\ninput /dev/a\ninput_name k\ninput /dev/a\n",
	     5,
	     {"'input /dev/a' is listed twice (first on line 3)"}},
	    {"name t\nkeys evdev\ninput_name k b\ninput_name k b\n",
	     4,
	     {"'input_name k b' is listed twice"}},
	    // what a backend needs
	    {"name t\n\nkeys evdev\ninput /dev/input/event0\nkey KEY_1=1\n",
	     3,
	     {"missing required key", "0, 2, 3, 4, 5, 6, 7, 8, 9, *, #"}},
	    {"name t\nkeys evdev\n", 2, {"needs an 'input' or 'input_name' line"}},
	    {"name t\nkeys evdev\ninput /dev/x\nkey enter=send\n",
	     4,
	     {"terminal inputs are for 'keys host'"}},
	    {"name t\nkey KEY_1=1\n", 2, {"KEY_ codes are for 'keys evdev'"}},
	    {"name t\ninput_name foo\n", 2, {"input and input_name are for 'keys evdev'"}},
	    {"name t\nhook_switch KEY_PHONE\n", 2, {"hook_switch is for 'keys evdev'"}},
	    {"name t\ndisplay serial\n", 2, {"'display serial' needs a display_path"}},
	    {"name t\ndisplay_path /dev/ttyS0\n", 2, {"display_path is for"}},
	    {"name t\ndisplay chardev\ndisplay_path /dev/x\ndisplay_baud 9600\n",
	     4,
	     {"display_baud is for 'display serial'"}},
	    {"name t\nblf_keys 2\nblf_pages 2\nkeys evdev\ninput /dev/x\n",
	     3,
	     {"needs a key mapped to 'page'"}},
	};
	for (const auto &c : cases) {
		INFO(c.text);
		auto b = board_parse(c.text);
		REQUIRE_FALSE(b.ok());
		INFO(b.error().str());
		CHECK(b.error().where == "board:" + std::to_string(c.line));
		for (const char *n : c.named)
			CHECK(has(b.error().str(), n));
	}

	// Without a name there is no line to blame; the error still says what.
	auto noname = board_parse("display_lines 2\nkey enter=send\n");
	REQUIRE_FALSE(noname.ok());
	CHECK(has(noname.error().str(), "missing 'name'"));

	// board_load names the file: "<path>:<line>: <problem>", like a compiler.
	TempDir dir;
	dir.write("board.conf", "name t\nblf_keys 1\nkey l=blf2\n", 0644);
	auto loaded = board_load(dir.path());
	REQUIRE_FALSE(loaded.ok());
	CHECK(loaded.error().str().rfind(dir.path() + "/board.conf:3: 'key l=blf2'", 0) == 0);

	auto fine = board_parse(
	    "name t\nblf_keys 2\nsoftkeys 16\nkey a=blf2\nkey b=soft16\nkey c=#\nkey d=0\n"
	    "key ==send\nkey p=page\nkey h=hook_off\n");
	REQUIRE_MESSAGE(fine.ok(), (fine.ok() ? "" : fine.error().str()));
	CHECK(fine->keymap.at("a") == Key::of(KeyKind::Blf, 2));
	CHECK(fine->keymap.at("b") == Key::of(KeyKind::Softkey, 16));
	CHECK(fine->keymap.at("c") == Key::of(KeyKind::Hash));
	CHECK(fine->keymap.at("d") == Key::dig('0'));
	CHECK(fine->keymap.at("=") == Key::of(KeyKind::Send));
	CHECK(fine->keymap.at("p") == Key::of(KeyKind::Page));
	CHECK(fine->keymap.at("h") == Key::of(KeyKind::HookOff));
}

TEST_CASE("board: comments, blank lines, spaces in values, CRLF")
{
	const std::string text = "# a board\r\n"
	                         "  name   t   # trailing comment\r\n"
	                         "\r\n"
	                         "keys evdev\r\n"
	                         "input_name   Some Vendor Keypad   \r\n"
	                         "input_name gpio-keys*\r\n"
	                         "input /dev/input/by-path/platform-keys-event\r\n"
	                         "key KEY_NUMERIC_0=0\nkey KEY_NUMERIC_1=1\nkey KEY_NUMERIC_2=2\n"
	                         "key KEY_NUMERIC_3=3\nkey KEY_NUMERIC_4=4\nkey KEY_NUMERIC_5=5\n"
	                         "key KEY_NUMERIC_6=6\nkey KEY_NUMERIC_7=7\nkey KEY_NUMERIC_8=8\n"
	                         "key KEY_NUMERIC_9=9\nkey KEY_NUMERIC_STAR=*\n"
	                         "key KEY_NUMERIC_POUND=#    # '#' after '=' is the hash key\n"
	                         "hook_switch SW_LID\n"
	                         "display chardev\ndisplay_path /dev/ttyGS0\n";
	auto b = board_parse(text);
	REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().str()));
	CHECK(b->name == "t");
	CHECK(b->input_names == std::vector<std::string>{"Some Vendor Keypad", "gpio-keys*"});
	CHECK(b->inputs == std::vector<std::string>{"/dev/input/by-path/platform-keys-event"});
	CHECK(b->key_codes.at(code("KEY_NUMERIC_POUND")) == Key::of(KeyKind::Hash));
	CHECK(b->hook.input == InputCode{InputType::Switch, code("SW_LID")});
	CHECK_FALSE(b->hook.inverted);
	CHECK(b->display == DisplayBackend::Chardev);
	CHECK(b->display_path == "/dev/ttyGS0");
}

TEST_CASE("board: Linux input code names")
{
	CHECK(code("KEY_ESC") == 1);
	CHECK(code("KEY_1") == 2);
	CHECK(code("KEY_0") == 11);
	CHECK(code("KEY_KPASTERISK") == 55);
	CHECK(code("KEY_F1") == 59);
	CHECK(code("BTN_0") == 0x100);
	CHECK(code("KEY_OK") == 0x160);
	CHECK(code("KEY_NUMERIC_POUND") == 0x20b);
	CHECK(input_code("SW_HEADPHONE_INSERT")->type == InputType::Switch);
	CHECK(input_code("SW_HEADPHONE_INSERT")->code == 2);
	CHECK_FALSE(input_code("KEY_MAX").has_value());
	CHECK_FALSE(input_code("KEY_RESERVED").has_value());
	CHECK_FALSE(input_code("key_1").has_value());
	CHECK(input_code_name(InputCode{InputType::Key, 2}) == "KEY_1");
	CHECK(input_code_name(InputCode{InputType::Key, 0x2ff}) == "KEY_#767");
	// Aliases share a code; the header's first name is the one shown.
	CHECK(code("KEY_HANGUEL") == code("KEY_HANGEUL"));
	CHECK(input_code_name(*input_code("KEY_HANGUEL")) == "KEY_HANGEUL");
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
	const std::vector<Key> want = {Key::of(KeyKind::Blf, 1),
	                               Key::of(KeyKind::Send),
	                               Key::dig('1'),
	                               Key::dig('2'),
	                               Key::of(KeyKind::Hash),
	                               Key::of(KeyKind::Softkey, 3),
	                               Key::of(KeyKind::Cancel),
	                               Key::of(KeyKind::Star),
	                               Key::dig('9')};
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
	for (KeyKind k : {KeyKind::HookOff, KeyKind::HookOn, KeyKind::Headset, KeyKind::Up,
	                  KeyKind::Down, KeyKind::Left, KeyKind::Right, KeyKind::Ok, KeyKind::Page})
		all.push_back(Key::of(k));
	for (const Key &k : all) {
		INFO(key_name(k));
		auto back = parse_key_name(key_name(k));
		REQUIRE(back.ok());
		CHECK((*back == k));
	}
	CHECK(key_name(Key::of(KeyKind::HookOff)) == "hook_off");
	CHECK(key_name(Key::of(KeyKind::Page)) == "page");
	// Only the arrows repeat while held.
	CHECK(key_repeats(Key::of(KeyKind::Up)));
	CHECK(key_repeats(Key::of(KeyKind::Right)));
	CHECK_FALSE(key_repeats(Key::dig('5')));
	CHECK_FALSE(key_repeats(Key::of(KeyKind::Blf, 1)));
	CHECK_FALSE(key_repeats(Key::of(KeyKind::HookOff)));
	CHECK_FALSE(key_repeats(Key::of(KeyKind::Ok)));
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

// Issue 14 kind 1: the pool account in hotdeskd.conf gets the same one check
// of account-line values as a profile's.
TEST_CASE("config: the pool account is normalised or refused naming the key")
{
	auto c = config_parse("outbound_proxy 127.0.0.1:5070;transport=udp\n");
	REQUIRE(c.ok());
	CHECK(c->outbound_proxy == "sip:127.0.0.1:5070;transport=udp");
	CHECK(config_parse("registrar sip:127.0.0.1:5070\n")->registrar == "127.0.0.1:5070");

	auto sips = config_parse("outbound_proxy sips:sbc.example.com\n");
	REQUIRE_FALSE(sips.ok());
	CHECK(sips.error().str().find("config:outbound_proxy") != std::string::npos);
	auto path = config_parse("registrar 127.0.0.1:5070/path\n");
	REQUIRE_FALSE(path.ok());
	CHECK(path.error().str().find("config:registrar") != std::string::npos);
	auto user = config_parse("pool_sip_user HD 0001\n");
	CHECK_FALSE(user.ok());
}

TEST_CASE("board: dial_terminator hash | none, named on its line otherwise")
{
	struct Case {
		const char *text;
		bool ok;
		DialTerminator want;
	};
	const Case cases[] = {
	    {"name t\n", true, DialTerminator::Hash},
	    {"name t\ndial_terminator hash\n", true, DialTerminator::Hash},
	    {"name t\ndial_terminator none\n", true, DialTerminator::None},
	    {"name t\ndial_terminator none # PBX codes use #\n", true, DialTerminator::None},
	    {"name t\ndial_terminator star\n", false, DialTerminator::Hash},
	    {"name t\ndial_terminator #\n", false, DialTerminator::Hash}, // a comment: no value
	    {"name t\ndial_terminator none\ndial_terminator hash\n", false, DialTerminator::Hash},
	};
	for (const auto &c : cases) {
		INFO(std::string(c.text));
		auto b = board_parse(c.text);
		REQUIRE(b.ok() == c.ok);
		if (c.ok)
			CHECK(b->dial_terminator == c.want);
		else
			CHECK(b.error().where.rfind("board:", 0) == 0);
	}
}

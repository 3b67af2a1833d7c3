// SPDX-License-Identifier: BSD-3-Clause
// Display layout on every board geometry (shortening, UTF-8, softkey row),
// and the serial display against a real pty (posix_openpt): raw mode, the
// frames read back and parsed, a device that stops reading, one that goes
// away; the chardev backend and the transcript.
#include <doctest/doctest.h>

#include "re_loop.h"

#include "agent/core/board.h"
#include "platform/display/host/host_display.h"
#include "platform/display/serial/serial_display.h"
#include "platform/display/text_layout.h"
#include "platform/factory.h"
#include "platform/re/re_cxx.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <poll.h>
#include <sstream>
#include <string>
#include <termios.h>
#include <unistd.h>
#include <vector>

using namespace hotdesk;
using namespace hotdesk::platform;

namespace
{

const std::string kEllipsis = "\xE2\x80\xA6";

// The source tree. Not from __FILE__: with ccache's base_dir (CCACHE_BASEDIR) that
// path is relative to the build directory, not to where the test runs.
std::string source_dir()
{
	return std::string(HOTDESK_SOURCE_DIR) + "/";
}

using hotdesk::test::run_for;
using hotdesk::test::run_until;

// A pty: the display writes to the slave, the test reads the master.
class Pty
{
public:
	Pty()
	{
		master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		REQUIRE(master >= 0);
		REQUIRE(::grantpt(master) == 0);
		REQUIRE(::unlockpt(master) == 0);
		slave = ::ptsname(master);
		REQUIRE(!slave.empty());
		::fcntl(master, F_SETFL, ::fcntl(master, F_GETFL) | O_NONBLOCK);
	}
	~Pty()
	{
		if (master >= 0)
			::close(master);
	}
	// Whatever is there within `ms`.
	std::string read_some(int ms = 200)
	{
		std::string out;
		struct pollfd p {
			master, POLLIN, 0
		};
		while (::poll(&p, 1, out.empty() ? ms : 20) > 0) {
			char buf[4096];
			const ssize_t n = ::read(master, buf, sizeof(buf));
			if (n <= 0)
				break;
			out.append(buf, static_cast<size_t>(n));
		}
		return out;
	}
	int master = -1;
	std::string slave;
};

std::vector<std::vector<std::string>> frames_in(const std::string &log)
{
	std::vector<std::vector<std::string>> out;
	std::istringstream in(log);
	std::string line;
	while (std::getline(in, line)) {
		std::vector<std::string> f;
		if (parse_display_line(line, f))
			out.push_back(f);
	}
	return out;
}

std::string tmp_path(const std::string &name)
{
	const char *base = std::getenv("TMPDIR");
	return std::string(base && *base ? base : "/tmp") + "/hotdesk-display-" +
	       std::to_string(::getpid()) + "-" + name;
}

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

} // namespace

// ---- text layout ----

TEST_CASE("display: shorten fits, cuts on characters and marks the cut")
{
	CHECK(shorten("Ready", 24) == "Ready");
	CHECK(shorten("exactly8", 8) == "exactly8");
	CHECK(shorten("exactly9!", 8) == "exactly" + kEllipsis);
	CHECK(shorten("100 Alexandra Featherstonehaugh", 24) ==
	      "100 Alexandra Featherst" + kEllipsis);
	CHECK(text_width(shorten("100 Alexandra Featherstonehaugh", 24)) == 24);
	// No space before the ellipsis.
	CHECK(shorten("Logged in as Bob Smith", 14) == "Logged in as" + kEllipsis);
	CHECK(shorten("abc", 0).empty());
	CHECK(shorten("abc", 1) == kEllipsis);
	CHECK(shorten("", 5).empty());
	// UTF-8: counted in characters, never split.
	CHECK(shorten("Zoë Ölund-Šimić", 8) == "Zoë Ölu" + kEllipsis);
	CHECK(shorten("日本語の名前です", 5) == "日本語の" + kEllipsis);
	CHECK(shorten("a😀b😀c", 4) == "a😀b" + kEllipsis);
	// A combining accent stays on its letter: "e" + U+0301 is one cell.
	const std::string e_acute = "e\xCC\x81";
	CHECK(text_width("Ren" + e_acute + "e") == 5);
	CHECK(shorten("Ren" + e_acute + "e Dupont", 5) == "Ren" + e_acute + kEllipsis);
	CHECK(shorten("Ren" + e_acute + "e", 5) == "Ren" + e_acute + "e");
	// Each cut of a mixed string is valid UTF-8 and within the width.
	const std::string mixed = "Zoë 日本 😀 Ölund — ok";
	for (unsigned n = 0; n <= 24; ++n) {
		INFO("columns " << n);
		const std::string s = shorten(mixed, n);
		CHECK(text_width(s) <= n);
		CHECK(sanitize_utf8(s) == s);
	}
}

TEST_CASE("display: control characters, broken UTF-8 and bidi overrides cannot reach the device")
{
	CHECK(sanitize_utf8("a\x1b[2Jb") == "a [2Jb");
	CHECK(sanitize_utf8("tab\there\r\n") == "tab here  ");
	CHECK(sanitize_utf8("ok\x7f") == "ok ");
	CHECK(sanitize_utf8("\xC2\x9B"
	                    "31m") == " 31m"); // C1 CSI
	CHECK(sanitize_utf8("ab\xE6\x97") == "ab??");
	CHECK(sanitize_utf8("\xC0\xAF") == "??");           // overlong '/'
	CHECK(sanitize_utf8("\xED\xA0\x80") == "???");      // a surrogate
	CHECK(sanitize_utf8("\xF4\x90\x80\x80") == "????"); // beyond U+10FFFF
	CHECK(sanitize_utf8("abc\xE2\x80\xAE"
	                    "fdp.exe") == "abcfdp.exe"); // RIGHT-TO-LEFT OVERRIDE
	CHECK(sanitize_utf8("Zoë 日本") == "Zoë 日本");
	CHECK(pad("ab", 4) == "ab  ");
	CHECK(pad("abcdef", 4) == "abc" + kEllipsis);
}

TEST_CASE("display: the host terminal redraws its box in place; names cannot act as escapes")
{
	const std::string bar = "+------+\x1b[K\r\n";
	// The first frame clears the terminal; later ones only home the cursor
	// and overwrite the same rows, so the screen never scrolls.
	CHECK(terminal_frame({"Zoë", "ok"}, 4, true) ==
	      "\x1b[H\x1b[2J" + bar + "| Zoë  |\x1b[K\r\n| ok   |\x1b[K\r\n" + bar);
	CHECK(terminal_frame({"Zoë", "ok"}, 4, false) ==
	      "\x1b[H" + bar + "| Zoë  |\x1b[K\r\n| ok   |\x1b[K\r\n" + bar);
	// A caller's display name comes from the SIP From header.
	CHECK(terminal_frame({"\x1b[2J"}, 4, false) == "\x1b[H" + bar + "|  [2J |\x1b[K\r\n" + bar);
}

TEST_CASE("display: the screen on each board's geometry")
{
	const std::vector<std::string> session = {"100 Alexandra Featherstonehaugh",
	                                          "PIN for 100: ****"};
	struct Geo {
		const char *board;
		unsigned lines, columns, softkeys;
	};
	for (const Geo &g :
	     {Geo{"host", 2, 32, 0}, Geo{"qemu-virt", 2, 32, 4}, Geo{"deskphone-4x6", 4, 24, 4}}) {
		INFO(g.board);
		auto b = board_load(source_dir() + "boards/" + g.board);
		REQUIRE(b.ok());
		REQUIRE(b->display_lines == g.lines);
		REQUIRE(b->display_columns == g.columns);
		REQUIRE(b->softkeys == g.softkeys);
		const auto screen = layout_screen(session, b->display_lines, b->display_columns);
		REQUIRE(screen.size() == g.lines);
		for (const auto &l : screen)
			CHECK(text_width(l) <= g.columns);
		CHECK(screen[1] == "PIN for 100: ****");
		if (g.columns == 32)
			CHECK(screen[0] == "100 Alexandra Featherstonehaugh"); // 31: fits
		else
			CHECK(screen[0] == "100 Alexandra Featherst" + kEllipsis);
		for (size_t i = 2; i < screen.size(); ++i)
			CHECK(screen[i].empty());
	}

	// deskphone-4x6 with logout on softkey 4: labels in 4 cells of 6.
	const auto four = layout_screen({"100 Ann", "Ready"}, 4, 24, {"", "", "Page", "Logout"});
	CHECK(four == std::vector<std::string>{"100 Ann", "Ready", "", "            Page  Logout"});
	const auto longlabel =
	    layout_screen({"100 Ann", "Ready"}, 4, 24, {"Directory", "", "", ""});
	CHECK(longlabel[3] == "Direc" + kEllipsis);
	// No labels: no softkey row; two lines have no room for one.
	CHECK(layout_screen({"a", "b"}, 4, 24, {"", "", "", ""}) ==
	      std::vector<std::string>{"a", "b", "", ""});
	CHECK(layout_screen({"a", "b"}, 2, 32, {"Logout"}) == std::vector<std::string>{"a", "b"});
	// A one-line display shows the status, which says what to do.
	CHECK(layout_screen({"HD0001", "Emergency calls only"}, 1, 16) ==
	      std::vector<std::string>{"Emergency calls" + kEllipsis});
	// Three session lines on a two-line display: the first and the status.
	CHECK(layout_screen({"a", "b", "c"}, 2, 16) == std::vector<std::string>{"a", "c"});
	CHECK(layout_screen({}, 3, 16) == std::vector<std::string>{"", "", ""});
}

// ---- serial display on a pty ----

TEST_CASE("display: serial on a real pty: raw mode, the baud rate, ANSI screen and DISPLAY frames")
{
	Pty pty;
	SerialDisplayOptions o;
	o.path = pty.slave;
	o.lines = 4;
	o.columns = 24;
	o.baud = 115200;
	SerialDisplay d(o);
	REQUIRE(d.is_open());

	// The line is raw at 115200 now.
	const int s = ::open(pty.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
	REQUIRE(s >= 0);
	struct termios t {
	};
	REQUIRE(::tcgetattr(s, &t) == 0);
	CHECK((t.c_lflag & (ICANON | ECHO | ISIG)) == 0);
	CHECK((t.c_oflag & OPOST) == 0);
	CHECK((t.c_cflag & CSIZE) == CS8);
	CHECK((t.c_cflag & PARENB) == 0);
	CHECK(::cfgetospeed(&t) == B115200);
	::close(s);

	d.render({"100 Alexandra Featherstonehaugh", "Ready"});
	const std::string out = pty.read_some();
	CHECK(out.rfind("\x1b[2J\x1b[H", 0) == 0);
	CHECK(out.find("100 Alexandra Featherst" + kEllipsis + "\r\nReady\r\n\r\n\r\n") !=
	      std::string::npos);
	const auto f = frames_in(out);
	REQUIRE(f.size() == 1);
	CHECK(f[0] ==
	      std::vector<std::string>{"100 Alexandra Featherst" + kEllipsis, "Ready", "", ""});
	CHECK(out.find("DISPLAY|100 Alexandra Featherst" + kEllipsis + "|Ready||\r\n") !=
	      std::string::npos);

	// The same screen again: nothing written.
	d.render({"100 Alexandra Featherstonehaugh", "Ready"});
	CHECK(pty.read_some(50).empty());

	// '|' and '\' in text survive the frame line; escapes do not reach the device.
	d.render({"A|B \\ C", "x\x1b[31my"});
	const auto g = frames_in(pty.read_some());
	REQUIRE(g.size() == 1);
	CHECK(g[0] == std::vector<std::string>{"A|B \\ C", "x [31my", "", ""});

	// Softkey labels on the bottom line.
	d.set_softkeys({"", "", "", "Logout"});
	const auto h = frames_in(pty.read_some());
	REQUIRE(h.size() == 1);
	CHECK(h[0][3] == "                  Logout");
}

TEST_CASE("display: a device that stops reading never blocks; the newest screen gets through")
{
	Pty pty;
	SerialDisplayOptions o;
	o.path = pty.slave;
	o.lines = 2;
	o.columns = 32;
	SerialDisplay d(o);
	REQUIRE(d.is_open());
	// Stop the output (like XOFF / a stuck controller): writes would block.
	const int s = ::open(pty.slave.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
	REQUIRE(s >= 0);
	REQUIRE(::tcflow(s, TCOOFF) == 0);
	const auto start = std::chrono::steady_clock::now();
	for (int i = 0; i < 3000; ++i)
		d.render({"frame " + std::to_string(i), std::string(30, 'x')});
	CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
	CHECK(d.pending() > 0);
	CHECK(d.pending() <= 16 * 1024 + 200);
	REQUIRE(::tcflow(s, TCOON) == 0);
	std::string got;
	REQUIRE(run_until([&] {
		got += pty.read_some(1);
		return d.pending() == 0 && got.find("DISPLAY|frame 2999|") != std::string::npos;
	}));
	// Old screens were dropped, but never half a frame: every DISPLAY line
	// that arrived is whole.
	const auto frames = frames_in(got);
	CHECK(frames.size() < 3000);
	for (const auto &f : frames) {
		REQUIRE(f.size() == 2);
		CHECK(f[0].rfind("frame ", 0) == 0);
		CHECK(f[1] == std::string(30, 'x'));
	}
	::close(s);
}

TEST_CASE("display: a missing device is opened when it appears; a vanished one is reopened")
{
	const std::string path = tmp_path("late");
	::unlink(path.c_str());
	const std::string log = tmp_path("transcript");
	::unlink(log.c_str());
	SerialDisplayOptions o;
	o.path = path;
	o.lines = 2;
	o.columns = 16;
	o.configure_tty = false; // chardev
	o.transcript_path = log;
	SerialDisplay d(o);
	CHECK_FALSE(d.is_open());
	d.render({"HD0001", "Emergency calls only"}); // no device: no crash
	CHECK_FALSE(d.is_open());
	{
		std::ofstream create(path);
	}
	d.render({"HD0001", "Emergency calls only"}); // same screen, device new: written
	CHECK(d.is_open());
	const auto f = frames_in(slurp(path));
	REQUIRE(f.size() == 1);
	CHECK(f[0] == std::vector<std::string>{"HD0001", "Emergency calls" + kEllipsis});
	// The transcript has every new screen once, like the host display's.
	CHECK(slurp(log) == "HD0001 | Emergency calls" + kEllipsis + "\n");
	::unlink(path.c_str());
	::unlink(log.c_str());

	// A pty whose other side closes: EIO, closed without a crash.
	auto pty = std::make_unique<Pty>();
	SerialDisplayOptions p;
	p.path = pty->slave;
	SerialDisplay e(p);
	REQUIRE(e.is_open());
	pty.reset();
	e.render({"a", "b"});
	e.render({"c", "d"});
	CHECK_FALSE(e.is_open());
}

TEST_CASE("display: the factory picks the board's display backend")
{
	auto b = board_parse(
	    "name t\ndisplay_lines 4\ndisplay_columns 20\ndisplay chardev\ndisplay_path " +
	    tmp_path("factory") + "\n");
	REQUIRE(b.ok());
	{
		std::ofstream create(tmp_path("factory"));
	}
	auto d = make_display(*b, PlatformOptions{});
	REQUIRE(d.ok());
	(*d)->render({"1", "2", "3", "4", "5"});
	const auto f = frames_in(slurp(tmp_path("factory")));
	REQUIRE(f.size() == 1);
	CHECK(f[0] == std::vector<std::string>{"1", "2", "3", "5"});
	::unlink(tmp_path("factory").c_str());

	auto host = board_parse("name h\n");
	REQUIRE(host.ok());
	auto hd = make_display(*host, PlatformOptions{});
	REQUIRE(hd.ok());
	(*hd)->render({"x", "y"}); // no tty, no log: nothing, no crash
}

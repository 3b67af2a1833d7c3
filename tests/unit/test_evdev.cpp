// SPDX-License-Identifier: BSD-3-Clause
// The evdev key backend: the input code table against the kernel's header,
// decoding (press, release, repeat, hook switch, SYN_DROPPED), and the
// reader on libre's loop fed REAL kernel-format struct input_event records
// through a FIFO laid out like /dev/input + /sys/class/input (hot-plug,
// a vanishing device). Where /dev/uinput exists (the QEMU phone), the last
// test drives a real kernel input device; elsewhere it says it is skipped.
#include <doctest/doctest.h>

#include "re_loop.h"

#include "agent/core/board.h"
#include "platform/factory.h"
#include "platform/keys/evdev/evdev_key_source.h"
#include "platform/re/re_cxx.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <functional>
#include <linux/input.h>
#include <linux/uinput.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace hotdesk;
using platform::EvdevDecoder;
using platform::EvdevKeySource;
using platform::EvdevOptions;

// Every entry of the name table is the kernel's number for that name.
#define X(n, v) static_assert((n) == (v), #n);
#define S(n, v) static_assert((n) == (v), #n);
#include "agent/core/linux_input_codes.inc"
#undef X
#undef S

namespace
{

using hotdesk::test::run_for;
using hotdesk::test::run_until;

const char *kKeys = "key KEY_0=0\nkey KEY_1=1\nkey KEY_2=2\nkey KEY_3=3\nkey KEY_4=4\n"
                    "key KEY_5=5\nkey KEY_6=6\nkey KEY_7=7\nkey KEY_8=8\nkey KEY_9=9\n"
                    "key KEY_KPASTERISK=*\nkey KEY_BACKSLASH=#\nkey KEY_ENTER=send\n"
                    "key KEY_F1=blf1\nkey KEY_F5=soft1\nkey KEY_UP=up\nkey KEY_F9=headset\n";

Board board(const std::string &extra)
{
	const std::string text =
	    std::string("name t\nblf_keys 2\nsoftkeys 2\nkeys evdev\n") + kKeys + extra;
	auto b = board_parse(text);
	REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().str()));
	return *b;
}

std::string names(const std::vector<Key> &ks)
{
	std::string s;
	for (const Key &k : ks)
		s += (s.empty() ? "" : " ") + key_name(k);
	return s;
}

// One kernel-format record.
struct input_event ev(unsigned type, unsigned code, int value)
{
	struct input_event e {
	};
	e.input_event_sec = 1700000000;
	e.input_event_usec = 123456;
	e.type = static_cast<__u16>(type);
	e.code = static_cast<__u16>(code);
	e.value = value;
	return e;
}

std::string bytes(const std::vector<struct input_event> &evs)
{
	std::string out;
	for (const auto &e : evs)
		out.append(reinterpret_cast<const char *>(&e), sizeof(e));
	return out;
}

void write_all(int fd, const std::string &b)
{
	size_t off = 0;
	while (off < b.size()) {
		const ssize_t n = ::write(fd, b.data() + off, b.size() - off);
		REQUIRE(n > 0);
		off += static_cast<size_t>(n);
	}
}

// A press and release of `code`, as a keyboard reports it.
std::vector<struct input_event> tap(unsigned code)
{
	return {ev(EV_MSC, MSC_SCAN, 0x70000 + static_cast<int>(code)), ev(EV_KEY, code, 1),
	        ev(EV_SYN, SYN_REPORT, 0), ev(EV_KEY, code, 0), ev(EV_SYN, SYN_REPORT, 0)};
}

class TempTree
{
public:
	TempTree()
	{
		const char *base = std::getenv("TMPDIR");
		std::string tmpl =
		    std::string(base && *base ? base : "/tmp") + "/hotdesk-evdev-XXXXXX";
		std::vector<char> buf(tmpl.begin(), tmpl.end());
		buf.push_back('\0');
		REQUIRE(::mkdtemp(buf.data()) != nullptr);
		root = buf.data();
		REQUIRE(::mkdir((root + "/dev").c_str(), 0700) == 0);
		REQUIRE(::mkdir((root + "/sys").c_str(), 0700) == 0);
	}
	~TempTree() { (void)std::system(("rm -rf '" + root + "'").c_str()); }

	// /dev/eventN as a FIFO (held open for writing: returned), with
	// /sys/eventN/device/name = name.
	int add_device(int n, const std::string &name)
	{
		const std::string ev = "event" + std::to_string(n);
		::mkdir((root + "/sys/" + ev).c_str(), 0700);
		::mkdir((root + "/sys/" + ev + "/device").c_str(), 0700);
		std::ofstream(root + "/sys/" + ev + "/device/name") << name << "\n";
		const std::string path = root + "/dev/" + ev;
		REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
		const int fd = ::open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
		REQUIRE(fd >= 0);
		return fd;
	}
	void remove_device(int n, int fd)
	{
		::unlink((root + "/dev/event" + std::to_string(n)).c_str());
		::close(fd);
	}
	EvdevOptions options() const
	{
		EvdevOptions o;
		o.dev_dir = root + "/dev";
		o.sys_dir = root + "/sys";
		o.rescan_ms = 20;
		return o;
	}

	std::string root;
};

} // namespace

TEST_CASE("evdev: presses are keys; releases are not; only the arrows repeat")
{
	const Board b = board("input /dev/null\n");
	EvdevDecoder d(b);
	std::vector<Key> out;
	auto feed = [&](unsigned t, unsigned c, int v) {
		if (auto k = d.feed(t, c, v))
			out.push_back(*k);
	};
	for (const auto &e : tap(KEY_1))
		feed(e.type, e.code, e.value);
	feed(EV_KEY, KEY_KPASTERISK, 1);
	feed(EV_KEY, KEY_KPASTERISK, 2); // held: one '*'
	feed(EV_KEY, KEY_KPASTERISK, 2);
	feed(EV_KEY, KEY_KPASTERISK, 0);
	feed(EV_KEY, KEY_F1, 1);
	feed(EV_KEY, KEY_F1, 2); // a held BLF key dials once
	feed(EV_KEY, KEY_F5, 1);
	feed(EV_KEY, KEY_F5, 2);
	feed(EV_KEY, KEY_UP, 1);
	feed(EV_KEY, KEY_UP, 2); // arrows repeat
	feed(EV_KEY, KEY_UP, 2);
	feed(EV_KEY, KEY_UP, 0);
	feed(EV_KEY, KEY_Q, 1);  // not on the board
	feed(EV_KEY, KEY_F9, 1); // headset
	feed(EV_REL, REL_X, 5);
	feed(EV_MSC, MSC_SCAN, KEY_1);
	feed(EV_LED, LED_CAPSL, 1);
	feed(EV_SW, SW_LID, 1); // no hook switch on this board
	CHECK(names(out) == "1 * blf1 soft1 up up up headset");
}

TEST_CASE("evdev: the hook switch, plain and inverted, as a key or a switch")
{
	{
		const Board b = board("input /dev/null\nhook_switch KEY_PHONE\n");
		EvdevDecoder d(b);
		std::vector<Key> out;
		for (int v : {1, 2, 2, 0, 0, 1})
			if (auto k = d.feed(EV_KEY, KEY_PHONE, v))
				out.push_back(*k);
		CHECK(names(out) == "hook_off hook_on hook_off");
	}
	{
		// The cradle holds the key down while the handset lies on it.
		const Board b = board("input /dev/null\nhook_switch KEY_PHONE inverted\n");
		EvdevDecoder d(b);
		std::vector<Key> out;
		if (auto k = d.hook_level(1)) // read at open: on hook
			out.push_back(*k);
		CHECK_FALSE(d.hook_level(1).has_value()); // no change, no key
		for (int v : {0, 1})
			if (auto k = d.feed(EV_KEY, KEY_PHONE, v))
				out.push_back(*k);
		CHECK(names(out) == "hook_on hook_off hook_on");
	}
	{
		const Board b = board("input /dev/null\nhook_switch SW_LID\n");
		EvdevDecoder d(b);
		std::vector<Key> out;
		for (int v : {1, 0})
			if (auto k = d.feed(EV_SW, SW_LID, v))
				out.push_back(*k);
		CHECK_FALSE(d.feed(EV_KEY, SW_LID, 1).has_value()); // EV_KEY code 0 != the switch
		CHECK(names(out) == "hook_off hook_on");
	}
}

TEST_CASE(
    "evdev: after SYN_DROPPED events are ignored up to SYN_REPORT, then the state is read again")
{
	const Board b = board("input /dev/null\nhook_switch KEY_PHONE\n");
	EvdevDecoder d(b);
	CHECK(d.feed(EV_KEY, KEY_1, 1).has_value());
	CHECK_FALSE(d.feed(EV_SYN, SYN_DROPPED, 0).has_value());
	CHECK_FALSE(d.feed(EV_KEY, KEY_2, 1).has_value());
	CHECK_FALSE(d.feed(EV_KEY, KEY_PHONE, 1).has_value());
	CHECK_FALSE(d.take_resync());
	CHECK_FALSE(d.feed(EV_SYN, SYN_REPORT, 0).has_value());
	CHECK(d.take_resync());
	CHECK_FALSE(d.take_resync());
	CHECK(d.feed(EV_KEY, KEY_3, 1).has_value());
}

TEST_CASE("evdev: the reader takes real input_event records from a device found by name, and "
          "survives it vanishing")
{
	TempTree t;
	const Board b = board("input_name Test*Keypad\n");
	EvdevKeySource src(b, t.options());
	std::vector<Key> got;
	REQUIRE(src.start([&](const Key &k) { got.push_back(k); }).ok());
	// Not there yet: the source waits for it (hot-plug).
	CHECK(src.missing_devices() == 1);
	run_for(60);
	CHECK(src.missing_devices() == 1);

	const int other = t.add_device(1, "Some Mouse"); // a device with another name
	const int w = t.add_device(4, "Test USB Keypad");
	REQUIRE(run_until([&] { return src.missing_devices() == 0; }));
	REQUIRE(src.open_devices() == std::vector<std::string>{t.root + "/dev/event4"});

	std::vector<struct input_event> evs;
	for (unsigned c :
	     {KEY_KPASTERISK, KEY_7, KEY_7, KEY_KPASTERISK, KEY_1, KEY_0, KEY_0, KEY_KPASTERISK})
		for (const auto &e : tap(c))
			evs.push_back(e);
	evs.push_back(ev(EV_KEY, KEY_BACKSLASH, 1));
	evs.push_back(ev(EV_KEY, KEY_BACKSLASH, 2)); // held '#': one key
	evs.push_back(ev(EV_KEY, KEY_BACKSLASH, 0));
	evs.push_back(ev(EV_SYN, SYN_REPORT, 0));
	write_all(w, bytes(evs));
	REQUIRE(run_until([&] { return got.size() == 9; }));
	CHECK(names(got) == "* 7 7 * 1 0 0 * #");

	// A record split across two writes is put back together.
	got.clear();
	const std::string one = bytes(tap(KEY_F1));
	write_all(w, one.substr(0, 10));
	run_for(20);
	CHECK(got.empty());
	write_all(w, one.substr(10));
	REQUIRE(run_until([&] { return got.size() == 1; }));
	CHECK(got[0] == Key::of(KeyKind::Blf, 1));

	// Unplugged: end of file on the FIFO (ENODEV on a real device). The
	// source closes it, keeps running, and looks for it again.
	t.remove_device(4, w);
	REQUIRE(run_until([&] { return src.missing_devices() == 1; }));
	CHECK(src.open_devices().empty());
	run_for(60);
	CHECK(src.missing_devices() == 1);

	// Plugged in again, under another number.
	got.clear();
	const int w2 = t.add_device(7, "Test USB Keypad");
	REQUIRE(run_until([&] { return src.missing_devices() == 0; }));
	CHECK(src.open_devices() == std::vector<std::string>{t.root + "/dev/event7"});
	write_all(w2, bytes(tap(KEY_ENTER)));
	REQUIRE(run_until([&] { return got.size() == 1; }));
	CHECK(got[0] == Key::of(KeyKind::Send));
	t.remove_device(7, w2);
	t.remove_device(1, other);
	REQUIRE(run_until([&] { return src.missing_devices() == 1; }));
}

TEST_CASE("evdev: devices by path, two at once, through the factory")
{
	TempTree t;
	const int a = t.add_device(0, "keypad");
	const int h = t.add_device(1, "gpio-keys");
	const Board b =
	    board("input " + t.root + "/dev/event0\ninput_name gpio-keys\nhook_switch KEY_PHONE\n");
	platform::PlatformOptions po;
	po.input_dir = t.root + "/dev";
	po.input_sys_dir = t.root + "/sys";
	po.input_rescan_ms = 20;
	auto src = platform::make_key_source(b, po);
	REQUIRE(src.ok());
	std::vector<Key> got;
	REQUIRE((*src)->start([&](const Key &k) { got.push_back(k); }).ok());
	write_all(h, bytes({ev(EV_KEY, KEY_PHONE, 1), ev(EV_SYN, SYN_REPORT, 0)}));
	write_all(a, bytes(tap(KEY_5)));
	write_all(h, bytes({ev(EV_KEY, KEY_PHONE, 0), ev(EV_SYN, SYN_REPORT, 0)}));
	REQUIRE(run_until([&] { return got.size() == 3; }));
	// Order across two devices is the loop's; per device it is kept.
	std::vector<std::string> seen;
	for (const Key &k : got)
		seen.push_back(key_name(k));
	CHECK(std::count(seen.begin(), seen.end(), "5") == 1);
	CHECK(std::find(seen.begin(), seen.end(), "hook_off") <
	      std::find(seen.begin(), seen.end(), "hook_on"));
	t.remove_device(0, a);
	t.remove_device(1, h);
	run_for(30);
}

TEST_CASE("evdev: a real kernel input device through /dev/uinput (skipped where there is none)")
{
	const int ui = ::open("/dev/uinput", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (ui < 0) {
		MESSAGE("SKIPPED: /dev/uinput is not available here ("
		        << std::string(std::strerror(errno))
		        << "); this test runs inside the QEMU phone");
		return;
	}
	const std::string name = "hotdesk-test-" + std::to_string(::getpid());
	auto create = [&]() {
		REQUIRE(::ioctl(ui, UI_SET_EVBIT, EV_KEY) == 0);
		for (unsigned c :
		     {KEY_0, KEY_1, KEY_2, KEY_3, KEY_4, KEY_5, KEY_6, KEY_7, KEY_8, KEY_9,
		      KEY_KPASTERISK, KEY_BACKSLASH, KEY_ENTER, KEY_F1, KEY_UP, KEY_PHONE})
			REQUIRE(::ioctl(ui, UI_SET_KEYBIT, c) == 0);
		struct uinput_setup us {
		};
		us.id.bustype = BUS_VIRTUAL;
		us.id.vendor = 0x1d6b;
		us.id.product = 0x0104;
		std::strncpy(us.name, name.c_str(), UINPUT_MAX_NAME_SIZE - 1);
		REQUIRE(::ioctl(ui, UI_DEV_SETUP, &us) == 0);
		REQUIRE(::ioctl(ui, UI_DEV_CREATE) == 0);
	};
	auto emit = [&](unsigned type, unsigned code, int value) {
		const struct input_event e = ev(type, code, value);
		REQUIRE(::write(ui, &e, sizeof(e)) == static_cast<ssize_t>(sizeof(e)));
	};
	auto press = [&](unsigned code) {
		emit(EV_KEY, code, 1);
		emit(EV_SYN, SYN_REPORT, 0);
		emit(EV_KEY, code, 0);
		emit(EV_SYN, SYN_REPORT, 0);
	};

	create();
	const Board b = board("input_name " + name + "\nhook_switch KEY_PHONE\n");
	EvdevOptions o;
	o.rescan_ms = 50;
	EvdevKeySource src(b, o);
	std::vector<Key> got;
	REQUIRE(src.start([&](const Key &k) { got.push_back(k); }).ok());
	REQUIRE(run_until([&] { return src.missing_devices() == 0; }, 5000));
	// Opening read the hook switch: up, so the handset is on the hook.
	REQUIRE(run_until([&] { return !got.empty(); }));
	CHECK(got[0] == Key::of(KeyKind::HookOn));
	got.clear();

	for (unsigned c :
	     {KEY_KPASTERISK, KEY_7, KEY_7, KEY_KPASTERISK, KEY_1, KEY_KPASTERISK, KEY_F1})
		press(c);
	emit(EV_KEY, KEY_PHONE, 1);
	emit(EV_SYN, SYN_REPORT, 0);
	REQUIRE(run_until([&] { return got.size() == 8; }));
	CHECK(names(got) == "* 7 7 * 1 * blf1 hook_off");

	// The device goes away (ENODEV): closed, no crash; back: found again,
	// and the hook state read again (it was released with the device).
	REQUIRE(::ioctl(ui, UI_DEV_DESTROY) == 0);
	REQUIRE(run_until([&] { return src.missing_devices() == 1; }, 5000));
	got.clear();
	create();
	REQUIRE(run_until([&] { return src.missing_devices() == 0; }, 5000));
	REQUIRE(run_until([&] { return !got.empty(); }));
	CHECK(got[0] == Key::of(KeyKind::HookOn));
	press(KEY_ENTER);
	REQUIRE(run_until([&] { return got.size() == 2; }));
	CHECK(got[1] == Key::of(KeyKind::Send));
	::ioctl(ui, UI_DEV_DESTROY);
	::close(ui);
	run_for(100);
}

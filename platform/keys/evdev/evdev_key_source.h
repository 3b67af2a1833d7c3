// SPDX-License-Identifier: BSD-3-Clause
// Keys from Linux input devices (evdev): /dev/input/eventN, read as struct
// input_event through libre's fd_listen, non-blocking.
//
// - A press (value 1) of a mapped key is a key. Releases (0) are not keys;
//   auto-repeat (2) is a key only for the arrows (key_repeats()), never for
//   digits, '*', '#', send, cancel, BLF keys, softkeys or the hook.
// - The hook switch (board `hook_switch`, an EV_KEY or EV_SW code) gives
//   hook_off / hook_on when its state changes; its state is read with
//   EVIOCGKEY / EVIOCGSW when a device opens and after the kernel dropped
//   events (SYN_DROPPED).
// - Devices are named by path (`input`) or found by name (`input_name`, a
//   shell glob matched against /sys/class/input/eventN/device/name, or
//   EVIOCGNAME). A device that is missing is looked for again every
//   `rescan_ms`; one that vanishes (read fails with ENODEV, or end of file)
//   is closed and looked for again, without a crash.
// - The devices are grabbed (EVIOCGRAB) so their keys do not also reach a
//   console.
#pragma once

#include "../../../agent/core/board.h"
#include "../key_source.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hotdesk::platform
{

// Turns input events into logical keys: pure, for tests.
class EvdevDecoder
{
public:
	explicit EvdevDecoder(const Board &b);

	// One input_event's type, code and value; the key it makes, if any.
	std::optional<Key> feed(unsigned type, unsigned code, int value);
	// The hook switch's level (1 = key down / switch on) as read from the
	// device; a key when it changes what we knew.
	std::optional<Key> hook_level(int level);
	// After SYN_DROPPED: true once, when the state should be read again.
	bool take_resync();
	// A device went away: the hook state is unknown until read again.
	void forget_hook() { hook_off_ = -1; }

	bool has_hook() const { return hook_.present(); }
	const HookSwitch &hook() const { return hook_; }

private:
	std::map<int, Key> codes_;
	HookSwitch hook_;
	int hook_off_ = -1; // -1 unknown, 1 off hook, 0 on hook
	bool dropping_ = false;
	bool resync_ = false;
};

struct EvdevOptions {
	std::string dev_dir = "/dev/input";       // where input_name devices are looked for
	std::string sys_dir = "/sys/class/input"; // <sys_dir>/eventN/device/name
	unsigned rescan_ms = 3000;                // a missing device is looked for this often
	bool grab = true;                         // EVIOCGRAB
};

class EvdevKeySource : public KeySource
{
public:
	explicit EvdevKeySource(const Board &b, EvdevOptions o = {});
	~EvdevKeySource() override;
	EvdevKeySource(const EvdevKeySource &) = delete;
	EvdevKeySource &operator=(const EvdevKeySource &) = delete;

	Status start(Handler h) override;

	// Devices open now (paths), and how many are missing.
	std::vector<std::string> open_devices() const;
	size_t missing_devices() const;

private:
	struct Device;
	bool try_open(Device &d);
	void close_device(Device &d, const std::string &why);
	void on_readable(Device &d);
	void sync_hook(Device &d);
	void schedule_rescan();
	void rescan();
	std::string find_by_name(const std::string &glob) const;

	static void read_h(int flags, void *arg);
	static void rescan_h(void *arg);

	EvdevDecoder decoder_;
	EvdevOptions o_;
	Handler h_;
	std::vector<std::unique_ptr<Device>> devices_;
	struct Timer;
	std::unique_ptr<Timer> tmr_;
};

} // namespace hotdesk::platform

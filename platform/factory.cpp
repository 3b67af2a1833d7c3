// SPDX-License-Identifier: BSD-3-Clause
#include "factory.h"

#include "display/host/host_display.h"
#include "display/serial/serial_display.h"
#include "keys/evdev/evdev_key_source.h"
#include "keys/host/host_key_source.h"
#include "leds/sysfs/sysfs_leds.h"

#include <vector>

namespace hotdesk::platform
{

namespace
{

// Several sources feeding one handler (evdev devices + the key socket).
class CompositeKeySource : public KeySource
{
public:
	void add(std::unique_ptr<KeySource> s) { parts_.push_back(std::move(s)); }
	Status start(Handler h) override
	{
		for (auto &p : parts_)
			if (auto s = p->start(h); !s)
				return s;
		return Ok{};
	}

private:
	std::vector<std::unique_ptr<KeySource>> parts_;
};

} // namespace

Expected<std::unique_ptr<KeySource>> make_key_source(const Board &b, const PlatformOptions &o)
{
	switch (b.keys) {
	case KeysBackend::Host:
		return std::unique_ptr<KeySource>(
		    std::make_unique<HostKeySource>(b, o.key_socket, o.tty));
	case KeysBackend::Evdev: {
		EvdevOptions eo;
		eo.dev_dir = o.input_dir;
		eo.sys_dir = o.input_sys_dir;
		eo.rescan_ms = o.input_rescan_ms;
		auto evdev = std::make_unique<EvdevKeySource>(b, eo);
		if (o.key_socket.empty())
			return std::unique_ptr<KeySource>(std::move(evdev));
		auto both = std::make_unique<CompositeKeySource>();
		both->add(std::move(evdev));
		both->add(std::make_unique<HostKeySource>(b, o.key_socket, false));
		return std::unique_ptr<KeySource>(std::move(both));
	}
	}
	return make_error("board", "unknown keys backend");
}

Expected<std::unique_ptr<Display>> make_display(const Board &b, const PlatformOptions &o)
{
	switch (b.display) {
	case DisplayBackend::Host:
		return std::unique_ptr<Display>(std::make_unique<HostDisplay>(
		    b.display_lines, b.display_columns, o.display_log, o.tty,
		    b.display_charset == DisplayCharset::Ascii));
	case DisplayBackend::Serial:
	case DisplayBackend::Chardev: {
		SerialDisplayOptions so;
		so.path = b.display_path;
		so.lines = b.display_lines;
		so.columns = b.display_columns;
		so.configure_tty = b.display == DisplayBackend::Serial;
		so.baud = b.display_baud;
		so.transcript_path = o.display_log;
		so.ascii = b.display_charset == DisplayCharset::Ascii;
		return std::unique_ptr<Display>(std::make_unique<SerialDisplay>(std::move(so)));
	}
	}
	return make_error("board", "unknown display backend");
}

Expected<std::unique_ptr<LedSink>> make_leds(const Board &b, const PlatformOptions &o)
{
	return std::unique_ptr<LedSink>(std::make_unique<SysfsLeds>(b.leds, o.led_dir));
}

} // namespace hotdesk::platform

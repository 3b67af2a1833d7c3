// SPDX-License-Identifier: BSD-3-Clause
#include "sysfs_leds.h"

#include "../../../agent/core/log.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hotdesk::platform
{

SysfsLeds::SysfsLeds(std::map<std::string, std::string> lamps, std::string root)
    : lamps_(std::move(lamps)), root_(std::move(root))
{
}

bool SysfsLeds::write_attr(const std::string &led, const char *attr, const std::string &value)
{
	const std::string path = root_ + "/" + led + "/" + attr;
	const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_TRUNC);
	if (fd < 0) {
		errno_ = errno;
		return false;
	}
	const std::string line = value + "\n";
	const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
	errno_ = ok ? 0 : errno;
	::close(fd);
	return ok;
}

void SysfsLeds::set(const std::string &lamp, Lamp state)
{
	auto it = lamps_.find(lamp);
	if (it == lamps_.end())
		return;
	auto st = state_.find(lamp);
	if (st != state_.end() && st->second == state)
		return;
	const std::string &led = it->second;
	bool ok = true;
	if (state == Lamp::Blink) {
		if (!write_attr(led, "trigger", "timer"))
			ok = write_attr(led, "brightness", "255"); // no ledtrig-timer: on
	} else {
		if (st != state_.end() && st->second == Lamp::Blink)
			write_attr(led, "trigger", "none");
		ok = write_attr(led, "brightness", state == Lamp::On ? "255" : "0");
	}
	if (!ok) {
		if (broken_.insert(lamp).second)
			log_warn("leds: cannot set " + lamp + " (" + root_ + "/" + led +
			         "): " + std::strerror(errno_));
		state_.erase(lamp); // try again next time
		return;
	}
	if (broken_.erase(lamp))
		log_info("leds: " + lamp + " (" + led + ") works again");
	state_[lamp] = state;
}

} // namespace hotdesk::platform

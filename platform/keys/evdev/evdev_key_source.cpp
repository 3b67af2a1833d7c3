// SPDX-License-Identifier: BSD-3-Clause
#include "evdev_key_source.h"

#include "../../../agent/core/log.h"
#include "../../re/re_cxx.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <fstream>
#include <linux/input.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace hotdesk::platform
{

// ---- decoder ----

EvdevDecoder::EvdevDecoder(const Board &b) : codes_(b.key_codes), hook_(b.hook) {}

std::optional<Key> EvdevDecoder::feed(unsigned type, unsigned code, int value)
{
	if (type == EV_SYN) {
		if (code == SYN_DROPPED) {
			dropping_ = true; // the kernel's buffer overflowed
		} else if (code == SYN_REPORT && dropping_) {
			dropping_ = false;
			resync_ = true;
		}
		return std::nullopt;
	}
	if (dropping_)
		return std::nullopt; // up to the next SYN_REPORT the events are partial
	if (hook_.present()) {
		const bool key = hook_.input.type == InputType::Key && type == EV_KEY;
		const bool sw = hook_.input.type == InputType::Switch && type == EV_SW;
		if ((key || sw) && static_cast<int>(code) == hook_.input.code) {
			if (value == 2)
				return std::nullopt; // a held hook key repeats: not a change
			return hook_level(value != 0 ? 1 : 0);
		}
	}
	if (type != EV_KEY)
		return std::nullopt;
	auto it = codes_.find(static_cast<int>(code));
	if (it == codes_.end())
		return std::nullopt;
	if (value == 1 || (value == 2 && key_repeats(it->second)))
		return it->second;
	return std::nullopt;
}

std::optional<Key> EvdevDecoder::hook_level(int level)
{
	if (!hook_.present())
		return std::nullopt;
	const int off = (level != 0) != hook_.inverted ? 1 : 0;
	if (off == hook_off_)
		return std::nullopt;
	hook_off_ = off;
	return Key::of(off ? KeyKind::HookOff : KeyKind::HookOn);
}

bool EvdevDecoder::take_resync()
{
	const bool r = resync_;
	resync_ = false;
	return r;
}

// ---- source ----

struct EvdevKeySource::Device {
	EvdevKeySource *self = nullptr;
	std::string path; // `input`: the path; `input_name`: the device found
	std::string glob; // `input_name`, empty for `input`
	int fd = -1;
	std::string buf; // the start of an input_event not read whole yet
	bool reported_missing = false;

	std::string label() const { return glob.empty() ? path : "'" + glob + "'"; }
};

struct EvdevKeySource::Timer {
	struct tmr t {
	};
};

EvdevKeySource::EvdevKeySource(const Board &b, EvdevOptions o)
    : decoder_(b), o_(std::move(o)), tmr_(std::make_unique<Timer>())
{
	tmr_init(&tmr_->t);
	for (const auto &p : b.inputs) {
		auto d = std::make_unique<Device>();
		d->self = this;
		d->path = p;
		devices_.push_back(std::move(d));
	}
	for (const auto &n : b.input_names) {
		auto d = std::make_unique<Device>();
		d->self = this;
		d->glob = n;
		devices_.push_back(std::move(d));
	}
}

EvdevKeySource::~EvdevKeySource()
{
	tmr_cancel(&tmr_->t);
	for (auto &d : devices_)
		if (d->fd >= 0) {
			fd_close(d->fd);
			::close(d->fd);
		}
}

Status EvdevKeySource::start(Handler h)
{
	if (devices_.empty())
		return make_error("keys", "evdev: the board names no input device");
	h_ = std::move(h);
	bool missing = false;
	for (auto &d : devices_)
		missing = !try_open(*d) || missing;
	if (missing)
		schedule_rescan();
	return Ok{};
}

std::vector<std::string> EvdevKeySource::open_devices() const
{
	std::vector<std::string> out;
	for (const auto &d : devices_)
		if (d->fd >= 0)
			out.push_back(d->path);
	return out;
}

size_t EvdevKeySource::missing_devices() const
{
	return static_cast<size_t>(std::count_if(devices_.begin(), devices_.end(),
	                                         [](const auto &d) { return d->fd < 0; }));
}

namespace
{

std::string read_name_file(const std::string &path)
{
	std::ifstream in(path);
	std::string s;
	if (!in || !std::getline(in, s))
		return {};
	while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
		s.pop_back();
	return s;
}

// "event12" -> 12; -1 for anything else.
int event_number(const char *name)
{
	if (std::strncmp(name, "event", 5) != 0 || !name[5])
		return -1;
	int n = 0;
	for (const char *p = name + 5; *p; ++p) {
		if (*p < '0' || *p > '9' || n > 100000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

bool test_bit(const unsigned char *bits, int bit)
{
	return (bits[bit / 8] >> (bit % 8)) & 1;
}

} // namespace

std::string EvdevKeySource::find_by_name(const std::string &glob) const
{
	std::vector<std::pair<int, std::string>> events;
	if (DIR *dir = ::opendir(o_.dev_dir.c_str())) {
		while (const struct dirent *e = ::readdir(dir)) {
			const int n = event_number(e->d_name);
			if (n >= 0)
				events.emplace_back(n, e->d_name);
		}
		::closedir(dir);
	}
	std::sort(events.begin(), events.end());
	for (const auto &[n, entry] : events) {
		const std::string path = o_.dev_dir + "/" + entry;
		const bool taken =
		    std::any_of(devices_.begin(), devices_.end(),
		                [&](const auto &d) { return d->fd >= 0 && d->path == path; });
		if (taken)
			continue;
		std::string name = read_name_file(o_.sys_dir + "/" + entry + "/device/name");
		if (name.empty()) {
			const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
			if (fd >= 0) {
				char buf[256] = {0};
				if (::ioctl(fd, EVIOCGNAME(sizeof(buf) - 1), buf) >= 0)
					name = buf;
				::close(fd);
			}
		}
		if (!name.empty() && ::fnmatch(glob.c_str(), name.c_str(), 0) == 0)
			return path;
	}
	return {};
}

bool EvdevKeySource::try_open(Device &d)
{
	if (d.fd >= 0)
		return true;
	if (!d.glob.empty())
		d.path = find_by_name(d.glob);
	int fd = -1;
	int err = ENOENT;
	if (!d.path.empty()) {
		fd = ::open(d.path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		err = errno;
	}
	if (fd < 0) {
		if (!d.reported_missing)
			log_warn("keys: input device " + d.label() + " is missing (" +
			         (d.path.empty() ? "no such device" : std::strerror(err)) +
			         "); looking for it every " + std::to_string(o_.rescan_ms) + " ms");
		d.reported_missing = true;
		return false;
	}
	if (o_.grab && ::ioctl(fd, EVIOCGRAB, 1) < 0 && errno == EBUSY)
		log_warn("keys: " + d.path + " is grabbed by another program");
	if (const int e = fd_listen(fd, FD_READ, read_h, &d); e != 0) {
		log_warn("keys: cannot watch " + d.path + ": " + std::strerror(e));
		::close(fd);
		return false;
	}
	d.fd = fd;
	d.buf.clear();
	d.reported_missing = false;
	log_info("keys: reading " + d.path + (d.glob.empty() ? "" : " (" + d.label() + ")"));
	sync_hook(d);
	return true;
}

void EvdevKeySource::close_device(Device &d, const std::string &why)
{
	if (d.fd < 0)
		return;
	log_warn("keys: input device " + d.path + " went away (" + why + ")");
	fd_close(d.fd);
	::close(d.fd);
	d.fd = -1;
	d.buf.clear();
	decoder_.forget_hook();
}

void EvdevKeySource::sync_hook(Device &d)
{
	if (!decoder_.has_hook() || d.fd < 0)
		return;
	const InputCode &c = decoder_.hook().input;
	const bool sw = c.type == InputType::Switch;
	const int max = sw ? SW_MAX : KEY_MAX;
	if (c.code < 0 || c.code > max)
		return;
	unsigned char caps[KEY_MAX / 8 + 1] = {0};
	unsigned char state[KEY_MAX / 8 + 1] = {0};
	// Only the device that has the hook switch can tell its state.
	if (::ioctl(d.fd, EVIOCGBIT(sw ? EV_SW : EV_KEY, sizeof(caps)), caps) < 0 ||
	    !test_bit(caps, c.code))
		return;
	const int rc = sw ? ::ioctl(d.fd, EVIOCGSW(sizeof(state)), state)
	                  : ::ioctl(d.fd, EVIOCGKEY(sizeof(state)), state);
	if (rc < 0)
		return;
	if (auto k = decoder_.hook_level(test_bit(state, c.code) ? 1 : 0))
		h_(*k);
}

void EvdevKeySource::read_h(int, void *arg)
{
	auto *d = static_cast<Device *>(arg);
	d->self->on_readable(*d);
}

void EvdevKeySource::on_readable(Device &d)
{
	constexpr size_t kEv = sizeof(struct input_event);
	for (int round = 0; round < 16 && d.fd >= 0; ++round) {
		char tmp[64 * kEv];
		const ssize_t n = ::read(d.fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR)
				continue;
			close_device(d, std::strerror(errno)); // ENODEV: unplugged
			schedule_rescan();
			return;
		}
		if (n == 0) {
			close_device(d, "end of file");
			schedule_rescan();
			return;
		}
		d.buf.append(tmp, static_cast<size_t>(n));
		size_t off = 0;
		for (; d.buf.size() - off >= kEv; off += kEv) {
			struct input_event ev {
			};
			std::memcpy(&ev, d.buf.data() + off, kEv);
			if (auto k = decoder_.feed(ev.type, ev.code, ev.value))
				h_(*k);
			if (decoder_.take_resync())
				sync_hook(d);
		}
		d.buf.erase(0, off);
		if (static_cast<size_t>(n) < sizeof(tmp))
			return;
	}
}

void EvdevKeySource::schedule_rescan()
{
	if (!tmr_isrunning(&tmr_->t))
		tmr_start(&tmr_->t, o_.rescan_ms, rescan_h, this);
}

void EvdevKeySource::rescan_h(void *arg)
{
	static_cast<EvdevKeySource *>(arg)->rescan();
}

void EvdevKeySource::rescan()
{
	bool missing = false;
	for (auto &d : devices_)
		missing = !try_open(*d) || missing;
	if (missing)
		schedule_rescan();
}

} // namespace hotdesk::platform

// SPDX-License-Identifier: BSD-3-Clause
#include "posix_storage.h"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hotdesk::platform
{

namespace
{

constexpr const char *kTempSuffix = ".tmp";
constexpr size_t kMaxFile = 256 * 1024;

Error sys_error(const std::string &where)
{
	return make_error("storage: " + where, std::strerror(errno));
}

bool valid_name(const std::string &n)
{
	return !n.empty() && n.size() < 64 && n.find('/') == std::string::npos && n[0] != '.';
}

Status write_all(int fd, const std::string &data, const std::string &where)
{
	size_t off = 0;
	while (off < data.size()) {
		const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_error(where);
		off += static_cast<size_t>(n);
	}
	return Ok{};
}

} // namespace

Status PosixStorage::open()
{
	if (::mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST)
		return sys_error(dir_);
	if (::chmod(dir_.c_str(), 0700) != 0)
		return sys_error(dir_);
	for (const auto &n : list())
		if (n.size() > 4 && n.compare(n.size() - 4, 4, kTempSuffix) == 0)
			(void)remove(n);
	return Ok{};
}

Expected<std::optional<std::string>> PosixStorage::read(const std::string &name)
{
	if (!valid_name(name))
		return make_error("storage", "bad file name");
	const int fd = ::open(path(name).c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return std::optional<std::string>{};
		return sys_error(name);
	}
	std::string out;
	char buf[4096];
	for (;;) {
		const ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		out.append(buf, static_cast<size_t>(n));
		if (out.size() > kMaxFile) {
			::close(fd);
			return make_error("storage: " + name, "file too large");
		}
	}
	::close(fd);
	return std::optional<std::string>(std::move(out));
}

Status PosixStorage::write(const std::string &name, const std::string &data)
{
	if (!valid_name(name))
		return make_error("storage", "bad file name");
	const std::string tmp = path(name) + kTempSuffix;
	const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sys_error(tmp);
	Status s = write_all(fd, data, tmp);
	if (s && ::fsync(fd) != 0)
		s = sys_error(tmp);
	::close(fd);
	if (s && ::rename(tmp.c_str(), path(name).c_str()) != 0)
		s = sys_error(name);
	if (!s) {
		::unlink(tmp.c_str());
		return s;
	}
	return sync_dir();
}

Status PosixStorage::remove(const std::string &name)
{
	if (!valid_name(name) && name.find(kTempSuffix) == std::string::npos)
		return make_error("storage", "bad file name");
	const std::string p = path(name);
	struct stat st {
	};
	if (::stat(p.c_str(), &st) != 0)
		return errno == ENOENT ? Status(Ok{}) : Status(sys_error(name));
	// Overwrite first: a secret must not survive in the freed blocks of a
	// simple flash file system more than it has to.
	const int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)write_all(fd, std::string(static_cast<size_t>(st.st_size), '\0'), name);
		(void)::fsync(fd);
		::close(fd);
	}
	if (::unlink(p.c_str()) != 0)
		return sys_error(name);
	return sync_dir();
}

std::vector<std::string> PosixStorage::list()
{
	std::vector<std::string> out;
	DIR *d = ::opendir(dir_.c_str());
	if (!d)
		return out;
	while (struct dirent *e = ::readdir(d)) {
		const std::string n = e->d_name;
		if (n != "." && n != "..")
			out.push_back(n);
	}
	::closedir(d);
	return out;
}

Status PosixStorage::sync_dir()
{
	const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sys_error(dir_);
	const int rc = ::fsync(fd);
	::close(fd);
	return rc == 0 ? Status(Ok{}) : Status(sys_error(dir_));
}

} // namespace hotdesk::platform

// SPDX-License-Identifier: BSD-3-Clause
#include "local_time.h"

#include <cstdlib>
#include <ctime>
#include <optional>
#include <unistd.h>

namespace hotdesk
{

namespace
{

// TZ set for the scope of one computation, the previous value restored:
// glibc has no per-call time zone (localtime_rz is not in glibc 2.36).
class ScopedTz
{
public:
	explicit ScopedTz(const std::string &tz)
	{
		if (const char *old = std::getenv("TZ"))
			old_ = std::string(old);
		setenv("TZ", tz.c_str(), 1);
		tzset();
	}
	~ScopedTz()
	{
		if (old_)
			setenv("TZ", old_->c_str(), 1);
		else
			unsetenv("TZ");
		tzset();
	}
	ScopedTz(const ScopedTz &) = delete;
	ScopedTz &operator=(const ScopedTz &) = delete;

private:
	std::optional<std::string> old_;
};

} // namespace

bool timezone_known(const std::string &tz)
{
	if (tz == "UTC" || tz == "Etc/UTC")
		return true;
	if (tz.empty() || tz.find("..") != std::string::npos || tz[0] == '/')
		return false;
	return access(("/usr/share/zoneinfo/" + tz).c_str(), R_OK) == 0;
}

int64_t next_local_time(int64_t after_s, int minute_of_day, const std::string &tz)
{
	if (minute_of_day < 0 || minute_of_day >= 24 * 60)
		return -1;
	ScopedTz scoped(tz);
	const std::time_t after = static_cast<std::time_t>(after_s);
	std::tm day{};
	if (!localtime_r(&after, &day))
		return -1;
	// Today's time, else tomorrow's, else (a day whose time fell into a DST
	// gap and was normalised backwards) the day after.
	for (int add_days = 0; add_days < 3; ++add_days) {
		std::tm t = day;
		t.tm_mday += add_days;
		t.tm_hour = minute_of_day / 60;
		t.tm_min = minute_of_day % 60;
		t.tm_sec = 0;
		t.tm_isdst = -1;
		const std::time_t at = std::mktime(&t);
		if (at != static_cast<std::time_t>(-1) && at > after)
			return static_cast<int64_t>(at);
	}
	return -1;
}

int64_t utc_now_s()
{
	return static_cast<int64_t>(std::time(nullptr));
}

int64_t parse_iso8601_utc(const std::string &text)
{
	std::tm tm{};
	const char *end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end != '\0')
		return -1;
	return static_cast<int64_t>(timegm(&tm));
}

std::string iso8601_utc(int64_t s)
{
	const std::time_t t = static_cast<std::time_t>(s);
	std::tm tm{};
	gmtime_r(&t, &tm);
	char buf[32];
	std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

} // namespace hotdesk

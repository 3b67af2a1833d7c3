// SPDX-License-Identifier: BSD-3-Clause
// Local time of day in a named time zone (IANA tz database names such as
// "Europe/Berlin", read by the C library from /usr/share/zoneinfo), for the
// daily auto-logout. DST-correct: the next 19:00 after a clock change is
// 19:00 local time; a time that does not exist on a spring-forward day
// (02:30) is the moment after the gap (03:30), mktime's normalisation.
#pragma once

#include <cstdint>
#include <string>

namespace hotdesk
{

// Whether the C library knows `tz` (its zoneinfo file exists; "UTC" always).
bool timezone_known(const std::string &tz);

// The first moment strictly after `after_s` (UTC seconds) whose local time
// in `tz` is `minute_of_day` (minutes after midnight). -1 on failure.
// Sets and restores TZ: call it from the event loop's thread only.
int64_t next_local_time(int64_t after_s, int minute_of_day, const std::string &tz);

// Seconds since the epoch, now (the wall clock).
int64_t utc_now_s();
// "2026-11-30T09:20:00Z" (the form utc_now_iso8601 writes) to seconds;
// -1 if `text` is not that form.
int64_t parse_iso8601_utc(const std::string &text);
std::string iso8601_utc(int64_t s);

} // namespace hotdesk

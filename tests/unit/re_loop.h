// SPDX-License-Identifier: BSD-3-Clause
// The real libre event loop for async unit tests, under a watchdog: a test
// that waits for something that never happens fails instead of hanging
// (libre 1.1.0 has no re_main_timeout).
#pragma once

#include "platform/re/re_cxx.h"

#include <chrono>
#include <functional>

namespace hotdesk::test
{

constexpr unsigned kWatchdogMs = 3000;

// Runs re_main until `done()` holds (checked every millisecond) or the
// watchdog fires after max_ms. Returns whether `done()` held.
inline bool run_until(const std::function<bool()> &done, unsigned max_ms = kWatchdogMs)
{
	struct Ctx {
		const std::function<bool()> *done;
		bool met = false;
		struct tmr poll {
		};
		struct tmr watchdog {
		};
		static void poll_h(void *arg)
		{
			auto *x = static_cast<Ctx *>(arg);
			if ((*x->done)()) {
				x->met = true;
				re_cancel();
				return;
			}
			tmr_start(&x->poll, 1, poll_h, x);
		}
		static void watchdog_h(void *) { re_cancel(); }
	} c;
	c.done = &done;
	if (done())
		return true;
	tmr_init(&c.poll);
	tmr_init(&c.watchdog);
	tmr_start(&c.watchdog, max_ms, Ctx::watchdog_h, &c);
	tmr_start(&c.poll, 1, Ctx::poll_h, &c);
	(void)re_main(nullptr);
	tmr_cancel(&c.poll);
	tmr_cancel(&c.watchdog);
	return c.met;
}

// Runs the loop for `ms` whatever happens (to see that nothing does).
inline void run_for(unsigned ms)
{
	const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
	run_until([until] { return std::chrono::steady_clock::now() >= until; }, ms + kWatchdogMs);
}

} // namespace hotdesk::test

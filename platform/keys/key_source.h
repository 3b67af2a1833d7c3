// SPDX-License-Identifier: BSD-3-Clause
// Where the phone's keys come from. Implementations: host/ (terminal and a
// UNIX socket for scripts and tests), fake/ (unit tests); evdev/ later.
#pragma once

#include "../../agent/core/error.h"
#include "../../agent/core/key.h"

#include <functional>

namespace hotdesk::platform
{

class KeySource
{
public:
	using Handler = std::function<void(const Key &)>;
	virtual ~KeySource() = default;
	virtual Status start(Handler h) = 0;
};

} // namespace hotdesk::platform

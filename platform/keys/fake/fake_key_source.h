// SPDX-License-Identifier: BSD-3-Clause
#pragma once

#include "../key_source.h"

namespace hotdesk::platform
{

// Keys pushed by a unit test.
class FakeKeySource : public KeySource
{
public:
	Status start(Handler h) override
	{
		h_ = std::move(h);
		return Ok{};
	}
	void press(const Key &k) { h_(k); }

private:
	Handler h_;
};

} // namespace hotdesk::platform

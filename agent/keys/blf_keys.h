// SPDX-License-Identifier: BSD-3-Clause
// The function keys of whoever is on the phone: the pool's BLF list from
// the device profile while idle, the person's from their profile after
// login (agent/core/blf_layout.h does the layout, 3CX-style). Shows the
// BLF lamps on the board's LEDs.
#pragma once

#include "../core/blf_layout.h"
#include "../profile/profile.h"

#include "../../platform/leds/led_sink.h"

#include <vector>

namespace hotdesk
{

class BlfKeys
{
public:
	BlfKeys(KeyGeometry geometry, platform::LedSink *leds) : geometry_(geometry), leds_(leds) {}
	// The device's part: where logout sits and the pool's list.
	void set_device(const DeviceProfile &p);
	// The layout for the pool (person == nullptr) or a person's profile;
	// logs what did not fit, shows the lamps.
	KeyLayout layout(bool person, const UserProfile *profile);
	// The lamps again, after a monitored extension's state changed.
	void show(const KeyLayout &k) const;
	// Whether the board has a lamp for its first BLF key (else the display
	// shows the states).
	bool has_lamps() const { return leds_ && geometry_.blf_keys > 0 && leds_->has("blf1"); }
	// The extensions the layout gives a key (any page): the ones to monitor.
	static std::vector<std::string> monitored(const KeyLayout &k);

private:
	KeyGeometry geometry_;
	platform::LedSink *leds_;
	LogoutKey logout_key_;
	std::vector<BlfItem> pool_;
};

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
#include "blf_keys.h"

#include "../core/log.h"

namespace hotdesk
{

void BlfKeys::set_device(const DeviceProfile &p)
{
	if (auto lk = parse_logout_key(p.logout_key))
		logout_key_ = *lk;
	pool_.clear();
	for (const auto &b : p.blf)
		pool_.push_back(BlfItem{b.ext, b.pickup, b.label});
}

KeyLayout BlfKeys::layout(bool person, const UserProfile *profile)
{
	std::vector<BlfItem> items = pool_;
	if (person) {
		items.clear();
		if (profile)
			for (const auto &b : profile->blf)
				items.push_back(BlfItem{b.ext, b.pickup, b.label});
	}
	const BlfLayout l = blf_layout(geometry_, logout_key_, items);
	for (const auto &n : l.notes)
		log_info("keys: " + n);
	if (!l.overflow.empty())
		log_warn("keys: " + std::to_string(l.overflow.size()) +
		         " BLF entries have no key on this phone (listed in the status)");
	KeyLayout k(l);
	if (leds_)
		platform::show_blf_lamps(k, geometry_.blf_keys, *leds_);
	return k;
}

void BlfKeys::show(const KeyLayout &k) const
{
	if (leds_)
		platform::show_blf_lamps(k, geometry_.blf_keys, *leds_);
}

std::vector<std::string> BlfKeys::monitored(const KeyLayout &k)
{
	std::vector<std::string> out;
	for (const auto &page : k.layout().pages)
		for (const auto &slot : page)
			if (slot.role == SlotRole::Blf) {
				const std::string &ext =
				    k.layout().items[static_cast<size_t>(slot.item)].ext;
				if (!ext.empty())
					out.push_back(ext);
			}
	return out;
}

} // namespace hotdesk

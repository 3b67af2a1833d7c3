// SPDX-License-Identifier: BSD-3-Clause
#include "blf_layout.h"

#include "i18n.h"

#include <algorithm>
#include <utility>

namespace hotdesk
{

Expected<LogoutKey> parse_logout_key(std::string_view s)
{
	if (s == "blf1")
		return LogoutKey{LogoutKey::Blf1, 0};
	if (s == "none")
		return LogoutKey{LogoutKey::None, 0};
	if (s.substr(0, 4) == "soft") {
		auto k = parse_key_name(s);
		if (k && k->kind == KeyKind::Softkey)
			return LogoutKey{LogoutKey::Softkey, k->index};
	}
	return make_error("logout_key",
	                  "'" + std::string(s) + "': want blf1, soft1..soft16 or none");
}

std::string logout_key_name(const LogoutKey &l)
{
	switch (l.kind) {
	case LogoutKey::Blf1:
		return "blf1";
	case LogoutKey::Softkey:
		return "soft" + std::to_string(l.softkey);
	case LogoutKey::None:
		return "none";
	}
	return "?";
}

const char *logout_via_name(LogoutVia v)
{
	switch (v) {
	case LogoutVia::BlfKey:
		return "blf";
	case LogoutVia::Softkey:
		return "softkey";
	case LogoutVia::Code:
		return "code";
	}
	return "?";
}

std::vector<BlfItem> BlfLayout::overflow_items() const
{
	std::vector<BlfItem> out;
	for (int i : overflow)
		out.push_back(items[static_cast<size_t>(i)]);
	return out;
}

std::pair<unsigned, unsigned> BlfLayout::place_of(int item) const
{
	for (size_t p = 0; p < pages.size(); ++p)
		for (size_t k = 0; k < pages[p].size(); ++k)
			if (pages[p][k].role == SlotRole::Blf && pages[p][k].item == item)
				return {static_cast<unsigned>(p + 1), static_cast<unsigned>(k + 1)};
	return {0, 0};
}

BlfLayout blf_layout(const KeyGeometry &g, const LogoutKey &logout,
                     const std::vector<BlfItem> &items)
{
	BlfLayout r;
	r.geometry = g;
	r.geometry.blf_pages = std::max(1u, g.blf_pages);
	r.requested = logout;
	r.items = items;

	switch (logout.kind) {
	case LogoutKey::Blf1:
		if (g.blf_keys > 0) {
			r.logout_via = LogoutVia::BlfKey;
			r.logout_index = 1;
		} else {
			r.notes.push_back(
			    "the board has no BLF keys: log out with the logout code");
		}
		break;
	case LogoutKey::Softkey:
		if (logout.softkey >= 1 && static_cast<unsigned>(logout.softkey) <= g.softkeys) {
			r.logout_via = LogoutVia::Softkey;
			r.logout_index = logout.softkey;
		} else {
			r.notes.push_back(logout_key_name(logout) + " is beyond the board's " +
			                  std::to_string(g.softkeys) +
			                  " softkeys: log out with the logout code");
		}
		break;
	case LogoutKey::None:
		break;
	}

	if (g.blf_keys == 0) {
		for (size_t i = 0; i < items.size(); ++i)
			r.overflow.push_back(static_cast<int>(i));
		return r;
	}

	const size_t per_page = g.blf_keys;
	const size_t capacity = per_page * r.geometry.blf_pages;
	std::vector<BlfSlot> flat(capacity);
	size_t next = 0;
	if (r.logout_via == LogoutVia::BlfKey)
		flat[next++].role = SlotRole::Logout;
	for (size_t i = 0; i < items.size(); ++i) {
		if (next < capacity) {
			flat[next].role = SlotRole::Blf;
			flat[next].item = static_cast<int>(i);
			++next;
		} else {
			r.overflow.push_back(static_cast<int>(i));
		}
	}
	const size_t used = std::max<size_t>(1, (next + per_page - 1) / per_page);
	for (size_t p = 0; p < used; ++p)
		r.pages.emplace_back(flat.begin() + static_cast<long>(p * per_page),
		                     flat.begin() + static_cast<long>((p + 1) * per_page));
	if (!r.overflow.empty())
		r.notes.push_back(std::to_string(r.overflow.size()) +
		                  " BLF entries do not fit on " +
		                  std::to_string(r.geometry.blf_pages) + " page(s) of " +
		                  std::to_string(g.blf_keys) + " keys");
	return r;
}

KeyLayout::KeyLayout() : l_(blf_layout(KeyGeometry{1, 1, 0}, LogoutKey{}, {})) {}

KeyLayout::KeyLayout(BlfLayout l) : l_(std::move(l)) {}

unsigned KeyLayout::page_count() const
{
	return static_cast<unsigned>(l_.pages.size());
}

void KeyLayout::set_page(unsigned p)
{
	if (p < page_count())
		page_ = p;
}

const BlfSlot *KeyLayout::slot(unsigned key) const
{
	if (page_ >= l_.pages.size() || key < 1 || key > l_.pages[page_].size())
		return nullptr;
	return &l_.pages[page_][key - 1];
}

KeyAction KeyLayout::press(const Key &k)
{
	if (k.kind == KeyKind::Page) {
		if (page_count() < 2)
			return {};
		page_ = (page_ + 1) % page_count();
		return KeyAction{KeyAction::Page, {}, -1};
	}
	return action_for(k);
}

KeyAction KeyLayout::action_for(const Key &k) const
{
	if (k.kind == KeyKind::Softkey) {
		if (l_.logout_via == LogoutVia::Softkey && k.index == l_.logout_index)
			return KeyAction{KeyAction::Logout, {}, -1};
		return {};
	}
	if (k.kind != KeyKind::Blf || k.index < 1)
		return {};
	const BlfSlot *s = slot(static_cast<unsigned>(k.index));
	if (!s)
		return {};
	switch (s->role) {
	case SlotRole::Empty:
		return {};
	case SlotRole::Logout:
		return KeyAction{KeyAction::Logout, {}, -1};
	case SlotRole::Blf:
		break;
	}
	const BlfItem &it = l_.items[static_cast<size_t>(s->item)];
	if (it.ext.empty())
		return {};
	if (!it.pickup.empty() && state(it.ext) == BlfState::Ringing)
		return KeyAction{KeyAction::Pickup, it.pickup + it.ext, s->item};
	return KeyAction{KeyAction::Dial, it.ext, s->item};
}

void KeyLayout::set_state(const std::string &ext, BlfState s)
{
	if (s == BlfState::Unknown)
		states_.erase(ext);
	else
		states_[ext] = s;
}

BlfState KeyLayout::state(const std::string &ext) const
{
	auto it = states_.find(ext);
	return it == states_.end() ? BlfState::Unknown : it->second;
}

Lamp KeyLayout::lamp(unsigned key) const
{
	const BlfSlot *s = slot(key);
	if (!s || s->role != SlotRole::Blf)
		return Lamp::Off;
	switch (state(l_.items[static_cast<size_t>(s->item)].ext)) {
	case BlfState::Busy:
		return Lamp::On;
	case BlfState::Ringing:
		return Lamp::Blink;
	case BlfState::Unknown:
	case BlfState::Idle:
		return Lamp::Off;
	}
	return Lamp::Off;
}

std::string KeyLayout::label(unsigned key) const
{
	const BlfSlot *s = slot(key);
	if (!s)
		return {};
	switch (s->role) {
	case SlotRole::Empty:
		return {};
	case SlotRole::Logout:
		return trc("softkey", "Logout");
	case SlotRole::Blf:
		break;
	}
	const BlfItem &it = l_.items[static_cast<size_t>(s->item)];
	return it.label.empty() ? it.ext : it.label;
}

std::vector<std::string> KeyLayout::softkey_labels() const
{
	std::vector<std::string> out(l_.geometry.softkeys);
	if (l_.logout_via == LogoutVia::Softkey && l_.logout_index >= 1 &&
	    static_cast<size_t>(l_.logout_index) <= out.size())
		out[static_cast<size_t>(l_.logout_index - 1)] = trc("softkey", "Logout");
	return out;
}

std::string blf_states_line(const KeyLayout &k)
{
	std::string out;
	const auto &pages = k.layout().pages;
	if (k.page() >= pages.size())
		return out;
	for (const auto &slot : pages[k.page()]) {
		if (slot.role != SlotRole::Blf)
			continue;
		const BlfItem &it = k.layout().items[static_cast<size_t>(slot.item)];
		if (it.ext.empty())
			continue;
		std::string word = "?";
		switch (k.state(it.ext)) {
		case BlfState::Unknown:
			word = "?";
			break;
		case BlfState::Idle:
			word = trc("BLF state", "idle");
			break;
		case BlfState::Ringing:
			word = trc("BLF state", "ring");
			break;
		case BlfState::Busy:
			word = trc("BLF state", "busy");
			break;
		}
		if (!out.empty())
			out += "  ";
		out += (it.label.empty() ? it.ext : it.label) + " " + word;
	}
	return out;
}

} // namespace hotdesk

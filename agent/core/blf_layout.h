// SPDX-License-Identifier: BSD-3-Clause
// Which physical BLF key or softkey does what. Pure: the board gives the
// geometry (blf_keys, blf_pages, softkeys), the device profile the logout-key
// option, the current profile (pool while idle, the person's when logged in)
// its BLF list; blf_layout() places them.
//
// 3CX behaviour by default: on a hot-desking device BLF key 1 is the logout
// key and the profile's BLF list shifts down by one key. With the logout key
// on a softkey the list keeps its places. A device with neither (no BLF keys,
// or "none") logs out with the logout code (*77*5*). Entries beyond the
// board's keys go to the next BLF page when the board has pages, and what is
// still left is listed in `overflow` (for the status endpoint), never lost
// silently.
#pragma once

#include "error.h"
#include "key.h"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hotdesk
{

// One function key of a profile.
struct BlfItem {
	std::string ext;    // monitored extension; pressing the key dials it
	std::string pickup; // call pickup prefix ("*20*"), may be empty
	std::string label;  // what a label or display shows; may be empty
};

// Device profile option hd_logout_key: "blf1" (default) | "soft1".."soft16" | "none".
struct LogoutKey {
	enum Kind { Blf1, Softkey, None } kind = Blf1;
	int softkey = 0; // 1..16 for Softkey

	bool operator==(const LogoutKey &o) const { return kind == o.kind && softkey == o.softkey; }
};
Expected<LogoutKey> parse_logout_key(std::string_view s);
std::string logout_key_name(const LogoutKey &l);

// The board's keys that the layout places things on.
struct KeyGeometry {
	unsigned blf_keys = 0;  // physical BLF keys (one page)
	unsigned blf_pages = 1; // pages reachable with the `page` key (1: no paging)
	unsigned softkeys = 0;
};

enum class SlotRole { Empty, Logout, Blf };

struct BlfSlot {
	SlotRole role = SlotRole::Empty;
	int item = -1; // for Blf: index into BlfLayout::items
};

// How a person logs out on this device.
enum class LogoutVia { BlfKey, Softkey, Code };
const char *logout_via_name(LogoutVia v); // "blf" | "softkey" | "code"

struct BlfLayout {
	KeyGeometry geometry;
	LogoutKey requested; // the option as configured
	LogoutVia logout_via = LogoutVia::Code;
	int logout_index = 0;       // BLF key or softkey number; 0 for Code
	std::vector<BlfItem> items; // the profile's list, in its order
	// pages[p][k] is BLF key k+1 on page p+1. Only pages that hold something
	// exist (at least one when the board has BLF keys, none otherwise).
	std::vector<std::vector<BlfSlot>> pages;
	std::vector<int> overflow;      // indexes into items that have no key
	std::vector<std::string> notes; // why the layout differs from the request

	std::vector<BlfItem> overflow_items() const;
	// Where item i went: page (1-based) and key (1-based); {0, 0} if overflow.
	std::pair<unsigned, unsigned> place_of(int item) const;
};

BlfLayout blf_layout(const KeyGeometry &g, const LogoutKey &logout,
                     const std::vector<BlfItem> &items);

// The monitored extension's state, from its dialog event subscription
// (agent/keys/blf_lamps.h). Unknown: no subscription, or no NOTIFY yet.
enum class BlfState { Unknown, Idle, Ringing, Busy };
// The lamp of a BLF key: off (idle or unknown), on (busy), blinking (ringing).
// A display tells unknown from idle (blf_states_line()).
enum class Lamp { Off, On, Blink };

struct KeyAction {
	enum Kind {
		None,   // nothing on that key
		Logout, // the reserved logout key
		Dial,   // dial `number` (the monitored extension)
		Pickup, // the extension rings: `number` is pickup prefix + extension
		Page,   // the page key turned to another BLF page
	} kind = None;
	std::string number;
	int item = -1; // for Dial/Pickup: index into the layout's items
};

// What Session asks when a BLF key, a softkey or the page key is pressed.
// Holds the layout, the BLF page shown and the monitored extensions' states.
class KeyLayout
{
public:
	// The 3CX default without a board: BLF 1 logs out, nothing else.
	KeyLayout();
	explicit KeyLayout(BlfLayout l);

	// A key press: `page` turns the page; the others as action_for().
	KeyAction press(const Key &k);
	KeyAction action_for(const Key &k) const;

	void set_state(const std::string &ext, BlfState s);
	BlfState state(const std::string &ext) const;

	unsigned page() const { return page_; } // 0-based
	unsigned page_count() const;
	void set_page(unsigned p);

	// BLF key `key` (1-based) on the page shown: its lamp and its label
	// ("Logout" for the logout key, "" when empty).
	Lamp lamp(unsigned key) const;
	std::string label(unsigned key) const;
	// One label per softkey ("Logout" on the logout softkey, else "").
	std::vector<std::string> softkey_labels() const;

	const BlfLayout &layout() const { return l_; }

private:
	const BlfSlot *slot(unsigned key) const;

	BlfLayout l_;
	unsigned page_ = 0;
	std::map<std::string, BlfState> states_;
};

// The BLF keys of the page shown with their monitored extensions' states,
// for boards without BLF lamps: "Bob busy  Reception ?" (idle, ring, busy,
// "?" while unknown). "" when no BLF key monitors anything.
std::string blf_states_line(const KeyLayout &k);

} // namespace hotdesk

// SPDX-License-Identifier: BSD-3-Clause
// Lamps through the Linux LED class, against a temporary directory laid out
// like /sys/class/leds; the BLF lamps from a key layout.
#include <doctest/doctest.h>

#include "agent/core/board.h"
#include "platform/factory.h"
#include "platform/leds/fake/fake_leds.h"
#include "platform/leds/sysfs/sysfs_leds.h"

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace hotdesk;
using namespace hotdesk::platform;

namespace
{

// <root>/<led>/{brightness,max_brightness,trigger}, as the kernel has them.
class LedTree
{
public:
	LedTree()
	{
		const char *base = std::getenv("TMPDIR");
		std::string tmpl =
		    std::string(base && *base ? base : "/tmp") + "/hotdesk-leds-XXXXXX";
		std::vector<char> buf(tmpl.begin(), tmpl.end());
		buf.push_back('\0');
		REQUIRE(::mkdtemp(buf.data()) != nullptr);
		root = buf.data();
	}
	~LedTree() { (void)std::system(("rm -rf '" + root + "'").c_str()); }
	void add(const std::string &led, bool with_trigger = true)
	{
		REQUIRE(::mkdir((root + "/" + led).c_str(), 0700) == 0);
		put(led, "brightness", "0\n");
		put(led, "max_brightness", "1\n");
		if (with_trigger)
			put(led, "trigger", "[none] timer heartbeat\n");
	}
	void put(const std::string &led, const char *attr, const std::string &v)
	{
		std::ofstream(root + "/" + led + "/" + attr) << v;
	}
	std::string get(const std::string &led, const char *attr) const
	{
		std::ifstream in(root + "/" + led + "/" + attr);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}
	std::string root;
};

} // namespace

TEST_CASE("leds: on writes 255, off 0, blinking sets the timer trigger")
{
	LedTree t;
	t.add("phone:green:blf1");
	t.add("phone:red:mwi");
	SysfsLeds leds({{"blf1", "phone:green:blf1"}, {"mwi", "phone:red:mwi"}}, t.root);
	CHECK(leds.has("blf1"));
	CHECK(leds.has("mwi"));
	CHECK_FALSE(leds.has("blf2"));

	leds.set("mwi", Lamp::On);
	CHECK(t.get("phone:red:mwi", "brightness") == "255\n");
	leds.set("mwi", Lamp::Off);
	CHECK(t.get("phone:red:mwi", "brightness") == "0\n");

	leds.set("blf1", Lamp::Blink);
	CHECK(t.get("phone:green:blf1", "trigger") == "timer\n");
	leds.set("blf1", Lamp::On); // stops blinking first
	CHECK(t.get("phone:green:blf1", "trigger") == "none\n");
	CHECK(t.get("phone:green:blf1", "brightness") == "255\n");

	// Unchanged state: not written again.
	t.put("phone:green:blf1", "brightness", "untouched\n");
	leds.set("blf1", Lamp::On);
	CHECK(t.get("phone:green:blf1", "brightness") == "untouched\n");

	// A lamp the board does not have is ignored.
	leds.set("blf2", Lamp::On);
	CHECK(leds.broken().empty());
}

TEST_CASE("leds: no timer trigger: blinking is on; a missing LED is reported and retried")
{
	LedTree t;
	SysfsLeds leds({{"blf1", "a"}, {"mwi", "b"}}, t.root);
	leds.set("mwi", Lamp::On); // not there yet
	CHECK(leds.broken() == std::set<std::string>{"mwi"});
	t.add("b");
	leds.set("mwi", Lamp::On); // tried again
	CHECK(t.get("b", "brightness") == "255\n");
	CHECK(leds.broken().empty());

	// No trigger to write (the kernel refuses "timer" without
	// ledtrig-timer; here the file is missing): the lamp is on instead.
	t.add("a", false);
	leds.set("blf1", Lamp::Blink);
	CHECK(t.get("a", "brightness") == "255\n");
}

TEST_CASE("leds: the factory uses the board's led lines; the BLF lamps follow the layout")
{
	LedTree t;
	for (int i = 1; i <= 4; ++i)
		t.add("blf" + std::to_string(i) + "-led");
	auto b = board_parse(
	    "name t\nblf_keys 4\nled blf1=blf1-led\nled blf2=blf2-led\nled blf3=blf3-led\n"
	    "led blf4=blf4-led\n");
	REQUIRE(b.ok());
	PlatformOptions po;
	po.led_dir = t.root;
	auto leds = make_leds(*b, po);
	REQUIRE(leds.ok());
	CHECK((*leds)->has("blf4"));
	CHECK_FALSE((*leds)->has("mwi"));

	KeyLayout k(blf_layout(b->key_geometry(), LogoutKey{},
	                       {{"201", "", ""}, {"202", "*20*", ""}, {"203", "", ""}}));
	k.set_state("201", BlfState::Busy);
	k.set_state("202", BlfState::Ringing);
	show_blf_lamps(k, b->blf_keys, **leds);
	CHECK(t.get("blf1-led", "brightness") == "0\n"); // the logout key
	CHECK(t.get("blf2-led", "brightness") == "255\n");
	CHECK(t.get("blf3-led", "trigger") == "timer\n");
	CHECK(t.get("blf4-led", "brightness") == "0\n");

	FakeLeds fake;
	k.set_state("202", BlfState::Idle);
	show_blf_lamps(k, 4, fake);
	CHECK(fake.state("blf2") == Lamp::On);
	CHECK(fake.state("blf3") == Lamp::Off);
	CHECK(fake.changes.size() == 4);
	show_blf_lamps(k, 4, fake); // nothing changed
	CHECK(fake.changes.size() == 4);

	// A board without lamps: nothing to set, nothing breaks.
	auto none = make_leds(*board_parse("name n\n"), po);
	REQUIRE(none.ok());
	(*none)->set("mwi", Lamp::On);
	CHECK_FALSE((*none)->has("mwi"));
}

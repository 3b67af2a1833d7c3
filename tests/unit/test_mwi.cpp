// SPDX-License-Identifier: BSD-3-Clause
// RFC 3842 message-summary bodies as baresip's MWI_NOTIFY carries them
// (agent/core/mwi.h), friendly and hostile.
#include <doctest/doctest.h>

#include "agent/core/mwi.h"

#include <string>
#include <vector>

using namespace hotdesk;

TEST_CASE("mwi: RFC 3842's examples and what PBXes send")
{
	struct Case {
		std::string body;
		bool waiting;
		unsigned new_msgs, old_msgs, urgent_new, urgent_old;
		std::string account;
	};
	const std::vector<Case> cases = {
	    {"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n"
	     "Voice-Message: 2/8 (0/2)\r\n",
	     true, 2, 8, 0, 2, "sip:alice@vmail.example.com"},
	    {"Messages-Waiting: no\r\n", false, 0, 0, 0, 0, ""},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/0\r\n", true, 1, 0, 0, 0, ""},
	    // LF only, other case, blanks around the colon and the slash.
	    {"messages-waiting : YES\nvoice-message:3 / 4 ( 1 / 0 )\n", true, 3, 4, 1, 0, ""},
	    // Other message classes are not ours.
	    {"Messages-Waiting: yes\r\nFax-Message: 5/0\r\nVoice-Message: 0/1\r\n", true, 0, 1, 0,
	     0, ""},
	    // Optional message headers after the empty line are ignored.
	    {"Messages-Waiting: yes\r\nVoice-Message: 4/0\r\n\r\nTo: <sip:alice@x>\r\n"
	     "Voice-Message: 9/9\r\n",
	     true, 4, 0, 0, 0, ""},
	    // A body cut off by baresip's 256-byte event buffer.
	    {"Messages-Waiting: yes\r\nMessage-Account: sip:100@pbx\r\nVoice-Message: 2/", true, 0,
	     0, 0, 0, "sip:100@pbx"},
	    // A leading empty line is tolerated.
	    {"\r\nMessages-Waiting: yes\r\nVoice-Message: 1/1\r\n", true, 1, 1, 0, 0, ""},
	    // The last Messages-Waiting line wins; no trailing CRLF.
	    {"Messages-Waiting: no\r\nMessages-Waiting: yes", true, 0, 0, 0, 0, ""},
	};
	for (const auto &c : cases) {
		INFO(c.body);
		auto m = parse_mwi(c.body);
		REQUIRE_MESSAGE(m.ok(), m.error().str());
		CHECK(m->waiting == c.waiting);
		CHECK(m->new_msgs == c.new_msgs);
		CHECK(m->old_msgs == c.old_msgs);
		CHECK(m->urgent_new == c.urgent_new);
		CHECK(m->urgent_old == c.urgent_old);
		CHECK(m->account == c.account);
	}
}

TEST_CASE("mwi: hostile bodies give an error or bounded values, never a crash")
{
	const std::vector<std::string> errors = {
	    "",
	    "Voice-Message: 2/8\r\n",      // no status line
	    "Messages-Waiting: maybe\r\n", // neither yes nor no
	    "Messages-Waiting:\r\n",       // empty value
	    "Messages-Waiting yes\r\n",    // no colon
	    std::string("Messages-Waiting\0: yes", 22),
	    "\r\n\r\n\r\n",
	    std::string(kMwiMaxBody + 1, 'a'),
	    "\xff\xfe\x00\x01",
	};
	for (const auto &b : errors) {
		INFO(b.size());
		auto m = parse_mwi(b);
		CHECK_FALSE(m.ok());
		if (!m.ok())
			CHECK(m.error().where == "mwi");
	}

	struct Odd {
		std::string body;
		unsigned new_msgs, old_msgs;
	};
	const std::vector<Odd> odd = {
	    // Counts clamp instead of overflowing.
	    {"Messages-Waiting: yes\r\nVoice-Message: 99999999999999999999/4294967296\r\n",
	     kMwiMaxCount, kMwiMaxCount},
	    // Malformed counts are skipped, the status still counts.
	    {"Messages-Waiting: yes\r\nVoice-Message: -1/2\r\n", 0, 0},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/2 (3\r\n", 0, 0},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/2 junk\r\n", 0, 0},
	    {"Messages-Waiting: yes\r\nVoice-Message: /\r\n", 0, 0},
	    {"Messages-Waiting: yes\r\nVoice-Message: 1/2 (3/4) (5/6)\r\n", 0, 0},
	    {"Messages-Waiting: yes\r\n" + std::string(3000, ':') + "\r\n", 0, 0},
	};
	for (const auto &o : odd) {
		INFO(o.body.substr(0, 80));
		auto m = parse_mwi(o.body);
		REQUIRE(m.ok());
		CHECK(m->waiting);
		CHECK(m->new_msgs == o.new_msgs);
		CHECK(m->old_msgs == o.old_msgs);
	}
	auto acc = parse_mwi("Messages-Waiting: yes\r\nMessage-Account: " + std::string(3000, 'a') +
	                     "\x1b\r\n");
	REQUIRE(acc.ok());
	CHECK(acc->account.size() <= 256);
	CHECK(acc->account.find('\x1b') == std::string::npos);
}

TEST_CASE("mwi: the lamp and the idle line")
{
	MwiSummary m;
	CHECK_FALSE(m.lamp());
	CHECK(mwi_line(m).empty());
	m.waiting = true;
	CHECK(m.lamp());
	CHECK(mwi_line(m) == "Voicemail waiting");
	m.new_msgs = 1;
	CHECK(mwi_line(m) == "1 new voicemail");
	m.new_msgs = 2;
	CHECK(mwi_line(m) == "2 new voicemails");
	m.waiting = false; // a server that says "no" yet counts new messages
	CHECK(m.lamp());
	m.new_msgs = 0;
	m.old_msgs = 5;
	CHECK_FALSE(m.lamp());
	CHECK(mwi_line(m).empty());
}

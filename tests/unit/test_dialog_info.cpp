// SPDX-License-Identifier: BSD-3-Clause
// RFC 4235 dialog-info+xml bodies (agent/profile/dialog_info.h): the RFC's
// examples, what kamailio's presence_dialoginfo sends, hostile input; and the
// lamp state a set of dialogs gives.
#include <doctest/doctest.h>

#include "agent/profile/dialog_info.h"

#include <string>
#include <vector>

using namespace hotdesk;

namespace
{

// kamailio 5.6 presence_dialoginfo, a callee ringing (as logged in the tests).
const char *kKamailioEarly =
    "<?xml version=\"1.0\"?>\n"
    "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" version=\"1\" "
    "state=\"full\" entity=\"sip:102@127.0.0.1\">\n"
    "  <dialog id=\"a84b4c76e66710\" call-id=\"c1\" direction=\"recipient\">\n"
    "    <state>early</state>\n"
    "    <remote><identity>sip:101@127.0.0.1</identity></remote>\n"
    "  </dialog>\n"
    "</dialog-info>\n";

} // namespace

TEST_CASE("dialog-info: full state, one ringing dialog")
{
	auto d = parse_dialog_info(kKamailioEarly);
	REQUIRE(d);
	CHECK(d->entity == "sip:102@127.0.0.1");
	CHECK(d->version == 1);
	CHECK(d->full);
	REQUIRE(d->dialogs.size() == 1);
	CHECK(d->dialogs[0].id == "a84b4c76e66710");
	CHECK_FALSE(d->dialogs[0].initiator);
	CHECK(d->dialogs[0].state == DialogState::Early);
	CHECK(blf_state_of(d->dialogs) == BlfState::Ringing);
}

TEST_CASE("dialog-info: bodies and the lamp state they give")
{
	struct Case {
		const char *name;
		std::string body;
		bool full;
		size_t dialogs;
		BlfState state;
	};
	const std::string head = "<dialog-info xmlns=\"urn:ietf:params:xml:ns:dialog-info\" "
	                         "version=\"7\" entity=\"sip:102@pbx\" ";
	const std::vector<Case> cases = {
	    {"no dialog: idle", head + "state=\"full\"/>", true, 0, BlfState::Idle},
	    {"confirmed: busy",
	     head +
	         "state=\"full\"><dialog id=\"1\"><state>confirmed</state></dialog></dialog-info>",
	     true, 1, BlfState::Busy},
	    {"terminated only: idle",
	     head + "state=\"full\"><dialog id=\"1\"><state>terminated</state></dialog>"
	            "</dialog-info>",
	     true, 1, BlfState::Idle},
	    {"calling out (initiator, early): busy, not ringing",
	     head + "state=\"full\"><dialog id=\"1\" direction=\"initiator\"><state>early</state>"
	            "</dialog></dialog-info>",
	     true, 1, BlfState::Busy},
	    {"a call waiting rings over a confirmed one",
	     head + "state=\"full\"><dialog id=\"1\"><state>confirmed</state></dialog>"
	            "<dialog id=\"2\" direction=\"recipient\"><state>proceeding</state></dialog>"
	            "</dialog-info>",
	     true, 2, BlfState::Ringing},
	    {"namespace prefixes (RFC 4235 allows any)",
	     "<d:dialog-info xmlns:d=\"urn:ietf:params:xml:ns:dialog-info\" version=\"0\" "
	     "state=\"partial\" entity=\"sip:102@pbx\"><d:dialog id=\"x\"><d:state>trying"
	     "</d:state></d:dialog></d:dialog-info>",
	     false, 1, BlfState::Ringing},
	    {"state with an event attribute (3.7.1)",
	     head + "state=\"full\"><dialog id=\"1\"><state event=\"rejected\" code=\"486\">"
	            "terminated</state></dialog></dialog-info>",
	     true, 1, BlfState::Idle},
	};
	for (const auto &c : cases) {
		CAPTURE(c.name);
		auto d = parse_dialog_info(c.body);
		REQUIRE(d);
		CHECK(d->full == c.full);
		CHECK(d->dialogs.size() == c.dialogs);
		CHECK(blf_state_of(d->dialogs) == c.state);
	}
}

TEST_CASE("dialog-info: bad bodies are refused with where and why")
{
	struct Case {
		const char *name;
		std::string body;
		std::string error; // part of the message
	};
	const std::vector<Case> cases = {
	    {"empty", "", "not XML"},
	    {"not XML", "Messages-Waiting: yes", "not XML"},
	    {"cut off", std::string(kKamailioEarly).substr(0, 120), "not XML"},
	    {"another document", "<presence entity=\"sip:102@pbx\"/>", "not <dialog-info>"},
	    {"no version", "<dialog-info state=\"full\"/>", "version"},
	    {"version not a number", "<dialog-info version=\"x\" state=\"full\"/>", "version"},
	    {"state neither full nor partial", "<dialog-info version=\"1\" state=\"some\"/>",
	     "full nor partial"},
	    {"dialog without id",
	     "<dialog-info version=\"1\" state=\"full\">\n<dialog><state>early</state></dialog>"
	     "</dialog-info>",
	     "dialog-info:2: <dialog> without an id"},
	    {"dialog without state",
	     "<dialog-info version=\"1\" state=\"full\"><dialog id=\"1\"/></dialog-info>",
	     "without <state>"},
	    {"unknown state",
	     "<dialog-info version=\"1\" state=\"full\"><dialog id=\"1\"><state>ringing</state>"
	     "</dialog></dialog-info>",
	     "'ringing' is not an RFC 4235 state"},
	};
	for (const auto &c : cases) {
		CAPTURE(c.name);
		auto d = parse_dialog_info(c.body);
		REQUIRE_FALSE(d);
		CHECK(d.error().str().find(c.error) != std::string::npos);
	}
}

TEST_CASE("dialog-info: limits: too many dialogs, too large a body")
{
	std::string many = "<dialog-info version=\"1\" state=\"full\">";
	for (size_t i = 0; i <= kDialogInfoMaxDialogs; ++i)
		many += "<dialog id=\"" + std::to_string(i) + "\"><state>early</state></dialog>";
	many += "</dialog-info>";
	auto d = parse_dialog_info(many);
	REQUIRE_FALSE(d);
	CHECK(d.error().str().find("more than") != std::string::npos);

	std::string big = "<dialog-info version=\"1\" state=\"full\"><!--" +
	                  std::string(kDialogInfoMaxBytes, 'x') + "--></dialog-info>";
	auto b = parse_dialog_info(big);
	REQUIRE_FALSE(b);
	CHECK(b.error().str().find("bytes") != std::string::npos);
}

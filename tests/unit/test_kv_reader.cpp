// SPDX-License-Identifier: BSD-3-Clause
// The core `key value` reader shared by hotdeskd.conf, its secrets file and
// board files: comments, blank lines, line numbers, lookups, duplicates and
// keys nobody reads.
#include <doctest/doctest.h>

#include "agent/core/kv_reader.h"

#include <string>
#include <vector>

using namespace hotdesk;

TEST_CASE("kv reader: one setting a line, comments and blank lines skipped, lines counted")
{
	const auto lines = kv_parse("# a comment\n"
	                            "\n"
	                            "name   deskphone-4x6\n"
	                            "   \t\n"
	                            "key KEY_3=#   # the '#' of a value stays\n"
	                            "input_name  gpio keys  \n"
	                            "status_socket\n"
	                            "token ab#cd\r\n"
	                            "last no-newline");
	struct Want {
		unsigned line;
		const char *key, *value;
	};
	const std::vector<Want> want = {
	    {3, "name", "deskphone-4x6"}, {5, "key", "KEY_3=#"}, {6, "input_name", "gpio keys"},
	    {7, "status_socket", ""},     {8, "token", "ab#cd"}, {9, "last", "no-newline"},
	};
	REQUIRE(lines.size() == want.size());
	for (size_t i = 0; i < want.size(); ++i) {
		INFO(i);
		CHECK(lines[i].line == want[i].line);
		CHECK(lines[i].key == want[i].key);
		CHECK(lines[i].value == want[i].value);
	}
}

TEST_CASE("kv reader: empty and comment-only texts have no settings")
{
	CHECK(kv_parse("").empty());
	CHECK(kv_parse("\n\n\n").empty());
	CHECK(kv_parse("#x y\n  # z\n").empty());
}

TEST_CASE("kv reader: errors name origin and line")
{
	const Error e = kv_error("boards/x/board.conf", 12, "unknown setting 'foo'");
	CHECK(e.where == "boards/x/board.conf:12");
	CHECK(e.str() == "boards/x/board.conf:12: unknown setting 'foo'");
}

TEST_CASE("kv reader: lookup, duplicates and keys nobody asked for")
{
	KvReader r("a 1\nb 2\n\nc 3\nb 4\n");
	const KvLine *a = r.find("a");
	REQUIRE(a != nullptr);
	CHECK(a->value == "1");
	CHECK(r.find("missing") == nullptr);
	const KvLine *b = r.find("b");
	REQUIRE(b != nullptr);
	CHECK(b->line == 2); // the first one

	const auto d = r.first_duplicate();
	REQUIRE(d.again != nullptr);
	CHECK(d.again->key == "b");
	CHECK(d.again->line == 5);
	CHECK(d.first_line == 2);

	const KvLine *u = r.first_unread();
	REQUIRE(u != nullptr);
	CHECK(u->key == "c");
	CHECK(u->line == 4);
	r.find("c");
	CHECK(r.first_unread() == nullptr);

	KvReader once("x 1\ny 2\n");
	CHECK(once.first_duplicate().again == nullptr);
}

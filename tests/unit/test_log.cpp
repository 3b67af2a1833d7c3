// SPDX-License-Identifier: BSD-3-Clause
// The log facade (core/log.h) and its backends (platform/log): the level
// threshold, the installed sink and the sink each log_target selects.
#include <doctest/doctest.h>

#include "agent/core/log.h"
#include "platform/log/log_sinks.h"

#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace hotdesk;

namespace
{

struct Recorded {
	std::vector<std::pair<LogLevel, std::string>> lines;
};

class RecordingSink : public LogSink
{
public:
	explicit RecordingSink(Recorded &r) : r_(r) {}
	void write(LogLevel level, const std::string &msg) override
	{
		r_.lines.emplace_back(level, msg);
	}

private:
	Recorded &r_;
};

// Installs a sink and a level for one test, then puts the runner's back.
class SinkForTest
{
public:
	SinkForTest(std::unique_ptr<LogSink> s, LogLevel l)
	    : old_(log_set_sink(std::move(s))), old_level_(log_level())
	{
		log_set_level(l);
	}
	~SinkForTest()
	{
		log_set_sink(std::move(old_));
		log_set_level(old_level_);
	}

private:
	std::unique_ptr<LogSink> old_;
	LogLevel old_level_;
};

std::string read_all(std::FILE *f)
{
	std::rewind(f);
	std::string out;
	char buf[256];
	for (size_t n; (n = std::fread(buf, 1, sizeof(buf), f)) > 0;)
		out.append(buf, n);
	return out;
}

} // namespace

TEST_CASE("log: the installed sink gets what passes the level, in order")
{
	Recorded rec;
	{
		SinkForTest s(std::make_unique<RecordingSink>(rec), LogLevel::Info);
		log_debug("not shown");
		log_info("one");
		log_warn("two");
		log_error("three");
		log_set_level(LogLevel::Error);
		log_warn("not shown either");
		log_error("four");
	}
	const std::vector<std::pair<LogLevel, std::string>> want = {{LogLevel::Info, "one"},
	                                                            {LogLevel::Warn, "two"},
	                                                            {LogLevel::Error, "three"},
	                                                            {LogLevel::Error, "four"}};
	CHECK(rec.lines == want);
	log_error("after the test: to the runner's sink");
	CHECK(rec.lines.size() == 4);
}

TEST_CASE("log: without a sink messages are dropped")
{
	SinkForTest s(nullptr, LogLevel::Debug);
	log_error("nowhere"); // must not crash
	CHECK(log_level() == LogLevel::Debug);
}

TEST_CASE("log: level and target names (log_level, log_target)")
{
	for (LogLevel l : {LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error})
		CHECK(log_level_from_name(log_level_name(l)) == l);
	CHECK(std::string(log_level_name(LogLevel::Warn)) == "warn");
	CHECK_FALSE(log_level_from_name("verbose").has_value());
	CHECK_FALSE(log_level_from_name("").has_value());
	CHECK(log_target_from_name("stderr") == LogTarget::Stderr);
	CHECK(log_target_from_name("syslog") == LogTarget::Syslog);
	CHECK_FALSE(log_target_from_name("file").has_value());
	CHECK_FALSE(log_target_from_name("Syslog").has_value());
}

TEST_CASE("log: each log_target selects its backend")
{
	auto err = platform::make_log_sink(LogTarget::Stderr, "hotdeskd");
	CHECK(dynamic_cast<platform::StderrSink *>(err.get()) != nullptr);
	// openlog(3) without LOG_NDELAY: nothing is sent until a message is.
	auto sys = platform::make_log_sink(LogTarget::Syslog, "hotdeskd");
	CHECK(dynamic_cast<platform::SyslogSink *>(sys.get()) != nullptr);
}

TEST_CASE("log: the stderr backend writes one timestamped line a message")
{
	std::FILE *f = std::tmpfile();
	REQUIRE(f != nullptr);
	{
		SinkForTest s(std::make_unique<platform::StderrSink>("hotdeskd", f),
		              LogLevel::Info);
		log_warn("status push failed");
		log_debug("filtered");
		log_info("ok");
	}
	const std::string out = read_all(f);
	std::fclose(f);
	const size_t nl = out.find('\n');
	REQUIRE(nl != std::string::npos);
	const std::string first = out.substr(0, nl);
	INFO(out);
	CHECK(first.rfind("hotdeskd[", 0) == 0);
	CHECK(first.find("] warn: status push failed") != std::string::npos);
	CHECK(out.substr(nl + 1).find("] info: ok\n") != std::string::npos);
	CHECK(out.find("filtered") == std::string::npos);
}

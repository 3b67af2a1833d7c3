// SPDX-License-Identifier: BSD-3-Clause
// A doctest reporter that prints ThrowTheSwitch Unity's output format, for
// devices and simulators whose exit code gets lost and for vendors' tools that
// parse Unity logs:
//
//     /path/test_x.cpp:12:dial_plan_emergency_numbers:PASS
//     /path/test_x.cpp:57:session_login_swaps_accounts:FAIL: CHECK( a == b ) values: 1 == 2
//     /path/test_x.cpp:80:some_skipped_case:IGNORE
//
//     -----------------------
//     3 Tests 1 Failures 1 Ignored
//     FAIL
//
// Select it with `--reporters=unity` (add `--no-colors=true` on a serial line;
// `--no-path-filenames=true` prints file names without their directory).
// Unity names are C identifiers and its fields are separated by ':', so a
// doctest name is printed with every run of other characters as one '_'.
// A FAIL line names the first failing assertion's file and line; further
// failures of the same case are counted in the message. A test case that a
// filter left out is not printed; one marked doctest::skip() is IGNOREd.
#include <doctest/doctest.h>

#include <mutex>
#include <ostream>
#include <string>

namespace
{

using namespace doctest;

std::string unity_name(const char *name)
{
	std::string out;
	bool gap = false;
	for (const char *p = name; p && *p; ++p) {
		const char c = *p;
		const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		                  (c >= '0' && c <= '9') || c == '_';
		if (!word) {
			gap = true;
			continue;
		}
		if (gap && !out.empty())
			out += '_';
		gap = false;
		out += c;
	}
	return out.empty() ? std::string("unnamed") : out;
}

// One line: newlines and tabs become spaces, runs of spaces collapse.
std::string one_line(const std::string &s)
{
	std::string out;
	bool space = false;
	for (char c : s) {
		if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
			space = !out.empty();
			continue;
		}
		if (space)
			out += ' ';
		space = false;
		out += c;
	}
	return out;
}

class UnityReporter : public IReporter
{
public:
	explicit UnityReporter(const ContextOptions &o) : out_(*o.cout), opt_(o) {}

	void report_query(const QueryData &q) override
	{
		// --list-test-cases: one "file:line:name" per case.
		if (opt_.list_test_cases) {
			for (unsigned i = 0; i < q.num_data; ++i) {
				const TestCaseData &tc = *q.data[i];
				out_ << file(tc.m_file.c_str()) << ':' << tc.m_line << ':'
				     << unity_name(tc.m_name) << '\n';
			}
			out_.flush();
		}
	}

	void test_run_start() override {}

	void test_run_end(const TestRunStats &) override
	{
		out_ << "\n-----------------------\n"
		     << (passed_ + failed_ + ignored_) << " Tests " << failed_ << " Failures "
		     << ignored_ << " Ignored\n"
		     << (failed_ == 0 ? "OK" : "FAIL") << '\n';
		out_.flush();
	}

	void test_case_start(const TestCaseData &tc) override
	{
		std::lock_guard<std::mutex> lock(mutex_);
		tc_ = &tc;
		first_failure_.clear();
		failure_file_.clear();
		failure_line_ = 0;
		more_failures_ = 0;
	}

	void test_case_reenter(const TestCaseData &) override {}

	void test_case_end(const CurrentTestCaseStats &st) override
	{
		std::lock_guard<std::mutex> lock(mutex_);
		if (!tc_)
			return;
		const std::string name = unity_name(tc_->m_name);
		if (st.testCaseSuccess) {
			++passed_;
			out_ << file(tc_->m_file.c_str()) << ':' << tc_->m_line << ':' << name
			     << ":PASS\n";
		} else {
			++failed_;
			std::string msg = first_failure_;
			if (msg.empty())
				msg = reason(st.failure_flags);
			if (more_failures_ > 0)
				msg += " (and " + std::to_string(more_failures_) + " more)";
			const std::string f =
			    failure_file_.empty() ? file(tc_->m_file.c_str()) : failure_file_;
			const unsigned line = failure_file_.empty() ? tc_->m_line : failure_line_;
			out_ << f << ':' << line << ':' << name << ":FAIL: " << msg << '\n';
		}
		out_.flush();
		tc_ = nullptr;
	}

	void test_case_exception(const TestCaseException &e) override
	{
		std::lock_guard<std::mutex> lock(mutex_);
		note_failure(nullptr, 0,
		             std::string(e.is_crash ? "crashed: " : "threw: ") +
		                 one_line(e.error_string.c_str()));
	}

	void subcase_start(const SubcaseSignature &) override {}
	void subcase_end() override {}

	void log_assert(const AssertData &a) override
	{
		if (!a.m_failed)
			return;
		std::string msg =
		    std::string(assertString(a.m_at)) + "( " + (a.m_expr ? a.m_expr : "") + " )";
		if (a.m_threw)
			msg += " threw: " + std::string(a.m_exception.c_str());
		else if (a.m_decomp.size() > 0)
			msg += " values: " + std::string(a.m_decomp.c_str());
		std::lock_guard<std::mutex> lock(mutex_);
		note_failure(a.m_file, a.m_line, one_line(msg));
	}

	void log_message(const MessageData &m) override
	{
		// FAIL() / FAIL_CHECK() texts; WARN-level MESSAGE()s are not failures.
		if (!(m.m_severity & (assertType::is_check | assertType::is_require)))
			return;
		std::lock_guard<std::mutex> lock(mutex_);
		note_failure(m.m_file, m.m_line, one_line(m.m_string.c_str()));
	}

	void test_case_skipped(const TestCaseData &tc) override
	{
		if (!tc.m_skip)
			return; // filtered out on the command line: not part of this run
		std::lock_guard<std::mutex> lock(mutex_);
		++ignored_;
		out_ << file(tc.m_file.c_str()) << ':' << tc.m_line << ':' << unity_name(tc.m_name)
		     << ":IGNORE\n";
		out_.flush();
	}

private:
	std::string file(const char *f) const
	{
		return opt_.no_path_in_filenames ? skipPathFromFilename(f) : f;
	}

	void note_failure(const char *f, int line, const std::string &msg)
	{
		if (!first_failure_.empty()) {
			++more_failures_;
			return;
		}
		first_failure_ = msg.empty() ? std::string("failed") : msg;
		if (f) {
			failure_file_ = file(f);
			failure_line_ = line > 0 ? static_cast<unsigned>(line) : 0;
		}
	}

	static std::string reason(int flags)
	{
		if (flags & TestCaseFailureReason::Timeout)
			return "timed out";
		if (flags & TestCaseFailureReason::ShouldHaveFailedButDidnt)
			return "should have failed but did not";
		if (flags & TestCaseFailureReason::DidntFailExactlyNumTimes)
			return "did not fail the expected number of times";
		if (flags & TestCaseFailureReason::TooManyFailedAsserts)
			return "too many failed assertions";
		return "failed";
	}

	std::ostream &out_;
	const ContextOptions &opt_;
	std::mutex mutex_;
	const TestCaseData *tc_ = nullptr;
	std::string first_failure_;
	std::string failure_file_;
	unsigned failure_line_ = 0;
	int more_failures_ = 0;
	unsigned passed_ = 0, failed_ = 0, ignored_ = 0;
};

} // namespace

// Lets scripts/qemu-image tell a test binary that has this reporter.
extern "C" const char hotdesk_unity_reporter_tag[] __attribute__((used)) =
    "hotdesk-unity-reporter-1";

REGISTER_REPORTER("unity", 1, UnityReporter);

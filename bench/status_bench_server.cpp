// SPDX-License-Identifier: BSD-3-Clause
// A fixed snapshot served by the real StatusServer, for bench/status_bench.py.
//
//   status_bench_server --listen 127.0.0.1:PORT [--cert F --key F] [--unix PATH]
//
// The bearer token comes from $STATUS_BENCH_TOKEN (not argv: other users
// can read command lines). Prints "listening on PORT" when ready; stops on
// SIGINT/SIGTERM.
#include "agent/core/log.h"
#include "agent/status/status_server.h"
#include "platform/log/log_sinks.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace
{

class FixedHandler : public hotdesk::StatusHandler
{
public:
	FixedHandler()
	{
		s_.device_id = "02:00:00:00:00:01";
		s_.pool_ext = "HD0001";
		s_.state = "logged-in";
		s_.user_ext = "100";
		s_.user_name = "Alice Example";
		s_.since_iso = "2024-05-01T10:00:00Z";
		s_.registration = "registered";
		s_.version = HOTDESK_VERSION;
		s_.uptime_s = 3600;
		s_.seq = 42;
	}
	hotdesk::StatusSnapshot snapshot() override { return s_; }
	hotdesk::Status logout(const std::string &) override { return hotdesk::Ok{}; }
	hotdesk::Status resync() override { return hotdesk::Ok{}; }

private:
	hotdesk::StatusSnapshot s_;
};

void on_signal(int)
{
	re_cancel();
}

int usage()
{
	std::fprintf(stderr,
	             "usage: status_bench_server --listen ADDR [--cert F --key F] [--unix PATH]\n");
	return 2;
}

} // namespace

int main(int argc, char **argv)
{
	hotdesk::StatusServerConfig cfg;
	for (int i = 1; i + 1 < argc; i += 2) {
		const std::string opt = argv[i];
		const std::string val = argv[i + 1];
		if (opt == "--listen")
			cfg.listen = val;
		else if (opt == "--cert")
			cfg.cert_file = val;
		else if (opt == "--key")
			cfg.key_file = val;
		else if (opt == "--unix")
			cfg.unix_path = val;
		else
			return usage();
	}
	if (argc % 2 == 0)
		return usage();
	const char *token = std::getenv("STATUS_BENCH_TOKEN");
	cfg.token = token ? token : "";
	cfg.max_conns = 256; // the benchmark opens 100 keep-alive clients
	cfg.auth.max_failures = 1000000;
	if (libre_init() != 0)
		return 1;
	(void)fd_setsize(4096);
	hotdesk::log_set_sink(std::make_unique<hotdesk::platform::StderrSink>("hotdeskd"));
	hotdesk::log_set_level(hotdesk::LogLevel::Warn);
	int rc = 0;
	{
		FixedHandler handler;
		hotdesk::StatusServer server(cfg, handler);
		const hotdesk::Status st = server.start();
		if (!st) {
			std::fprintf(stderr, "status_bench_server: %s\n", st.error().str().c_str());
			rc = 1;
		} else {
			std::printf("listening on %u\n", server.port());
			std::fflush(stdout);
			rc = re_main(on_signal);
		}
	}
	libre_close();
	return rc;
}

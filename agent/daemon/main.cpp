// SPDX-License-Identifier: BSD-3-Clause
// hotdeskd: hot desking for desk phones running baresip. See README.md.
// Exceptions and process concerns stay here, at the edge.

#include "../../platform/re/re_cxx.h"
#include "../core/backoff.h"
#include "../core/i18n.h"
#include "../core/log.h"
#include "agent.h"
#include "config.h"

#include "../../platform/factory.h"
#include "../../platform/i18n/gettext_catalog.h"
#include "../../platform/log/log_sinks.h"
#include "../../platform/storage/posix/posix_storage.h"

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

#ifndef HOTDESK_VERSION
#define HOTDESK_VERSION "0.0.0"
#endif

using namespace hotdesk;

namespace
{

void usage()
{
	std::fprintf(stderr, "usage: hotdeskd -c <hotdeskd.conf> [--check]\n"
	                     "       hotdeskd --version\n");
}

void on_signal(int sig)
{
	log_info(std::string("hotdeskd: signal ") + std::to_string(sig) + ", stopping");
	re_cancel();
}

int run(Config cfg)
{
	auto board = board_load(cfg.board_dir);
	if (!board) {
		log_error(board.error().str());
		return 2;
	}
	platform::PlatformOptions po;
	po.key_socket = cfg.key_socket;
	po.display_log = cfg.display_log;
	po.tty =
	    cfg.tty == "on" || (cfg.tty == "auto" && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO));
	auto keys = platform::make_key_source(*board, po);
	auto display = platform::make_display(*board, po);
	if (!keys || !display) {
		log_error((keys ? display.error() : keys.error()).str());
		return 2;
	}
	platform::PosixStorage storage(cfg.state_dir);
	if (auto s = storage.open(); !s) {
		log_error(s.error().str());
		return 2;
	}
	auto leds = platform::make_leds(*board, po);
	if (!leds) {
		log_error(leds.error().str());
		return 2;
	}
	cfg.dial_plan.terminator = board->dial_terminator; // profiles may override it
	Agent agent(std::move(cfg), **keys, **display, storage, board->key_geometry(), leds->get());
	if (auto s = agent.start(); !s) {
		log_error(s.error().str());
		return 1;
	}
	log_info("hotdeskd " HOTDESK_VERSION " running");
	re_main(on_signal);
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	// stderr until the configuration names the target: its own errors
	// must reach whoever started us.
	log_set_sink(platform::make_log_sink(LogTarget::Stderr, "hotdeskd"));
	std::string conf_path;
	bool check_only = false;
	for (int i = 1; i < argc; ++i) {
		const std::string a = argv[i];
		if (a == "-c" && i + 1 < argc) {
			conf_path = argv[++i];
		} else if (a == "--check") {
			check_only = true;
		} else if (a == "--version") {
			std::printf("hotdeskd %s\n", HOTDESK_VERSION);
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (conf_path.empty()) {
		usage();
		return 2;
	}
	auto cfg = config_load(conf_path);
	if (!cfg) {
		log_error(cfg.error().str());
		return 2;
	}
	log_set_level(log_level_from_name(cfg->log_level).value_or(LogLevel::Info));
	if (check_only) {
		std::printf("%s: ok\n", conf_path.c_str());
		return 0;
	}
	if (cfg->log_target != "stderr")
		log_set_sink(platform::make_log_sink(
		    log_target_from_name(cfg->log_target).value_or(LogTarget::Stderr), "hotdeskd"));
	if (auto s = config_load_secrets(*cfg); !s) {
		log_error(s.error().str());
		return 2;
	}
	set_retry_jitter(cfg->retry_jitter); // before any owner makes a Backoff
	if (!cfg->retry_jitter)
		log_warn(
		    "config: retry_jitter off: retries are not spread (a measurement setting)");
	// The display's catalogs (docs/i18n.md), while hotdeskd has one thread.
	std::vector<std::string> notes;
	i18n_set_catalog(platform::GettextCatalog::open({cfg->locale_dir}, notes));
	for (const auto &n : notes)
		log_warn("i18n: " + n);
	if (libre_init()) {
		log_error("cannot initialise libre");
		return 1;
	}
	int rc = 1;
	try {
		rc = run(std::move(*cfg));
	} catch (const std::exception &e) {
		log_error(std::string("fatal: ") + e.what());
	}
	libre_close();
	return rc;
}

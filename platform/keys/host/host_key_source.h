// SPDX-License-Identifier: BSD-3-Clause
// Keys for the host board: the terminal (raw mode, when stdin is a TTY) and
// a UNIX stream socket (mode 0600) for scripts and tests.
//
// Socket protocol, one command per line:
//   *77*100*        characters 0-9 * # are keys, in order
//   {blf1}{send}    a logical key name in braces (see agent/core/key.h)
// Each line is answered "ok\n", or "error: <why>\n" (then no key of that
// line was pressed).
#pragma once

#include "../../../agent/core/board.h"
#include "../key_source.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hotdesk::platform
{

// Parses one socket line into keys; pure, for tests and fuzzing.
Expected<std::vector<Key>> parse_key_line(const std::string &line);

class HostKeySource : public KeySource
{
public:
	HostKeySource(const Board &board, std::string socket_path, bool use_tty);
	~HostKeySource() override;

	Status start(Handler h) override;

private:
	struct Conn;
	void on_tty();
	void on_accept();
	void on_conn(int fd);
	void close_conn(int fd);
	void press_tty_char(char c);

	static void tty_h(int flags, void *arg);
	static void accept_h(int flags, void *arg);
	static void conn_h(int flags, void *arg);

	const Board &board_;
	std::string path_;
	bool use_tty_;
	bool tty_raw_ = false;
	int listen_fd_ = -1;
	Handler h_;
	std::map<int, std::unique_ptr<Conn>> conns_;
	struct TtyState;
	std::unique_ptr<TtyState> tty_;
};

} // namespace hotdesk::platform

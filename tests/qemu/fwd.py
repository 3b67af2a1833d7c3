#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""guestfwd helper for the emulated phone's restricted user networking.

QEMU (libslirp) runs `fwd.py HOST PORT [LOG]` for each TCP connection the guest
opens to a `guestfwd=tcp:ADDR:PORT-cmd:...` address, with that connection on
stdin, stdout and stderr. This relays it to HOST:PORT on the host, so every guest
connection (a SIP TCP flow, each HTTPS request) reaches its server, where the
`-tcp:HOST:PORT` chardev form would connect once, at QEMU's start, for one guest
connection only. Nothing is ever written to stderr: it is the guest's stream.
Standard library only.
"""

import os
import select
import socket
import sys
import time


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    logpath = sys.argv[3] if len(sys.argv) > 3 else os.devnull
    fd = os.open(logpath, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    log = os.fdopen(os.dup(2), "w", buffering=1)

    guest = socket.socket(fileno=os.dup(0))
    for f in (0, 1):
        os.close(f)
    try:
        up = socket.create_connection((host, port), timeout=5)
    except OSError as e:
        log.write("%.3f fwd %s:%d connect failed: %s\n" % (time.time(), host, port, e))
        return 1
    up.settimeout(None)
    up.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    log.write("%.3f fwd %s:%d open\n" % (time.time(), host, port))
    peers = {guest: up, up: guest}
    open_in = {guest, up}
    total = {guest: 0, up: 0}
    while open_in:
        r, _, _ = select.select(list(open_in), [], [])
        for s in r:
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if data:
                try:
                    peers[s].sendall(data)
                    total[s] += len(data)
                    continue
                except OSError:
                    open_in.clear()
                    break
            open_in.discard(s)
            try:
                peers[s].shutdown(socket.SHUT_WR)
            except OSError:
                pass
    log.write("%.3f fwd %s:%d closed (guest->host %d bytes, host->guest %d bytes)\n"
              % (time.time(), host, port, total[guest], total[up]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: BSD-3-Clause
"""A TCP proxy on 127.0.0.1 that makes a bad network between the phone and the PBX:
added latency per chunk, a share of connections silently black-holed, or all of them.
(tc netem is not available on these machines; this shapes the same TCP stream.)"""

import random
import socket
import threading
import time


class NetProxy:
    def __init__(self, target_port, delay=0.0, blackhole=0.0, seed=1, listen_port=0):
        # listen_port: a port chosen (free_port) before the proxy listens, e.g. one
        # hotdeskd was told to reach before anything answers there
        self.target = ("127.0.0.1", target_port)
        self.delay = delay            # seconds added to every chunk, both ways
        self.blackhole = blackhole    # share of connections that never get an answer
        self.rng = random.Random(seed)
        self.lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", listen_port))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.stopped = threading.Event()
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped.is_set():
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            self.conns.append(c)
            if self.rng.random() < self.blackhole:
                continue  # accepted, never answered: the client must time out
            try:
                u = socket.create_connection(self.target, timeout=3)
            except OSError:
                c.close()
                continue
            # The 3 s were for the connect only: a quiet link (ctrl_tcp while
            # nothing happens) must stay up, not drop after 3 s of silence.
            u.settimeout(None)
            self.conns.append(u)
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if self.delay:
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self):
        self.stopped.set()
        self.lsock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""tests/pbx/pbx.py with a longer listen queue (bench/fleet.py --pbx-backlog).

The reference PBX is a socketserver.ThreadingHTTPServer, whose listen(2) backlog is
socketserver's default request_queue_size of 5: at 200 phones, connections beyond it
wait for a SYN retransmission and the phones' 1.5 s connect timeout runs out (measured,
docs/scale.md). A PBX built for a site listens with a longer queue; this runs the same
PBX with request_queue_size = $HOTDESK_PBX_BACKLOG, nothing else changed.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "pbx"))

import pbx  # noqa: E402

pbx.Server.request_queue_size = int(os.environ.get("HOTDESK_PBX_BACKLOG", "128"))

if __name__ == "__main__":
    sys.exit(pbx.main())

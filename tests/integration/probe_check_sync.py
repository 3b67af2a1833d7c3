#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Measurement (docs/pbx-flow.md): does baresip 1.0.0 pass a SIP NOTIFY with
`Event: check-sync` (the reprovisioning nudge of 3CX, FreePBX EPM, Yealink, Polycom) to its
ctrl_tcp client? Starts kamailio and a baresip registered as HD0001, sends unsolicited
NOTIFYs from a small UDP sender straight to baresip's SIP port (R-URI user: the contact
user, then the AOR user; Event `check-sync` and `check-sync;reboot=false`), and prints
baresip's answer and the ctrl_tcp events that followed.

    python3 tests/integration/probe_check_sync.py

Measured with Debian's baresip 1.0.0: every NOTIFY is answered `481 Subscription Does
Not Exist` and no ctrl_tcp event arrives, so hotdeskd cannot see check-sync."""

import os
import shutil
import socket
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from harness import Baresip, BaresipCtrl, Registrar, free_port, wait_until  # noqa: E402

NOTIFY = ("NOTIFY sip:{ruser}@127.0.0.1:{port} SIP/2.0\r\n"
          "Via: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{branch};rport\r\n"
          "Max-Forwards: 70\r\nFrom: <sip:pbx@127.0.0.1:{lport}>;tag={tag}\r\n"
          "To: <sip:HD0001@{domain}>\r\nCall-ID: {callid}\r\nCSeq: 1 NOTIFY\r\n"
          "Event: {event}\r\nSubscription-State: terminated\r\n"
          "Contact: <sip:pbx@127.0.0.1:{lport}>\r\nContent-Length: 0\r\n\r\n")


def main():
    d = tempfile.mkdtemp(prefix="hotdesk-checksync-")
    procs = []
    try:
        reg = Registrar(os.path.join(d, "registrar"), free_port(), {"HD0001": "probe-pw-1"})
        procs.append(reg)
        reg.start()
        phone = Baresip(d, "phone", free_port(span=2), free_port(),
                        ["<sip:HD0001@%s>;auth_pass=probe-pw-1;regint=600" % reg.domain])
        procs.append(phone)
        phone.start()
        ctrl = BaresipCtrl(phone.ctrl_port)
        try:
            wait_until(lambda: reg.contacts_of("HD0001"), 5, "HD0001 registered")
            cuser = reg.contacts_of("HD0001")[0].split("sip:")[1].split("@")[0]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind(("127.0.0.1", 0))
                u.settimeout(2)
                for what, ruser in (("contact user", cuser), ("AOR user", "HD0001")):
                    for event in ("check-sync", "check-sync;reboot=false"):
                        ctrl.clear_events()
                        msg = NOTIFY.format(ruser=ruser, port=phone.sip_port,
                                            lport=u.getsockname()[1], domain=reg.domain,
                                            branch=uuid.uuid4().hex[:12],
                                            tag=uuid.uuid4().hex[:8],
                                            callid=uuid.uuid4().hex, event=event)
                        u.sendto(msg.encode(), ("127.0.0.1", phone.sip_port))
                        try:
                            answer = u.recv(4096).decode().split("\r\n")[0]
                        except socket.timeout:
                            answer = "(no answer within 2 s)"
                        time.sleep(0.5)
                        print("R-URI %s, Event %s: baresip answered %r; ctrl_tcp events: %r"
                              % (what, event, answer,
                                 [(e["type"], e.get("param")) for e in ctrl.events()]))
        finally:
            ctrl.close()
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(d, True)


if __name__ == "__main__":
    main()

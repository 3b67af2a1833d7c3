# SPDX-License-Identifier: BSD-3-Clause
"""The device profile in Yealink's `.cfg` format (docs/profile.md, "Yealink-style .cfg device
profiles"; tests/data/device-profile.cfg), for a device whose PBX config says
`"profile_format": "cfg"`: the Snom-style XML pbx.py renders, written as `key = value` lines.
Standard library only."""

import xml.etree.ElementTree as ET


def _host_port(v):
    host, sep, port = v.rpartition(":")
    return (host, port) if sep and port.isdigit() else (v, "")


def _outbound(v):
    """`sip:host:port;transport=udp` -> (host, port, transport_type)."""
    uri, _, params = v.partition(";")
    host, port = _host_port(uri[4:] if uri.startswith("sip:") else uri)
    transport = {"tcp": "1", "tls": "2"}.get(
        dict(p.partition("=")[::2] for p in params.split(";") if p).get("transport", ""), "0")
    return host, port, transport


def _blf(text):
    """A key's text `blf <target>|<pickup>` -> (target, pickup), or None."""
    if not text or not text.startswith("blf "):
        return None
    target, _, pickup = text[4:].partition("|")
    return target.strip(), pickup.strip()


def from_snom_xml(xml):
    """The .cfg text of a device profile given as pbx.py's XML."""
    root = ET.fromstring(xml)
    out = ["#!version:1.0.0.1", "## hotdesk reference PBX device profile"]
    transport = None
    settings = root.find("phone-settings")
    pname = settings.find("user_pname")
    for e in settings:
        tag, v = e.tag, " ".join((e.text or "").split("\n"))  # one line per key
        if tag == "user_active":
            out.append("account.1.enable = %s" % ("1" if v == "on" else "0"))
        elif tag == "user_name":  # auth_name: 3CX's Authentication ID, or the user name
            out += ["account.1.user_name = " + v, "account.1.auth_name = " +
                    (pname.text if pname is not None and pname.text else v)]
        elif tag == "user_pass":
            out.append("account.1.password = " + v)
        elif tag == "user_realname":
            out += ["account.1.display_name = " + v, "account.1.label = " + v]
        elif tag == "user_host":
            host, port = _host_port(v)
            out.append("account.1.sip_server.1.address = " + host)
            if port:
                out.append("account.1.sip_server.1.port = " + port)
        elif tag == "user_outbound":
            host, port, transport = _outbound(v)
            out += ["account.1.outbound_proxy_enable = 1",
                    "account.1.outbound_proxy.1.address = " + host]
            if port:
                out.append("account.1.outbound_proxy.1.port = " + port)
        elif tag in ("language", "timezone"):
            out.append("hotdesk.%s = %s" % (tag, v))
        elif tag.startswith("hd_"):
            out.append("hotdesk.%s = %s" % (tag[3:], v))
    if transport is not None:
        out.append("account.1.sip_server.1.transport_type = " + transport)
    n = 0
    for k in root.find("functionKeys"):
        blf = _blf(k.text)
        if blf is None:
            continue
        n += 1
        out += ["linekey.%d.type = 16" % n, "linekey.%d.value = %s" % (n, blf[0])]
        if k.get("label"):
            out.append("linekey.%d.label = %s" % (n, k.get("label")))
        if blf[1]:
            out.append("linekey.%d.pickup_value = %s" % (n, blf[1]))
    return "\n".join(out) + "\n"

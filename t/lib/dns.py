#!/usr/bin/env python3
# dns.py - a tiny authoritative DNS server on 127.0.0.1 (UDP) for the
# tests: answers MX, A and AAAA queries from a zone file, NXDOMAIN for a
# name it does not know, an empty answer for a known name without records
# of the type asked for.
#
#   dns.py PORTFILE ZONEFILE
#
# ZONEFILE: one record a line, "NAME TYPE VALUE": "example.test MX 10
# mx1.example.test", "mx1.example.test A 127.0.0.1", "null.test MX 0 ."
# It binds a free port, writes it to PORTFILE and serves until killed.
# Must not: listen anywhere but 127.0.0.1, or answer for other names.
import socket
import struct
import sys

TYPES = {"A": 1, "MX": 15, "AAAA": 28}


def encode_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def read_zone(path):
    zone = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or line.startswith("#"):
                continue
            name, rtype = parts[0].lower().strip("."), parts[1].upper()
            if rtype == "A":
                rdata = socket.inet_pton(socket.AF_INET, parts[2])
            elif rtype == "AAAA":
                rdata = socket.inet_pton(socket.AF_INET6, parts[2])
            elif rtype == "MX":
                rdata = struct.pack("!H", int(parts[2])) + encode_name(parts[3])
            else:
                continue
            zone.setdefault(name, []).append((TYPES[rtype], rdata))
    return zone


def parse_question(msg):
    pos, labels = 12, []
    while pos < len(msg) and msg[pos] != 0:
        n = msg[pos]
        labels.append(msg[pos + 1:pos + 1 + n].decode(errors="replace"))
        pos += 1 + n
    qtype, qclass = struct.unpack("!HH", msg[pos + 1:pos + 5])
    return ".".join(labels).lower(), qtype, msg[12:pos + 5]


def answer(msg, zone):
    qid, flags = struct.unpack("!HH", msg[:4])
    name, qtype, question = parse_question(msg)
    records = [r for r in zone.get(name, []) if r[0] == qtype]
    rcode = 0 if name in zone else 3
    head = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | rcode, 1,
                       len(records), 0, 0)
    body = b"".join(struct.pack("!HHHIH", 0xC00C, t, 1, 60, len(d)) + d
                    for t, d in records)
    return head + question + body


def main():
    zone = read_zone(sys.argv[2])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            s.sendto(answer(msg, zone), peer)
        except (IndexError, struct.error, KeyError):
            pass


main()

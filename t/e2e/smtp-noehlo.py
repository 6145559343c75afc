#!/usr/bin/env python3
"""smtp-noehlo.py - an SMTP client that skips EHLO after STARTTLS.

Usage: smtp-noehlo.py HOST PORT FROM TO SUBJECT [CERT KEY]

Says EHLO, STARTTLS (presenting CERT/KEY when given, not checking the
server), then goes straight to MAIL FROM without a second EHLO, as some
clients do. Prints every server reply; exits 0 when the message was
accepted, 1 when any command was refused, 2 on a protocol error.
"""
import socket
import ssl
import sys


def reply(f):
    lines = []
    while True:
        line = f.readline().decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            raise EOFError("connection closed")
        print("<- " + line)
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return int(line[:3]), lines


def command(sock, f, text):
    print("-> " + text)
    sock.sendall(text.encode() + b"\r\n")
    return reply(f)


def main():
    host, port, sender, rcpt, subject = sys.argv[1:6]
    cert = sys.argv[6] if len(sys.argv) > 6 else None
    key = sys.argv[7] if len(sys.argv) > 7 else None
    sock = socket.create_connection((host, int(port)), timeout=20)
    f = sock.makefile("rb")
    reply(f)
    command(sock, f, "EHLO client.example")
    code, _ = command(sock, f, "STARTTLS")
    if code != 220:
        return 2
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if cert:
        ctx.load_cert_chain(cert, key)
    sock = ctx.wrap_socket(sock, server_hostname=host)
    f = sock.makefile("rb")
    print("== TLS " + sock.version() + ", no EHLO after STARTTLS")
    for text in ("MAIL FROM:<%s>" % sender, "RCPT TO:<%s>" % rcpt, "DATA"):
        code, _ = command(sock, f, text)
        if code >= 400:
            command(sock, f, "QUIT")
            return 1
    body = ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\nno EHLO after "
            "STARTTLS\r\n.") % (sender, rcpt, subject)
    code, _ = command(sock, f, body)
    command(sock, f, "QUIT")
    return 0 if code == 250 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, ssl.SSLError) as e:
        print("error: %s" % e)
        sys.exit(2)

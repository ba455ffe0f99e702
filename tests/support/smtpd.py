#!/usr/bin/python3
"""A real SMTP server for replypad's tests (aiosmtpd, Debian python3-aiosmtpd).

Listens on 127.0.0.1:PORT, plain or with implicit TLS, optionally requiring
AUTH PLAIN/LOGIN, and stores every accepted message as one file in
MAILDIR/new with X-Test-Mail-From / X-Test-Rcpt-To headers on top. Prints
"READY" on stdout once it accepts connections.
"""
import argparse
import asyncio
import os
import ssl
import sys
import time
import uuid

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Store:
    def __init__(self, maildir, reject=None):
        self.maildir = maildir
        self.reject = reject
        for d in ("new", "tmp", "cur"):
            os.makedirs(os.path.join(maildir, d), exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        if self.reject:
            return self.reject
        head = "X-Test-Mail-From: %s\r\nX-Test-Rcpt-To: %s\r\n" % (
            envelope.mail_from, ", ".join(envelope.rcpt_tos))
        name = "%d.%s.eml" % (time.time_ns(), uuid.uuid4().hex)
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(head.encode() + envelope.original_content)
        os.rename(tmp, os.path.join(self.maildir, "new", name))
        return "250 2.0.0 Ok: queued as " + name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--auth", help="user:password required for AUTH")
    ap.add_argument("--reject", help="reply to DATA with this, e.g. '554 5.7.1 rejected'")
    a = ap.parse_args()

    ctx = None
    if a.tls_cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)

    kwargs = {}
    if a.auth:
        user, password = a.auth.split(":", 1)

        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and \
                auth_data.login.decode() == user and auth_data.password.decode() == password
            return AuthResult(success=ok, handled=False)

        kwargs.update(authenticator=check, auth_required=True, auth_require_tls=False)

    controller = Controller(Store(a.maildir, a.reject), hostname="127.0.0.1", port=a.port,
                            ssl_context=ctx, server_hostname="localhost", **kwargs)
    controller.start()
    print("READY", flush=True)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.Event().wait())
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""A real SMTP server for replypad's tests (aiosmtpd, Debian python3-aiosmtpd).

Listens on 127.0.0.1:PORT, plain, with implicit TLS, or with STARTTLS
(--starttls: required before anything else), optionally requiring AUTH
PLAIN/LOGIN (--auth) or XOAUTH2 with one good token (--xoauth2), and stores every accepted message as one file in
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


class Xoauth2Store:
    """The store, and AUTH XOAUTH2 accepting one user and token; a wrong
    token gets Gmail's error challenge, then 535 after the empty answer."""

    def __init__(self, store, user, token):
        self.store, self.user, self.token = store, user, token

    async def handle_DATA(self, server, session, envelope):
        return await self.store.handle_DATA(server, session, envelope)

    async def auth_XOAUTH2(self, server, args):
        import base64, json
        if len(args) < 2:
            return AuthResult(success=False, handled=False)
        raw = base64.b64decode(args[1]).decode(errors="replace")
        fields = dict(p.split("=", 1) for p in raw.split("\x01") if "=" in p)
        ok = fields.get("user") == self.user and fields.get("auth") == "Bearer " + self.token
        if ok:
            return AuthResult(success=True, auth_data=self.user)
        err = json.dumps({"status": "401", "schemes": "Bearer", "scope": "https://mail.test/"})
        await server.challenge_auth(err)
        return AuthResult(success=False, handled=False,
                          message="535 5.7.8 Username and Password not accepted")


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
    ap.add_argument("--starttls", action="store_true", help="the certificate serves STARTTLS")
    ap.add_argument("--xoauth2", help="user:token accepted by AUTH XOAUTH2")
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

    handler = Store(a.maildir, a.reject)
    if a.xoauth2:
        user, token = a.xoauth2.split(":", 1)
        handler = Xoauth2Store(handler, user, token)
        kwargs.update(auth_required=True, auth_require_tls=bool(a.starttls),
                      auth_exclude_mechanism=["LOGIN", "PLAIN"])
    if a.starttls:
        kwargs.update(tls_context=ctx, require_starttls=True)
        if "auth_require_tls" in kwargs:
            kwargs["auth_require_tls"] = True
        ctx = None
    controller = Controller(handler, hostname="127.0.0.1", port=a.port,
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

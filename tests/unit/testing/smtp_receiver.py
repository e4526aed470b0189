#!/usr/bin/env python3
"""A loopback SMTP server for notification tests (aiosmtpd): records every mail it accepts as one
JSON line and refuses recipients by their local part.

usage: smtp_receiver.py PORT LOG [--starttls CERT KEY] [--implicit CERT KEY] [--login USER:PASSWORD]

--starttls  offers STARTTLS and requires it before MAIL
--implicit  speaks TLS from the first byte (smtps)
--login     offers AUTH (only over TLS) and accepts USER:PASSWORD
Recipients busy@... get "451 4.3.0", reject@... "550 5.1.1". Each LOG line: {"from", "to", "tls",
"login", "raw" (the message as received), "headers" (lower-case names, encoded words decoded),
"subject" (decoded), "body" (decoded text)}.
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import ssl

from aiosmtpd.smtp import SMTP, AuthResult

ap = argparse.ArgumentParser()
ap.add_argument("port", type=int)
ap.add_argument("log")
ap.add_argument("--starttls", nargs=2)
ap.add_argument("--implicit", nargs=2)
ap.add_argument("--login")
args = ap.parse_args()


def context(pair):
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pair[0], pair[1])
    return ctx


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("busy@"):
            return "451 4.3.0 mailbox busy, try again later"
        if address.startswith("reject@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        entry = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "login": getattr(session, "hops_login", None),
            "raw": envelope.content.decode("utf-8", "replace"),
            "headers": {k.lower(): str(v) for k, v in msg.items()},
            "subject": str(msg["subject"]),
            "body": msg.get_content(),
        }
        with open(args.log, "a") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        return "250 2.0.0 queued"


def authenticator(server, session, envelope, mechanism, auth_data):
    user, _, password = args.login.partition(":")
    login = auth_data.login.decode()
    if login == user and auth_data.password.decode() == password:
        session.hops_login = login
        return AuthResult(success=True)
    return AuthResult(success=False, handled=False)


def factory():
    kw = {"hostname": "localhost"}
    if args.starttls:
        kw.update(tls_context=context(args.starttls), require_starttls=True)
    if args.login:
        kw.update(authenticator=authenticator, auth_require_tls=True)
    return SMTP(Handler(), **kw)


async def main():
    loop = asyncio.get_running_loop()
    tls = context(args.implicit) if args.implicit else None
    server = await loop.create_server(factory, "127.0.0.1", args.port, ssl=tls)
    async with server:
        await server.serve_forever()


asyncio.run(main())

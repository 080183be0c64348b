"""A mail relay for Lyceum's tests: aiosmtpd on a loopback port, offering
STARTTLS and refusing mail until the client has switched to TLS. Each
message it accepts is written to a folder as JSON, with whether it arrived
over TLS. Each message is parsed with Python's
`email` package and its headers, parts, text and HTML recorded. It prints
"ready" once it listens, and stops when its standard
input closes.

Usage: smtp_peer.py PORT CERT_PEM KEY_PEM FOLDER
"""

import email
import email.policy
import json
import pathlib
import ssl
import sys

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, folder):
        self.folder = pathlib.Path(folder)
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        # Read back by Python's own e-mail parser, not by Lyceum's code.
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        record = {
            "tls": bool(session.ssl),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[name, str(value)] for name, value in message.items()],
            "message_id": str(message["Message-ID"]),
            "subject": str(message["Subject"]),
            "parts": [part.get_content_type() for part in message.walk()],
            "text": message.get_body(preferencelist=("plain",)).get_content(),
            "html": html.get_content() if (html := message.get_body(preferencelist=("html",))) else None,
            "defects": [type(defect).__name__ for defect in message.defects],
        }
        (self.folder / f"{self.count:04}.json").write_text(json.dumps(record))
        return "250 Message accepted"


def main():
    port, cert, key, folder = sys.argv[1:5]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    controller = Controller(
        Keep(folder),
        hostname="127.0.0.1",
        port=int(port),
        server_hostname="localhost",
        tls_context=context,
        require_starttls=True,
    )
    controller.start()
    print("ready", flush=True)
    try:
        sys.stdin.read()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()

"""A development mail catcher: a real SMTP server (aiosmtpd) and a page listing what arrived.

    python -m shared.mailcatcher [--smtp-port 1025] [--http-port 8025]

The demo runs it so a person can open activation links; tests start
:class:`MailCatcher` on free ports and read mails from it. It keeps mails in memory
and binds to loopback only.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import re
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller

HOST = "127.0.0.1"


def free_port() -> int:
    """Return a free TCP port on loopback (aiosmtpd's port=0 does not work)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class ReceivedMail:
    """One mail as it arrived."""

    envelope_from: str
    recipients: list[str]
    message: EmailMessage
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        """The plain-text body (or the HTML one if there is no text part)."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""

    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else None

    def links(self) -> list[str]:
        """Every http(s) link in the text body, in order."""
        return re.findall(r"https?://[^\s<>\"')]+", self.text())


class _Handler:
    def __init__(self, store: MailCatcher) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.store._add(ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class MailCatcher:
    """An SMTP server on loopback that keeps every mail it receives."""

    def __init__(self, smtp_port: int | None = None) -> None:
        self.smtp_port = smtp_port or free_port()
        self.mails: list[ReceivedMail] = []
        self._lock = threading.Condition()
        self._controller = Controller(_Handler(self), hostname=HOST, port=self.smtp_port)

    def _add(self, mail: ReceivedMail) -> None:
        with self._lock:
            self.mails.append(mail)
            self._lock.notify_all()

    def start(self) -> MailCatcher:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def clear(self) -> None:
        with self._lock:
            self.mails.clear()

    def wait_for(self, predicate=lambda mail: True, timeout: float = 15.0) -> ReceivedMail:
        """Block until a mail matching ``predicate`` has arrived; return it."""
        with self._lock:
            found = self._lock.wait_for(
                lambda: next((m for m in self.mails if predicate(m)), None), timeout)
        if found is None:
            raise TimeoutError(f"no matching mail within {timeout} s "
                               f"(have: {[m.subject for m in self.mails]})")
        return found

    def for_recipient(self, address: str) -> list[ReceivedMail]:
        with self._lock:
            return [m for m in self.mails if address.lower() in (r.lower() for r in m.recipients)]


def _page(catcher: MailCatcher) -> str:
    rows = []
    for mail in reversed(catcher.mails):
        body = html.escape(mail.text())
        body = re.sub(r"(https?://[^\s<>&]+)", r'<a href="\1">\1</a>', body)
        rows.append(
            f"<article><h2>{html.escape(mail.subject)}</h2><p><b>To:</b> "
            f"{html.escape(', '.join(mail.recipients))} · {mail.received_at:%Y-%m-%d %H:%M:%S} UTC"
            f"</p><pre>{body}</pre></article>")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Mail catcher</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}"
            "article{border:1px solid #ccc;padding:.5rem 1rem;margin:1rem 0}"
            # Long links (tokens) break anywhere instead of widening the page.
            "pre{white-space:pre-wrap;overflow-wrap:anywhere}a{overflow-wrap:anywhere}"
            "</style></head><body><h1>Mail catcher</h1>"
            f"<p>{len(catcher.mails)} mail(s) received on SMTP port {catcher.smtp_port}. "
            "Newest first; reload to refresh.</p>" + "".join(rows) + "</body></html>")


def serve_http(catcher: MailCatcher, port: int) -> ThreadingHTTPServer:
    """Serve the list of mails on ``port`` (HTML at /, JSON at /api/messages)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's hook name
            if self.path.startswith("/api/messages"):
                # ?after=N: only the mails after the first N (a poller reads each mail once,
                # not every mail on every poll: thousands of them in the load scenarios).
                query = parse_qs(urlsplit(self.path).query)
                after = int(query["after"][0]) if query.get("after", [""])[0].isdigit() else 0
                body = json.dumps([{"to": m.recipients, "subject": m.subject, "text": m.text(),
                                    "received_at": m.received_at.isoformat()}
                                   for m in catcher.mails[after:]]).encode()
                ctype = "application/json"
            else:
                body, ctype = _page(catcher).encode(), "text/html; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((HOST, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args()
    catcher = MailCatcher(args.smtp_port).start()
    serve_http(catcher, args.http_port)
    print(f"mail catcher: SMTP {HOST}:{args.smtp_port}, web http://{HOST}:{args.http_port}/",
          flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()

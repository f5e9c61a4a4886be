"""Email messages (plain text + HTML) and their delivery to the outbox folder.

Without an SMTP server configured, each message is written as an `.eml` file: a developer opens it
with any mail client. The file name is derived from what the message is about, so delivering the
same notice twice leaves one file.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from email.utils import formataddr, formatdate, make_msgid, parseaddr
from pathlib import Path

import msgspec


class Email(msgspec.Struct, frozen=True, kw_only=True):
    to_address: str
    to_name: str
    subject: str
    text: str
    html: str
    # What the message is about, unique per notice (e.g. "welcome-<user id>"): names the outbox file.
    key: str
    # The one-click unsubscribe link (RFC 8058), also shown in the message's footer.
    unsubscribe_url: str | None = None


# The message is written directly (RFC 5322 + MIME): the standard library's `email` package takes several
# milliseconds a message, most of it folding headers, which is the better part of a reminder's cost.
_ENCODED_WORD_BYTES = 45  # 45 bytes make 60 base64 characters: each encoded-word stays under 75 (RFC 2047)


def header_text(text: str) -> str:
    """A header value: on one line, and as RFC 2047 encoded-words unless it is plain ASCII."""
    text = " ".join(text.split())  # no CR or LF ever reaches a header (no header injection)
    if text.isascii() and "=?" not in text:
        return text
    words: list[str] = []
    chunk = b""
    for char in text:
        encoded = char.encode()
        if len(chunk) + len(encoded) > _ENCODED_WORD_BYTES:
            words.append(chunk.decode())
            chunk = b""
        chunk += encoded
    words.append(chunk.decode())
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode()).decode()}?=" for word in words)


def mailbox(name: str, address: str) -> str:
    """`Name <address>`, the name encoded when it is not plain ASCII."""
    name = " ".join(name.split())
    if name.isascii():
        return formataddr((name, address))
    return f"{header_text(name)} <{address}>"


def _quoted_printable(text: str) -> bytes:
    """UTF-8, quoted-printable, CRLF line ends (binascii's encoder is written in C)."""
    return binascii.b2a_qp("\r\n".join(text.splitlines()).encode(), istext=True)


def to_bytes(email: Email, *, sender: str) -> bytes:
    """The message as it goes on the wire: plain text and HTML alternatives, CRLF line ends."""
    boundary = f"=_{secrets.token_hex(16)}"  # "=_" never occurs in quoted-printable text
    headers = [
        f"From: {mailbox(*parseaddr(sender))}",
        f"To: {mailbox(email.to_name, email.to_address)}",
        f"Subject: {header_text(email.subject)}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {make_msgid(domain='mutiroes.org')}",
    ]
    if email.unsubscribe_url is not None:
        # One line (up to RFC 5322's 998 characters), never folded: mail clients read the URL literally.
        headers.append(f"List-Unsubscribe: <{email.unsubscribe_url}>")
        headers.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    headers += ["MIME-Version: 1.0", f'Content-Type: multipart/alternative; boundary="{boundary}"']
    parts = [("\r\n".join(headers) + "\r\n\r\n").encode()]
    for subtype, content in (("plain", email.text), ("html", email.html)):
        parts.append(
            f'--{boundary}\r\nContent-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
        )
        parts.append(_quoted_printable(content) + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)


class Outbox:
    """A folder of `.eml` files, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, email: Email, *, sender: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", email.key) + ".eml"
        path = self.folder / name
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(to_bytes(email, sender=sender))
        os.replace(temporary, path)
        return path

"""Email messages (plain text + HTML) and their delivery to the outbox folder.

Without an SMTP server configured, each message is written as an `.eml` file: a developer opens it
with any mail client. The file name is derived from what the message is about, so delivering the
same notice twice leaves one file.
"""

from __future__ import annotations

import os
import re
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
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


def to_mime(email: Email, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((email.to_name, email.to_address))
    message["Subject"] = email.subject
    message["Message-ID"] = make_msgid(domain="mutiroes.org")
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


class Outbox:
    """A folder of `.eml` files, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, email: Email, *, sender: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", email.key) + ".eml"
        path = self.folder / name
        temporary = path.with_suffix(".eml.tmp")
        temporary.write_bytes(bytes(to_mime(email, sender=sender)))
        os.replace(temporary, path)
        return path

"""A local SMTP server that keeps every mail it is given instead of sending it: what a
newcomer's ``./dev up`` sends to (``MAIL_SINK=on``, ``SMTP_PORT=1025``), and what
``mentoring mails`` reads.

Each accepted message is one ``.eml`` file under ``<MENTORING_DATA_DIR>/mails``, named by the
moment it arrived, so the newest sorts last. For development only: it accepts anything from
anyone, so it listens on loopback unless told otherwise.
"""
from __future__ import annotations

import itertools
import threading
from datetime import datetime, timezone
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any, Dict, List, Mapping

_counter = itertools.count(1)
_lock = threading.Lock()


def mails_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("MENTORING_DATA_DIR") or "data").resolve() / "mails"


class Keeper:
    """aiosmtpd's handler: each message's bytes into a file of its own."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):
        with _lock:
            name = f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S.%f')}-{next(_counter):04d}.eml"
        (self.directory / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message kept by the local mail sink"


def start(host: str, port: int, directory: Path):
    """Start the sink (an aiosmtpd controller in a thread of its own); the caller stops it."""
    from aiosmtpd.controller import Controller

    controller = Controller(Keeper(directory), hostname=host, port=port)
    controller.start()
    return controller


def listed(directory: Path) -> List[Dict[str, Any]]:
    """The kept mails, oldest first: file, date, from, to, subject, and the plain text."""
    mails = []
    for index, path in enumerate(sorted(directory.glob("*.eml")) if directory.is_dir() else [], start=1):
        message = message_from_bytes(path.read_bytes(), policy=default)
        body = message.get_body(("plain",)) if message.is_multipart() or message.get_content_type() == "text/plain" \
            else None
        mails.append({"number": index, "file": path.name, "date": str(message.get("Date") or ""),
                      "from": str(message.get("From") or ""), "to": str(message.get("To") or ""),
                      "subject": str(message.get("Subject") or ""),
                      "list_unsubscribe": str(message.get("List-Unsubscribe") or "") or None,
                      "text": body.get_content() if body is not None else ""})
    return mails

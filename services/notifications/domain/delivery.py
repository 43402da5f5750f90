"""How a delivery attempt's outcome is read, and when the next one is due.

A mail server's 5xx answer is final (the message is failed and ``NotificationFailed``
published); a 4xx answer, a refused or dropped connection or a timeout is transient: tried
again after a back-off that doubles, up to ``SMTP_MAX_ATTEMPTS`` attempts. A coordinator's
resend of a failed message gives it a new budget: the attempts counted towards the limit (and the
back-off) are those since the last resend (:func:`attempts_counted`).
"""
from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass
from typing import Optional

FAILURE_REASONS = ("rejected", "gave_up")

_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")


def mask_addresses(text: str) -> str:
    """An SMTP answer with every address in it masked (the log keeps no addresses)."""
    return _ADDRESS.sub("<address>", text)[:500]


@dataclass(frozen=True)
class Outcome:
    permanent: bool
    code: Optional[int]
    error: str


def _text(message) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def classify(exc: BaseException) -> Outcome:
    """A failed attempt: final (5xx) or to be tried again (4xx, connection problems)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()))
        return Outcome(code >= 500, code, mask_addresses(f"{code} {_text(message)}"))
    if isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
        return Outcome(500 <= code < 600, code, mask_addresses(f"{code} {_text(exc.smtp_error)}"))
    return Outcome(False, None, mask_addresses(f"{type(exc).__name__}: {exc}"))


def backoff(attempts: int, first: float, longest: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt."""
    return min(first * 2 ** max(attempts - 1, 0), longest)


def attempts_counted(attempts: int, before_resend: int) -> int:
    """The attempts that count towards ``SMTP_MAX_ATTEMPTS`` and the back-off: those made
    since the message was last resent (``before_resend``: the attempts made before it; 0 for
    a message never resent)."""
    return max(attempts - before_resend, 1)

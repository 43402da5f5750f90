"""The notifications domain, plain Python: what message a cause makes, for whom, in which
language, and what it may say (:mod:`.introduction`, :mod:`.reminders`); when a message may go
out (:mod:`.schedule`); how a delivery attempt's outcome is read (:mod:`.delivery`)."""
from .delivery import FAILURE_REASONS, Outcome, backoff, classify, mask_addresses
from .introduction import (
    INTRODUCTION,
    LANGUAGES,
    ROLES,
    NoOneToTell,
    Recipient,
    choose_language,
    introduction_context,
    message_id,
    next_steps,
    recipients_of,
)
from .introduction import KINDS as _INTRODUCTION_KINDS
from .reminders import NOTICE_KINDS

#: every kind of message
KINDS = _INTRODUCTION_KINDS + NOTICE_KINDS

__all__ = ["FAILURE_REASONS", "INTRODUCTION", "KINDS", "LANGUAGES", "ROLES", "NoOneToTell", "Outcome",
           "Recipient", "backoff", "choose_language", "classify", "introduction_context", "mask_addresses",
           "message_id", "next_steps", "recipients_of"]

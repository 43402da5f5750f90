"""The notifications domain, plain Python: what message a cause makes, for whom, in which
language, and what it may say (:mod:`.introduction`, :mod:`.reminders`); who else is told of a
pairing's news, a staff member's version and a pairing's end (:mod:`.audience`); when a message
may go out (:mod:`.schedule`); how a delivery attempt's outcome is read (:mod:`.delivery`)."""
from .audience import (
    ended_context,
    message_context,
    preferred_language,
    sharing_of,
    staff_context,
    template_of,
    told_of_pairing,
)
from .delivery import FAILURE_REASONS, Outcome, backoff, classify, mask_addresses
from .introduction import (
    INTRODUCTION,
    LANGUAGES,
    PAIRING_ENDED,
    ROLES,
    STAFF_ROLES,
    NoOneToTell,
    Recipient,
    choose_language,
    introduction_context,
    mentee_contact_for_mentor,
    message_id,
    next_steps,
    recipients_of,
)
from .introduction import KINDS as _INTRODUCTION_KINDS
from .reminders import NOTICE_KINDS

#: every kind of message
KINDS = _INTRODUCTION_KINDS + NOTICE_KINDS

__all__ = ["FAILURE_REASONS", "INTRODUCTION", "KINDS", "LANGUAGES", "PAIRING_ENDED", "ROLES", "STAFF_ROLES",
           "NoOneToTell", "Outcome", "Recipient", "backoff", "choose_language", "classify", "ended_context",
           "introduction_context", "mask_addresses", "mentee_contact_for_mentor", "message_context", "message_id",
           "next_steps", "preferred_language", "recipients_of", "sharing_of", "staff_context", "template_of",
           "told_of_pairing"]

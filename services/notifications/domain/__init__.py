"""The notifications domain, plain Python: what message a cause makes, for whom, in which
language, and what it may say (:mod:`.introduction`, :mod:`.reminders`; an e-course's deadlines:
:mod:`.course`); who else is told of a pairing's news, a staff member's version and a pairing's
end (:mod:`.audience`); a team's members (:mod:`.teams`); an e-course's group introduction
(:mod:`.groups`); when a message may go out (:mod:`.schedule`); how a delivery attempt's outcome
is read (:mod:`.delivery`)."""
from .audience import (
    ended_context,
    message_context,
    preferred_language,
    sharing_of,
    staff_context,
    template_of,
    told_of_pairing,
)
from .course import COURSE_KINDS
from .delivery import FAILURE_REASONS, Outcome, attempts_counted, backoff, classify, mask_addresses
from .groups import (
    confirmed_by_round,
    group_cause,
    groups_of,
    is_group_programme,
    people_of,
    round_complete,
    round_expects,
    told_of_group,
    told_of_joining,
)
from .introduction import (
    GROUP_INTRODUCTION,
    GROUP_JOINED,
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
from .teams import MEMBER, is_team_programme, member_cause, member_places

#: every kind of message
KINDS = _INTRODUCTION_KINDS + NOTICE_KINDS + COURSE_KINDS

__all__ = ["FAILURE_REASONS", "GROUP_INTRODUCTION", "GROUP_JOINED", "INTRODUCTION", "MEMBER",
           "KINDS", "LANGUAGES", "PAIRING_ENDED", "ROLES", "STAFF_ROLES",
           "NoOneToTell", "Outcome", "Recipient", "attempts_counted", "backoff", "choose_language", "classify",
           "ended_context",
           "introduction_context", "mask_addresses", "mentee_contact_for_mentor", "message_context", "message_id",
           "next_steps", "preferred_language", "recipients_of", "sharing_of", "staff_context", "template_of",
           "told_of_pairing", "confirmed_by_round", "group_cause", "groups_of", "is_group_programme",
           "is_team_programme", "member_cause", "member_places", "people_of", "round_complete", "round_expects",
           "told_of_group", "told_of_joining"]

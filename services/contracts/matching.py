"""The events the matching service publishes: their payload schemas, registered in the
platform's event catalogue.

Pairing events live on ``pairing``/<uuid>; ``MenteeWaitlisted``, ``ShortlistOffered`` and
``MentorsChosen`` on the mentee's matching stream ``matchmentee``/<person id>;
``MatchingRoundCompleted`` on ``matchround``/<uuid>; a mentee's requests to the mentors they
chose on ``mentorrequest``/<uuid>. No payload holds personal data: people are named by their
ids only.

The vocabularies below are the published words of the matching domain; the domain keeps its
own (``services/matching/domain/``) and ``tests/test_contracts.py`` holds the two to each other.
"""
from __future__ import annotations

from typing import Dict, Type

from marshmallow import Schema, fields, validate

from services.platform_core.events import event_type, event_type_of
from services.platform_core.schemas import PayloadSchema

SERVICE = "matching"

#: how a pairing came about
ORIGINS = ("placement", "reserve", "round", "manual", "choice")
#: who rejected a proposal; only a coordinator's rejection bars the pair for good
REJECTERS = ("coordinator", "system")
#: why a confirmed pair ended
END_REASONS = ("completed", "withdrew", "closed_early", "erased", "consent_withdrawn", "vetting_failed",
               "related_pair")
#: who confirmed a pair
CONFIRMERS = ("automatic", "coordinator", "mentor")
#: why a request to a mentor no longer stands
CANCEL_REASONS = ("mentor_full", "mentor_withdrew", "mentee_withdrew", "erased",
                  "consent_withdrawn", "mentee_paired", "vetting_failed")


#: what a score is made of (services/matching/domain/scoring.py); the HTTP views add a reason per part
PARTS = ("the score's parts: areas, place, preferred, languages, and for teams need_area "
         "(0 by default: knowing the team's need area is a hard rule, so it is not scored)")


class _PairPayload(PayloadSchema):
    programme_id = fields.String(required=True)
    mentor_id = fields.String(required=True)
    mentee_id = fields.String(required=True)


class _ScoredPairPayload(_PairPayload):
    mode = fields.String(required=True)
    origin = fields.String(required=True, validate=validate.OneOf(ORIGINS))
    score = fields.Integer(required=True, metadata={"description": "the pair's score (sum of parts)"})
    parts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": PARTS})
    percent = fields.Integer(required=True, metadata={
        "description": "score relative to the best this mentee could get, 0-100"})


@event_type("PairingProposed", stream_type="pairing", service=SERVICE)
class PairingProposedPayload(_ScoredPairPayload):
    """A mentor was proposed for a mentee (coordinator-approves mode, or a round's suggestion
    in coordinator-assigns mode); the mentor's place is held until it is approved or rejected."""

    proposed_at = fields.String(required=True)


@event_type("PairingConfirmed", stream_type="pairing", service=SERVICE)
class PairingConfirmedPayload(_ScoredPairPayload):
    """A pair is made, whatever the mode (automatic, approved by the coordinator, assigned by
    hand, accepted by the mentor a mentee chose): introductions follow."""

    confirmed_by = fields.String(required=True, validate=validate.OneOf(CONFIRMERS), metadata={
        "description": "automatic, coordinator, or mentor (who accepted a mentee's request)"})
    confirmed_at = fields.String(required=True)


@event_type("PairingRejected", stream_type="pairing", service=SERVICE)
class PairingRejectedPayload(_PairPayload):
    """A proposal was turned down by the coordinator (the pair is never proposed again) or
    dropped by the system (``reason``: withdrew, erased, consent_withdrawn, superseded)."""

    rejected_by = fields.String(required=True, validate=validate.OneOf(REJECTERS))
    reason = fields.String(required=True)
    rejected_at = fields.String(required=True)


@event_type("PairingEnded", stream_type="pairing", service=SERVICE)
class PairingEndedPayload(_PairPayload):
    """A confirmed pair ended; ``ended_by``: coordinator, mentor, mentee or system."""

    reason = fields.String(required=True, validate=validate.OneOf(END_REASONS))
    ended_by = fields.String(required=True)
    ended_at = fields.String(required=True)


@event_type("MenteeWaitlisted", stream_type="matchmentee", service=SERVICE)
class MenteeWaitlistedPayload(PayloadSchema):
    """A mentee (or team) could not be placed and waits in the reserve register; ``reason``
    says why (no_consent, no_training, age_outside_limits, no_suitable_mentor, no_capacity,
    outside_matching_window, team_need_area_not_set, awaiting_coordinator, ...)."""

    programme_id = fields.String(required=True)
    reason = fields.String(required=True)
    waitlisted_at = fields.String(required=True)


@event_type("MatchingRoundCompleted", stream_type="matchround", service=SERVICE)
class MatchingRoundCompletedPayload(PayloadSchema):
    """A cohort round (the optimal assignment of every waiting mentee and open proposal)
    ran: how many were paired, how many wait, the total score and the solver's time."""

    programme_id = fields.String(required=True)
    paired = fields.Integer(required=True)
    waiting = fields.Integer(required=True)
    total_score = fields.Integer(required=True)
    solver_seconds = fields.Float(required=True)
    superseded = fields.Integer(required=True, metadata={
        "description": "open proposals the round replaced by better pairs"})
    confirmed = fields.Integer(allow_none=True, load_default=None, metadata={
        "description": "pairings the round confirmed (automatic mode; 0 where it only proposes): their "
                       "PairingConfirmed events share this event's correlation_id (null in events before it "
                       "was added)"})
    completed_at = fields.String(required=True)


class _ScoreFields(PayloadSchema):
    score = fields.Integer(required=True)
    parts = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                        metadata={"description": PARTS})
    percent = fields.Integer(required=True, metadata={"description": "match percentage, 0-100"})


class ShortlistedMentorPayload(_ScoreFields):
    mentor_id = fields.String(required=True)


@event_type("ShortlistOffered", stream_type="matchmentee", service=SERVICE)
class ShortlistOfferedPayload(PayloadSchema):
    """Mentee-chooses mode: the best mentors with room for this mentee (at most the
    programme's shortlist size), best first, with their match percentages. Offered again
    when the list changes; an empty list withdraws the last one (nobody suitable has room)."""

    programme_id = fields.String(required=True)
    mentors = fields.List(fields.Nested(ShortlistedMentorPayload), required=True)
    offered_at = fields.String(required=True)


@event_type("MentorsChosen", stream_type="matchmentee", service=SERVICE)
class MentorsChosenPayload(PayloadSchema):
    """The mentee ranked mentors of their shortlist, most wanted first; they are asked in
    that order (``choice_id`` names this ranking in the requests that follow)."""

    programme_id = fields.String(required=True)
    choice_id = fields.String(required=True)
    mentor_ids = fields.List(fields.String(), required=True)
    chosen_at = fields.String(required=True)


class _RequestPayload(_PairPayload):
    choice_id = fields.String(required=True)


@event_type("MentorRequested", stream_type="mentorrequest", service=SERVICE)
class MentorRequestedPayload(_RequestPayload, _ScoreFields):
    """A mentor is asked to take a mentee who chose them (``rank`` in the mentee's list);
    they answer by ``answer_by`` or the request expires. ``skipped``: mentors ranked higher
    who could not be asked (full, or no longer suitable)."""

    rank = fields.Integer(required=True)
    skipped = fields.List(fields.String(), load_default=list)
    requested_at = fields.String(required=True)
    answer_by = fields.String(required=True)


@event_type("MentorRequestAccepted", stream_type="mentorrequest", service=SERVICE)
class MentorRequestAcceptedPayload(_RequestPayload):
    """The mentor accepted: ``pairing_id`` is the confirmed pair."""

    pairing_id = fields.String(required=True)
    accepted_at = fields.String(required=True)


@event_type("MentorRequestDeclined", stream_type="mentorrequest", service=SERVICE)
class MentorRequestDeclinedPayload(_RequestPayload):
    """The mentor declined; the next mentor of the mentee's list is asked."""

    reason = fields.String(allow_none=True, load_default=None)
    declined_at = fields.String(required=True)


@event_type("MentorRequestExpired", stream_type="mentorrequest", service=SERVICE)
class MentorRequestExpiredPayload(_RequestPayload):
    """The mentor did not answer within the programme's answer days; the next is asked."""

    expired_at = fields.String(required=True)


@event_type("MentorRequestCancelled", stream_type="mentorrequest", service=SERVICE)
class MentorRequestCancelledPayload(_RequestPayload):
    """The request no longer stands (the mentor filled up, someone withdrew or was erased,
    the mentee was paired otherwise)."""

    reason = fields.String(required=True, validate=validate.OneOf(CANCEL_REASONS))
    cancelled_at = fields.String(required=True)


#: Every event type matching publishes, by name.
PAYLOAD_SCHEMAS: Dict[str, Type[Schema]] = {
    event_type_of(schema): schema for schema in (
        PairingProposedPayload, PairingConfirmedPayload, PairingRejectedPayload,
        PairingEndedPayload, MenteeWaitlistedPayload, MatchingRoundCompletedPayload,
        ShortlistOfferedPayload, MentorsChosenPayload, MentorRequestedPayload,
        MentorRequestAcceptedPayload, MentorRequestDeclinedPayload, MentorRequestExpiredPayload,
        MentorRequestCancelledPayload)
}

"""The matching service's read model (imported as ``read_model``): its tables, the two
projections that fill them, the change log that lets kept programme states catch up, the
places the database promises, and the queries decisions and HTTP views read.

=================  =============================================================================
module             holds
=================  =============================================================================
``tables``         every ``match_*`` table (one ``metadata``)
``projections``    ``PARTICIPANTS`` (from registration) and ``PAIRINGS`` (own events)
``change_log``     revisions and who changed: ``record_changes``, ``consume_registration``
``promises``       ``match_places``/``match_placed``: ``check_places``, ``PlacesRefused``
``queries``        ``programme_row``, ``participant_rows``, ``pairing_rows`` ...
=================  =============================================================================
"""
from .change_log import (
    CHANGES_KEPT,
    EVERYONE,
    PERSON_STREAMS,
    PERSON_WIDE,
    PRUNE_EVERY,
    change_rows,
    consume_registration,
    people_changed_by,
    record_changes,
    registration_changes,
    revision_of,
)
from .projections import PAIRINGS, PARTICIPANTS, PROJECTIONS
from .promises import NEW_PAIRING, PlacesRefused, check_places, hold_place
from .queries import (
    asked_round_row,
    choice_rows,
    consent_rows,
    loads,
    pairing_row,
    pairing_rows,
    pairings_of,
    participant_rows,
    programme_row,
    programmes_of,
    request_json,
    request_rows,
    request_view,
    round_rows,
    shortlist_rows,
    waiting_rows,
)
from .tables import (
    asked_rounds,
    changes,
    choices,
    consents,
    mentor_requests,
    metadata,
    pairings,
    participants,
    people,
    placed,
    places,
    programmes,
    revisions,
    rounds,
    shortlists,
    waiting,
)

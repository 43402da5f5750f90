"""Matching on SQLite, the embedded default of a single-machine start (`./dev up`)."""
import pytest

from services.matching.service import REGISTRATION_EVENTS
from services.platform_core.metrics import EVENTS_CONSUMED
from services.platform_core.testing import wait_for

from .conftest import programme_settings, running_platform

pytestmark = pytest.mark.integration


def test_matching_places_and_rematches_on_sqlite(tmp_path):
    with running_platform(matching_database=f"sqlite:///{tmp_path / 'matching.sqlite3'}") as platform:
        reg = platform.tenant()
        programme = reg.programme(programme_settings("automatic"))
        first_mentor = reg.mentor(programme, areas=["education"], capacity=2)
        mentees = [reg.mentee(programme, areas=["education"]) for _ in range(3)]
        rows = platform.wait_pairings(reg, programme.id, 2, "confirmed")
        assert {r["mentor_id"] for r in rows} == {first_mentor}  # capacity 2: one waits
        # (the one left waits for its consent to be consumed, then for capacity)
        [waiting] = platform.wait_reserve(reg, programme.id, lambda r: [m["reason"] for m in r["mentees"]]
                                          == ["no_capacity"], message="one mentee waiting for capacity")["mentees"]
        assert waiting["id"] in mentees

        second_mentor = reg.mentor(programme, areas=["education"])  # taken from the reserve
        rows = platform.wait_pairings(reg, programme.id, 3, "confirmed")
        assert {(r["mentor_id"], r["mentee_id"]) for r in rows} >= {(second_mentor, waiting["id"])}
        reg.withdraw(programme, second_mentor)  # the mentee goes back to the reserve
        platform.wait_reserve(reg, programme.id, lambda r: [m["id"] for m in r["mentees"]] == [waiting["id"]],
                              message="the freed mentee back in the reserve")
        duplicates = EVENTS_CONSUMED.labels(service="matching", consumer="on_registration", outcome="duplicate")
        before = duplicates._value.get()
        reg.publish_again()  # redelivered registrations change nothing
        redelivered = sum(e.event_type in REGISTRATION_EVENTS for e in reg.envelopes)
        wait_for(lambda: duplicates._value.get() - before >= redelivered,
                 message=f"{redelivered} redeliveries recognised as duplicates")
        confirmed = platform.pairings(reg, programme.id, "confirmed")
        assert len(confirmed) == 2 and {r["mentor_id"] for r in confirmed} == {first_mentor}

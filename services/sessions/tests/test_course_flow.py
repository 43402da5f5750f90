"""An e-course over the real broker (seed 004): one mentor follows three students (registered
with their learning platform's ``external_id``); tasks and completions imported from CSV all or
nothing (a bad row: 422 naming row and column, nothing imported); the mentor extends one
student's deadline; the daily watch publishes ``TaskDeadlineApproaching`` for exactly the
students who have not finished and whose deadline was not moved, once; progress per student
and per group."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from services.matching.tests.conftest import PLATFORM_SECRET, Registration, programme_settings
from services.platform_core import tenancy
from services.platform_core.testing import wait_for

from .conftest import START

pytestmark = pytest.mark.integration
CSV = {"Content-Type": "text/csv"}


def utc(month, day, hour=5):
    return datetime(2025, month, day, hour, tzinfo=timezone.utc)


def test_imports_all_or_nothing_and_reminds_exactly_the_students_not_finished(platform):
    api, watcher = platform.api, platform.watcher
    reg = Registration(platform.producer, platform.amqp_uri)
    settings = programme_settings("automatic")
    settings["people"]["mentor_capacity"] = {"min": 1, "max": 3, "default": 3}
    settings["course"] = {"reminder_days_before": 3}
    programme = reg.programme(settings)
    mentor = reg.mentor(programme, capacity=3)
    anna, boris, carla = (reg.mentee(programme, external_id=f"lms-{n}") for n in ("anna", "boris", "carla"))
    base, key, slug = f"/tenants/{reg.slug}/programmes/{programme.id}", reg.api_key, reg.slug

    def paired():
        response = api.get(f"{base}/course/progress", key)
        return response.status_code == 200 and all(s["mentor_id"] == mentor for s in response.json()["students"]) \
            and len(response.json()["students"]) == 3
    wait_for(paired, timeout=20, message="sessions to know the three students and their mentor")

    # a tasks file with a bad row: refused, naming the row and the column, nothing imported
    bad = "task_id,title,deadline\nweek-1,Week 1,2025-02-20\nweek-2,Week 2,the 31st\n"
    refused = api.post(f"{base}/tasks/import", key, data=bad, headers=CSV)
    assert refused.status_code == 422, refused.text
    assert (refused.json()["details"]["row"], refused.json()["details"]["column"]) == (3, "deadline")
    assert "row 3" in refused.json()["message"]
    assert api.get(f"{base}/tasks", key).json()["tasks"] == []
    assert api.post(f"{base}/tasks/import", key, data=bad, headers={"Content-Type": "text/plain"}).status_code == 400

    good = "task_id,title,deadline\nweek-1,Week 1,2025-02-20\nweek-2,Week 2,2025-03-31\n"
    imported = api.post(f"{base}/tasks/import", key, data=good, headers=CSV)
    assert imported.status_code == 200 and imported.json()["recorded"] == 2, imported.text
    assert [t["task_id"] for t in api.get(f"{base}/tasks", key).json()["tasks"]] == ["week-1", "week-2"]

    # completions: an unknown student refuses the file; then anna finished week 1
    unknown = "external_id,task_id,finished_at\nlms-anna,week-1,2025-02-09\nlms-nobody,week-1,2025-02-09\n"
    refused = api.post(f"{base}/tasks/import", key, data=unknown, headers=CSV)
    assert refused.status_code == 422 and (refused.json()["details"]["row"],
                                           refused.json()["details"]["column"]) == (3, "external_id")
    done = api.post(f"{base}/tasks/import", key, data=unknown.splitlines(keepends=True)[0] +
                    "lms-anna,week-1,2025-02-10T08:00:00+00:00\n", headers=CSV)
    assert done.json()["recorded"] == 1, done.text

    # the mentor moves boris's deadline; nobody else may
    mentor_token = platform_token(slug, mentor)
    extension = {"student_id": boris, "deadline": "2025-03-10"}
    assert api.post(f"{base}/tasks/week-1/extensions", platform_token(slug, carla), extension).status_code == 404
    extended = api.post(f"{base}/tasks/week-1/extensions", mentor_token, extension)
    assert extended.status_code == 201, extended.text

    # the watch on the 18th (07:00 in Riga): week 1 is due in 3 days; only carla is reminded, once
    for day in (18, 19):
        platform.clock.set(utc(2, day))
        platform.run_due()
    [reminder] = wait_for(lambda: watcher.of(slug, "TaskDeadlineApproaching"), message="the reminder")
    assert (reminder["stream_id"], reminder["payload"]["task_id"], reminder["payload"]["student_id"],
            reminder["payload"]["mentor_id"]) == (programme.id, "week-1", carla, mentor)
    wait_for(lambda: watcher.of(slug, "DeadlineExtended"), message="the extension published")
    assert len(watcher.of(slug, "TaskDeadlineApproaching")) == 1

    # progress on the 25th: anna on time, boris open (not overdue: extended), carla overdue
    platform.clock.set(utc(2, 25))
    report = api.get(f"{base}/course/progress", key).json()
    counts = {s["student_id"]: s["counts"] for s in report["students"]}
    assert counts[anna] == {"on_time": 1, "late": 0, "open": 1, "overdue": 0}
    assert counts[boris] == {"on_time": 0, "late": 0, "open": 2, "overdue": 0}
    assert counts[carla] == {"on_time": 0, "late": 0, "open": 2, "overdue": 1}
    assert report["groups"] == [{"mentor_id": mentor, "students": 3,
                                 "counts": {"on_time": 1, "late": 0, "open": 5, "overdue": 1}}]


def platform_token(slug: str, person_id: str) -> str:
    return tenancy.issue_participant_token({"PLATFORM_SECRET": PLATFORM_SECRET}, slug, person_id, START)

"""Builders shared by the registration tests: tenants, programme settings per seed, people.

Each ``*_settings`` function is one kind of programme from ``/work/shared/seeds`` written as
programme settings (the JSON a coordinator would send).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional

from services.platform_core.events import DomainEvent
from services.registration.domain import Person, Programme, Tenant

NOW = datetime(2025, 1, 15, 10, 0, tzinfo=timezone.utc)


def at(text: str) -> datetime:
    """An aware instant from ISO text (UTC if no offset is given)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def new_id() -> str:
    return str(uuid.uuid4())


def labels(en: str, **others: str) -> Dict[str, str]:
    return {"en": en, **others}


def tenant(slug: str = "vjg", time_zone: str = "Europe/Vilnius", kind: str = "school",
           language: str = "lt") -> Tenant:
    blank = Tenant(slug)
    return blank.apply_all(blank.create(name=f"Tenant {slug}", kind=kind, default_language=language,
                                        time_zone=time_zone, now=NOW))


def programme(settings: Dict[str, Any], owner: Optional[Tenant] = None,
              programme_id: Optional[str] = None) -> Programme:
    owner = owner or tenant()
    blank = Programme(programme_id or new_id())
    return blank.apply_all(blank.create(tenant=owner, settings=settings, now=NOW))


def fold(person: Person, events: List[DomainEvent]) -> Person:
    """The person as the store would load it after appending ``events``."""
    person.apply_all(events)
    return person


# --- seed 000: youth mentoring (a Latvian foundation) ---------------------------------------

YOUTH_AREAS = [
    ("education", "Education", "Izglītība"),
    ("adolescence", "Understanding adolescence", "Pusaudžu attīstība"),
    ("relations", "Family and school relations", "Attiecības ģimenē un skolā"),
    ("free_time", "Free time", "Brīvais laiks"),
    ("peers", "Peers", "Vienaudži"),
    ("harmful_relations", "Leaving harmful relationships and addictions", "Atkarības"),
    ("finance", "Financial literacy", "Finanšu pratība"),
    ("goals", "Goal setting", "Mērķu nospraušana"),
    ("health", "Mental and physical health", "Veselība"),
    ("self_care", "Self-care", "Rūpes par sevi"),
    ("other", "Other", "Cits"),
]


SENSITIVE_AREAS = ("harmful_relations",)


def youth_mentoring_settings() -> Dict[str, Any]:
    """Seed 000: a mentor of 20+ and a young person, 6-12 months, face to face at least twice
    a month for about an hour (remote contact does not count); young people apply themselves."""
    return {
        "name": "Jauniešu mentorings 2025",
        "dates": {
            "mentor_registration_opens": "2025-01-01",
            "mentor_registration_closes": "2025-02-15",
            "mentee_registration_opens": "2025-01-01",
            "mentee_registration_closes": "2025-02-15",
            "rolling_registration": True,
            "meetings_start": "2025-03-01",
            "meetings_end": "2026-02-28",
            "duration_months": {"min": 6, "max": 12},
        },
        "people": {"mentor_min_age": 20, "mentee_min_age": 13, "mentee_max_age": 25},
        "rules": {"consent": {"rule": "guardian_for_minors"}, "vetting_required": True,
                  "training": {"rule": "before_matching"}},
        "content": {
            # choosing "harmful relationships and addictions" is itself a sensitive fact
            "areas": [{"id": i, "labels": labels(en, lv=lv), **({"sensitive": True} if i in SENSITIVE_AREAS else {})}
                      for i, en, lv in YOUTH_AREAS],
            "languages": ["lv", "ru", "en"],
            "remote_allowed": False,
            "cadence": {"min_per_month": 2, "meeting_minutes": 60, "remote_counts": False},
        },
        "matching": {"mode": "coordinator_approves", "participant_kind": "individual"},
    }


# --- seed 001: school programme (a Lithuanian gymnasium) ------------------------------------

def school_settings(year: int = 2025) -> Dict[str, Any]:
    """Seed 001: alumni and parents mentor pupils of 15-18 who pick them by area; 1-3 pupils
    per mentor; remote allowed; pupils may register at any time; a parent's consent once per
    school year; a 2 h preparation seminar in February."""
    return {
        "name": f"VJG mentorystės programa, pavasaris {year}",
        "dates": {
            "mentee_registration_closes": f"{year}-02-01",
            "mentor_registration_closes": f"{year}-02-07",
            "rolling_registration": True,
            "matching_round": f"{year}-02-21",
            "meetings_start": f"{year}-03-01",
            "meetings_end": f"{year}-04-30",
            "closing_event": f"{year}-05-05",
        },
        "people": {"mentor_capacity": {"min": 1, "max": 3, "default": 1},
                   "mentee_min_age": 15, "mentee_max_age": 18,
                   "mentor_communities": ["alumni", "parent"]},
        "rules": {"consent": {"rule": "guardian_for_all",
                              "school_year_starts": {"month": 9, "day": 1}},
                  "training": {"rule": "before_first_meeting", "seminar_date": f"{year}-02-14",
                               "seminar_minutes": 120}},
        "content": {
            "areas": [{"id": "studies", "labels": labels("University studies", lt="Studijos")},
                      {"id": "exams", "labels": labels("Exams", lt="Egzaminai")},
                      {"id": "career", "labels": labels("Career", lt="Karjera")},
                      {"id": "law", "labels": labels("Law", lt="Teisė")},
                      {"id": "medicine", "labels": labels("Medicine", lt="Medicina")}],
            "languages": ["lt", "en"],
            "remote_allowed": True,
            "cadence": {"min_per_month": 2, "max_per_month": 4, "remote_counts": True},
        },
        "matching": {"mode": "mentee_chooses", "shortlist_size": 3,
                     "weights": {"areas": 6, "language": 2, "place": 1, "preferences": 3},
                     "answer_days": 5},
    }


# --- seed 002: validated youth mentoring (a Dutch/Flemish project) --------------------------

def validated_youth_settings() -> Dict[str, Any]:
    """Seed 002: young school leavers of 16-24 (many with disabilities) on a second-chance
    route; professional mentors, checked; the relationship is measured and validated."""
    return {
        "name": "VM-PRO tweede kans",
        "dates": {"mentor_registration_closes": "2025-02-28", "mentee_registration_closes": "2025-02-28",
                  "rolling_registration": True, "matching_opens": "2025-02-01",
                  "matching_round": "2025-03-07", "meetings_start": "2025-03-15",
                  "meetings_end": "2026-03-14", "duration_months": {"min": 6, "max": 12}},
        "people": {"mentee_min_age": 16, "mentee_max_age": 24, "mentor_min_age": 21,
                   "mentor_capacity": {"min": 1, "max": 2}},
        "rules": {"consent": {"rule": "guardian_for_minors"}, "vetting_required": True,
                  "training": {"rule": "before_matching", "seminar_date": "2025-03-01"}},
        "content": {
            "areas": [{"id": "education", "labels": labels("Back to education", nl="Terug naar school")},
                      {"id": "work", "labels": labels("Work experience", nl="Werkervaring")},
                      {"id": "social", "labels": labels("Social skills", nl="Sociale vaardigheden")},
                      {"id": "entrepreneurship", "labels": labels("Entrepreneurship",
                                                                  nl="Ondernemerschap")}],
            "languages": ["nl", "en"],
            "remote_allowed": True,
            "cadence": {"min_per_month": 2, "meeting_minutes": 60},
        },
        "matching": {"mode": "coordinator_approves"},
    }


# --- seed 003: organisational mentoring (a Lithuanian foundation) ---------------------------

def organisational_settings() -> Dict[str, Any]:
    """Seed 003: an NGO joins as a team of 2-4, at least one in a leading role; the
    coordinator sets its capacity-building need and picks a mentor; 6 months."""
    return {
        "name": "NVO mentorystės programa 2025",
        "dates": {"mentee_registration_closes": "2025-02-15", "mentor_registration_closes": "2025-02-15",
                  "meetings_start": "2025-03-01", "meetings_end": "2025-08-31",
                  "closing_event": "2025-09-15", "duration_months": {"min": 6, "max": 6}},
        "people": {"team_size": {"min": 2, "max": 4}, "team_leaders_min": 1},
        "content": {
            "areas": [{"id": "strategy", "labels": labels("Strategy", lt="Strategija")},
                      {"id": "fundraising", "labels": labels("Fundraising", lt="Lėšų paieška")},
                      {"id": "communication", "labels": labels("Communication", lt="Komunikacija")},
                      {"id": "governance", "labels": labels("Governance", lt="Valdymas")}],
            "languages": ["lt"],
            "cadence": {"min_per_month": 1},
        },
        "matching": {"mode": "coordinator_assigns", "participant_kind": "team"},
    }


# --- seed 004: e-learning with mentors (a Latvian course provider) --------------------------

def e_course_settings() -> Dict[str, Any]:
    """Seed 004: one mentor follows a whole group of tens of students; the mentor is not a
    subject expert, so nobody is matched by area."""
    return {
        "name": "Routes 4 e-kurss",
        "dates": {"mentee_registration_opens": "2025-01-01", "mentee_registration_closes": "2025-02-20",
                  "meetings_start": "2025-03-01", "meetings_end": "2025-06-30"},
        "people": {"mentor_capacity": {"min": 1, "max": 60, "default": 40}},
        "content": {"languages": ["lv", "en"], "remote_allowed": True},
        "matching": {"mode": "coordinator_assigns", "participant_kind": "group"},
    }


# --- people ---------------------------------------------------------------------------------

def adult(name: str = "Ona Petraitienė", born: str = "1980-05-17", **extra: Any) -> Dict[str, Any]:
    return {"name": name, "email": "ona@example.lt", "phone": "+370 650 00000",
            "date_of_birth": born, **extra}


def pupil(born: str = "2008-09-10", guardian: bool = True, **extra: Any) -> Dict[str, Any]:
    personal = {"name": "Jonas Jonaitis", "email": "jonas@example.lt", "date_of_birth": born, **extra}
    if guardian:
        personal["guardian"] = {"name": "Rasa Jonaitienė", "email": "rasa@example.lt"}
    return personal


def team_personal(members: int = 3, leaders: int = 1) -> Dict[str, Any]:
    return {"name": "Epilė", "email": "info@epile.lt",
            "members": [{"name": f"Member {i}", "email": f"m{i}@epile.lt", "leader": i < leaders}
                        for i in range(members)]}


def profile(**changes: Any) -> Dict[str, Any]:
    return {"languages": ["lt"], "areas": ["career", "studies"], "place": "Vilnius",
            "remote": True, "hours_per_week": 2, "community": ["alumni"], **changes}

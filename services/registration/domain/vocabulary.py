"""The words of registration: roles, kinds, rules and modes a programme may choose, and the
patterns input is checked against."""
from __future__ import annotations

import re

MENTOR, MENTEE, TEAM = "mentor", "mentee", "team"
ROLES = (MENTOR, MENTEE, TEAM)

INDIVIDUAL, GROUP = "individual", "group"
#: a person who works for a programme (its staff) rather than taking part in it
STAFF = "staff"
COORDINATOR, TEACHER = "coordinator", "teacher"
#: the staff of a programme: its coordinators, and the teachers of an e-course (a group programme)
STAFF_ROLES = (COORDINATOR, TEACHER)
#: Who the mentees of a programme are: one person each, an organisation's team (seed 003), or
#: the students of an e-course followed as one group by one mentor (seed 004).
PARTICIPANT_KINDS = (INDIVIDUAL, TEAM, GROUP)

TENANT_KINDS = ("school", "foundation", "ngo", "youth_centre", "course_provider")

#: Languages the platform speaks to people in (templates exist for them): a tenant's default.
SUPPORTED_LANGUAGES = ("en", "lv", "lt", "nl")

#: Every ISO 639-1 code: languages a programme runs in and people speak.
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy
hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li
ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa
pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th
ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())

CONSENT_RULES = ("none", "guardian_for_minors", "guardian_for_all")
TRAINING_RULES = ("not_required", "before_matching", "before_first_meeting")
MATCHING_MODES = ("automatic", "coordinator_approves", "mentee_chooses", "coordinator_assigns")
#: The parts of a pair's score a programme weighs (matching reads them).
SCORE_WEIGHTS = ("areas", "language", "place", "preferences")
DEFAULT_WEIGHTS = {"areas": 4, "language": 3, "place": 2, "preferences": 3}

CONSENT_GIVERS = ("guardian", "self")
#: Kinds of sensitive need a person may disclose (seeds 000, 002); only ever under ``personal``
#: of the private ``SensitiveNeedsRecorded`` event.
SENSITIVE_NEEDS = ("disability", "accessibility", "health", "social_risk", "addiction", "other")

TENANT_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: an e-course student's id in the learning platform that exports tasks and completions (seed 004)
EXTERNAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{4,24}$")

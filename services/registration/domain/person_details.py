"""What a person tells about themself: personal data and profile, read and checked against
the programme, and the profile as broadcast (sensitive areas kept personal)."""
from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Tuple

from .days import _iso
from .programme import Programme
from .reading import _language, _matches, _person_id, _Problems, _Reader
from .vocabulary import CODE, EMAIL, EXTERNAL_ID, MENTOR, PHONE, TEAM

#: under a participation event's ``personal`` (encrypted, erased): a mentee's or team's whole
#: ranked areas when some of them are sensitive; the clear ``profile.areas`` leaves those out
PROFILE_AREAS = "profile_areas"


def public_profile(profile: Mapping[str, Any], programme: "Programme",
                   role: str) -> Tuple[Dict[str, Any], Optional[List[str]]]:
    """The profile as broadcast, and the whole ranked areas to keep personal (None: nothing
    to hide). A mentee choosing a sensitive area is a sensitive fact: the area is left out of
    the broadcast profile (so matching does not weigh it; the coordinator sees it)."""
    sensitive = set(programme.current_settings.content.sensitive_area_ids)
    areas = list(profile.get("areas") or [])
    if role == MENTOR or not sensitive & set(areas):
        return dict(profile), None
    return {**profile, "areas": [a for a in areas if a not in sensitive]}, areas


def with_hidden_areas(profile: Mapping[str, Any], personal: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """A participation's whole profile from an event: the broadcast one, with its hidden
    areas put back when the person's key still opens them."""
    hidden = (personal or {}).get(PROFILE_AREAS)
    return {**profile, "areas": list(hidden)} if hidden is not None else dict(profile)


INDIVIDUAL_PERSONAL = ("name", "email", "phone", "date_of_birth", "guardian")
TEAM_PERSONAL = ("name", "email", "phone", "members")
PROFILE_FIELDS = ("languages", "areas", "place", "remote", "hours_per_week", "community",
                  "preferred_mentors", "excluded_mentors", "never_pair_with", "capacity", "message_language")


def message_language(profile: Mapping[str, Any], programme_languages: List[str]) -> Optional[str]:
    """The language messages to a participant are written in: the one they chose, else the
    first of their languages the programme offers (None: none of them)."""
    chosen = profile.get("message_language")
    if chosen:
        return str(chosen)
    return next((lang for lang in profile.get("languages") or () if lang in programme_languages), None)


def _read_contact(reader: _Reader, *, partial: bool) -> Dict[str, Any]:
    """Name and at least one of e-mail or phone."""
    contact = {
        "name": reader.text("name", required=not partial),
        "email": reader.text("email", max_length=254, check=_matches(EMAIL, "an e-mail address")),
        "phone": reader.text("phone", max_length=32, check=_matches(PHONE, "a phone number")),
    }
    if not partial and not reader.has("email") and not reader.has("phone"):
        reader.add("email", "an e-mail address or a phone number is required")
    return contact


def _read_personal(data: Optional[Mapping[str, Any]], kind: str, problems: _Problems, *,
                   partial: bool = False) -> Dict[str, Any]:
    """Personal data as it goes under ``payload["personal"]`` (JSON form).

    An individual: name, e-mail and/or phone, date of birth, and a guardian (name and contact)
    for a minor. A team (seed 003): the organisation's name and contact, and its members, each
    with a name and whether they hold a leading role. With ``partial``, only the given keys.
    """
    reader = _Reader(data, problems, "personal")
    personal = _read_contact(reader, partial=partial)
    if kind == TEAM:
        members = []
        for member in reader.items("members", required=not partial, max_items=50):
            members.append({**_read_contact(member, partial=False),
                            "leader": member.flag("leader")})
        personal["members"] = members
    else:
        born = reader.day("date_of_birth", required=not partial)
        personal["date_of_birth"] = _iso(born)
        guardian = reader.section("guardian")
        personal["guardian"] = _read_contact(guardian, partial=False) if guardian.present else None
    reader.finish()
    if partial:
        personal = {key: value for key, value in personal.items() if key in (data or {})}
    return personal


def _read_profile(data: Mapping[str, Any], programme: Programme, role: str, person_id: str,
                  problems: _Problems) -> Dict[str, Any]:
    """What matching needs to know about a participant, checked against the programme.

    Languages are ISO 639-1 codes and at least one must be a language of the programme;
    ``message_language``, the language messages to them are written in, is one of the
    programme's (default: the first of their languages the programme offers); areas
    are the programme's area ids, ranked (first = most wanted); a mentor's capacity lies in the
    programme's range (default: the programme's default); preferred and excluded mentors and
    ``never_pair_with`` (a parent and their own child, seed 001) are person ids.
    """
    reader = _Reader(data, problems, "profile")
    settings = programme.current_settings
    languages = reader.texts("languages", required=True, check=_language)
    if languages and not set(languages) & set(settings.content.languages):
        reader.add("languages", f"must include one of the programme's languages "
                                f"({', '.join(settings.content.languages)})")
    chosen_language = reader.text("message_language", check=_language)
    if chosen_language and chosen_language not in settings.content.languages:
        reader.add("message_language", f"must be one of the programme's languages "
                                       f"({', '.join(settings.content.languages)})")
        chosen_language = None
    area_ids = programme.area_ids
    areas = reader.texts("areas", check=lambda area: None if area in area_ids else
                         f"is not an area of this programme ({', '.join(area_ids) or 'none'})")
    people = ("preferred_mentors", "excluded_mentors", "never_pair_with")
    profile: Dict[str, Any] = {
        "languages": list(languages),
        "areas": list(areas),
        "place": reader.text("place", max_length=100),
        "remote": reader.flag("remote", default=False),
        "hours_per_week": reader.number("hours_per_week", minimum=0, maximum=168),
        "community": list(reader.texts("community", check=_matches(CODE, "a code"))),
        **{key: list(reader.texts(key, check=_person_id)) for key in people},
    }
    external_id = reader.text("external_id", max_length=64, check=_matches(
        EXTERNAL_ID, "the learning platform's id: letters, digits and . _ : - (at most 64)"))
    if external_id is not None:  # an e-course student's id in the learning platform (seed 004)
        profile["external_id"] = external_id
    profile["message_language"] = message_language({"message_language": chosen_language, "languages": languages},
                                                    list(settings.content.languages))
    for key in people:
        if person_id in profile[key]:
            reader.add(key, "must not name the person themself")
    if role == MENTOR:
        capacity = settings.people.mentor_capacity
        profile["capacity"] = reader.integer("capacity", default=capacity.default,
                                             minimum=capacity.min, maximum=capacity.max)
        for key in ("preferred_mentors", "excluded_mentors"):
            if profile[key]:
                reader.add(key, "is for mentees and teams only")
    else:
        if reader.has("capacity"):
            reader.add("capacity", "is for mentors only")
        reader.skip("capacity")  # reported above, not as an unknown field
        both = set(profile["preferred_mentors"]) & set(profile["excluded_mentors"])
        if both:
            reader.add("excluded_mentors", f"also preferred: {', '.join(sorted(both))}")
    reader.finish()
    return profile


def _check_team(personal: Mapping[str, Any], programme: Programme, problems: _Problems) -> None:
    """A team has 2-4 members, at least one of them in a leading role (seed 003)."""
    members = personal.get("members") or []
    size, leaders_min = programme.current_settings.people.team_size, programme.current_settings.people.team_leaders_min
    if size and len(members) not in size:
        problems.add("personal.members", f"a team has {size.min}-{size.max} members, "
                                         f"not {len(members)}")
    if sum(1 for member in members if member.get("leader")) < leaders_min:
        problems.add("personal.members", f"at least {leaders_min} member(s) must hold a "
                                         f"leading role in the organisation")

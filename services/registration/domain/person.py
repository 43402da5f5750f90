"""The person aggregate: a mentor, a mentee or an organisation's team, with a
:class:`Participation` per programme they take part in."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Dict, List, Mapping, Optional, Tuple

from services.platform_core.events import DomainEvent

from .aggregate import Aggregate
from .days import _parse_date, _parse_day, age_on, require_aware
from .errors import RuleBroken, ValidationFailed
from .participation import Consent, Participation, Vetting, _consent_day, _consent_required
from .person_details import (
    PROFILE_AREAS,
    PROFILE_FIELDS,
    _check_team,
    _read_personal,
    _read_profile,
    public_profile,
    with_hidden_areas,
)
from .programme import Programme
from .reading import _Problems, _Reader
from .staff import StaffDuties, StaffDuty
from .vocabulary import CONSENT_GIVERS, INDIVIDUAL, MENTEE, MENTOR, ROLES, SENSITIVE_NEEDS, TEAM


class Person(Aggregate, StaffDuties):
    """Someone who takes part: an individual (mentor or mentee) or an organisation's team;
    or a programme's staff member (:mod:`.staff`: coordinator, teacher), who takes part in none.

    A person may take part in several programmes, one :class:`Participation` per programme.
    ``personal`` (contacts, date of birth, guardian, team members) is None once the person is
    erased, or when the stream is replayed after erasure (the key to decrypt it is gone);
    after :meth:`erase` every command is refused.
    """

    stream_type = "person"

    def __init__(self, person_id: str) -> None:
        super().__init__(person_id)
        self.kind: Optional[str] = None  # INDIVIDUAL or TEAM
        self.personal: Optional[Dict[str, Any]] = None
        self.participations: Dict[str, Participation] = {}
        self.consents: List[Consent] = []
        self.vetting: Optional[Vetting] = None
        self.sensitive_needs: Dict[str, Dict[str, str]] = {}
        self.erased = False
        self.staff: Dict[str, StaffDuty] = {}
        self.staff_language: Optional[str] = None

    # --- commands -----------------------------------------------------------------------------

    def register(self, *, programme: Programme, role: str, profile: Mapping[str, Any],
                 now: datetime, personal: Optional[Mapping[str, Any]] = None,
                 sensitive_needs: Optional[Mapping[str, str]] = None) -> List[DomainEvent]:
        """Register as mentor, mentee or team in ``programme``.

        Refused (:class:`RuleBroken`) when the programme does not take this role, the person
        already takes part in it, the registration window is closed (mentees of a rolling
        programme excepted), the age at the programme's start is outside its limits, or a
        mentor is not of the programme's community. Invalid input (:class:`ValidationFailed`):
        personal data, a profile naming languages or areas the programme does not have, a
        team of the wrong size or without a leader, a minor without a guardian when a
        guardian's consent is required. Nobody is refused for want of a counterpart: mentors
        wait in the reserve register.

        The first registration of a person also emits ``PersonRegistered`` with the personal
        data; later ones may omit ``personal`` (changes given there emit ``ProfileUpdated``).
        """
        require_aware(now)
        self._refuse_if_erased()
        programme._require_exists()
        self._check_may_join(programme, role, now)
        today = programme.local_date(now)
        problems = _Problems()
        kind = TEAM if role == TEAM else INDIVIDUAL
        personal_given = None
        if personal is not None or not self.exists:
            personal_given = _read_personal(personal, kind, problems, partial=self.exists)
        facts = _read_profile(profile, programme, role, self.id, problems)
        problems.raise_if_any()
        whole_personal = {**(self.personal or {}), **(personal_given or {})}
        if self.exists and "date_of_birth" in (personal_given or {}) \
                and (personal_given or {})["date_of_birth"] != (self.personal or {}).get("date_of_birth"):
            raise ValidationFailed({"personal.date_of_birth": ["cannot be changed"]})

        participation: Dict[str, Any] = {"programme_id": programme.id,
                                         "registered_at": now.isoformat(), "profile": facts}
        if kind == TEAM:
            _check_team(whole_personal, programme, problems)
            participation.update(age_at_start=None, team_size=len(whole_personal["members"]))
        else:
            born = _parse_day(whole_personal["date_of_birth"])
            age = age_on(born, programme.start)
            self._check_age(role, age, programme)
            participation["age_at_start"] = age
            if role == MENTEE:
                consent_required = _consent_required(programme, born, today)
                minor = age_on(born, today) < programme.current_settings.rules.consent.age_of_majority
                if (consent_required or minor) and not whole_personal.get("guardian"):
                    problems.add("personal.guardian", "a guardian's name and contact are "
                                 "required: the guardian gives consent" if consent_required else
                                 "a guardian's name and contact are required for a minor")
                participation["consent_required"] = consent_required
        problems.raise_if_any()
        if role == MENTOR:
            self._check_community(facts, programme)

        events: List[DomainEvent] = []
        if not self.exists:
            events.append(self._event("PersonRegistered", {
                "kind": kind, "registered_at": now.isoformat(), "personal": personal_given}))
        else:
            changed = _changed(self.personal or {}, personal_given or {})
            if changed:
                events.append(self._event("ProfileUpdated", {
                    "programme_id": None, "profile": None, "changed": sorted(changed),
                    "updated_at": now.isoformat(), "personal": changed}))
        shared, hidden = public_profile(participation["profile"], programme, role)
        participation = {**participation, "profile": shared,
                         **({"personal": {PROFILE_AREAS: hidden}} if hidden is not None else {})}
        events.append(self._event(f"{role.capitalize()}Registered", participation))
        if sensitive_needs:
            events.append(self._sensitive_needs_event(programme, sensitive_needs, now))
        return events

    def give_consent(self, *, programme: Programme, given_by: str,
                     now: datetime) -> List[DomainEvent]:
        """Record a consent for a mentee of ``programme``.

        It covers the whole school year the programme starts in, so every programme of that
        school year is covered (seed 001: once per school year). Where a guardian must consent
        (``guardian_for_all``, or ``guardian_for_minors`` and the mentee is a minor) the
        mentee cannot consent for themself. Already covered: no event.
        """
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role == TEAM:
            raise RuleBroken("a team gives no consent", "programme_id")
        if given_by not in CONSENT_GIVERS:
            raise ValidationFailed({"given_by": [f"must be one of: {', '.join(CONSENT_GIVERS)}"]})
        if self.consent_valid(_consent_day(programme, now)):
            return []
        born = _parse_date((self.personal or {}).get("date_of_birth"))
        if given_by == "self" and born and _consent_required(programme, born,
                                                             programme.local_date(now)):
            raise RuleBroken("a guardian must give this consent", "given_by",
                             {"rule": programme.current_settings.rules.consent.rule})
        valid_from, valid_until = programme.school_year()
        return [self._event("ConsentGiven", {
            "programme_id": programme.id, "given_by": given_by,
            "valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat(),
            "given_at": now.isoformat()})]

    def withdraw_consent(self, *, programme: Programme, now: datetime) -> List[DomainEvent]:
        """Withdraw the consent covering ``programme``: it no longer counts from today on."""
        require_aware(now)
        self._refuse_if_erased()
        day = _consent_day(programme, now)
        consent = next((c for c in self.consents if c.covers(day)), None)
        if consent is None:
            raise RuleBroken(f"no consent covers programme {programme.id}", "programme_id")
        return [self._event("ConsentWithdrawn", {
            "programme_id": programme.id, "valid_from": consent.valid_from.isoformat(),
            "withdrawn_on": programme.local_date(now).isoformat(),
            "withdrawn_at": now.isoformat()})]

    def complete_training(self, *, programme: Programme, completed_on: date,
                          now: datetime) -> List[DomainEvent]:
        """Record that a mentor attended the programme's training (seed 001: the seminar)."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != MENTOR:
            raise RuleBroken("training is for mentors", "programme_id")
        if participation.training_completed_on:
            return []
        if completed_on > programme.local_date(now):
            raise RuleBroken("training cannot be completed in the future", "completed_on")
        return [self._event("TrainingCompleted", {
            "programme_id": programme.id, "completed_on": completed_on.isoformat(),
            "recorded_at": now.isoformat()})]

    def record_vetting(self, *, programme: Programme, cleared: bool, checked_on: date,
                       now: datetime, reference: Optional[str] = None) -> List[DomainEvent]:
        """Record a mentor's background check; it holds for the person, not one programme.

        ``reference`` (a certificate number) is personal; ``cleared`` is the fact matching
        needs. The event is ``internal``: it never reaches external subscribers.
        """
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != MENTOR:
            raise RuleBroken("background checks are for mentors", "programme_id")
        if checked_on > programme.local_date(now):
            raise RuleBroken("a check cannot be dated in the future", "checked_on")
        return [self._event("VettingRecorded", {
            "programme_id": programme.id, "cleared": bool(cleared),
            "checked_on": checked_on.isoformat(), "recorded_at": now.isoformat(),
            "personal": {"reference": reference} if reference else None})]

    def set_team_need(self, *, programme: Programme, areas: List[str], now: datetime,
                      note: Optional[str] = None) -> List[DomainEvent]:
        """The coordinator sets a team's capacity-building need from the joint analysis
        (seed 003): the programme's areas a mentor must know, first the most important."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme.id)
        if participation.role != TEAM:
            raise RuleBroken("a capacity-building need is set for teams", "programme_id")
        problems = _Problems()
        reader = _Reader({"areas": areas, "note": note}, problems)
        area_ids = programme.area_ids
        areas = list(reader.texts("areas", required=True, check=lambda area: None
                                  if area in area_ids else "is not an area of this programme"))
        note = reader.text("note", max_length=2000)
        problems.raise_if_any()
        # the note is the coordinator's own words about the organisation and its people: it is
        # personal (encrypted with the team's key, gone with its erasure), the areas are not
        return [self._event("TeamNeedSet", {"programme_id": programme.id, "areas": areas,
                                            "set_at": now.isoformat(),
                                            "personal": {"note": note} if note else None})]

    def update_profile(self, *, now: datetime, programme: Optional[Programme] = None,
                       profile: Optional[Mapping[str, Any]] = None,
                       personal: Optional[Mapping[str, Any]] = None) -> List[DomainEvent]:
        """Change personal data and/or the profile of one participation.

        ``profile`` holds the changed profile fields, checked against ``programme`` like at
        registration; ``personal`` the changed personal fields (the date of birth, on which
        ages were measured, cannot change; a team's new members are checked against the size
        rules of ``programme`` when it is given). Nothing changed, no event.
        """
        require_aware(now)
        self._refuse_if_erased()
        self._require_exists()
        self.refuse_staff("change them through the programme's staff (PATCH .../staff/{id})")
        problems = _Problems()
        personal_changes: Dict[str, Any] = {}
        if personal:
            given = _read_personal(personal, self.current_kind, problems, partial=True)
            personal_changes = _changed(self.personal or {}, given)
        #: the programme, the participation and its profile as changed, when a profile is given
        target: Optional[Tuple[Programme, Participation, Dict[str, Any]]] = None
        if profile:
            if programme is None:
                raise ValidationFailed({"programme_id": ["is required to change a profile"]})
            participation = self._active_participation(programme.id)
            target = (programme, participation,
                      _read_profile({**participation.profile, **profile}, programme,
                                    participation.role, self.id, problems))
        problems.raise_if_any()
        if "date_of_birth" in personal_changes:
            raise ValidationFailed({"personal.date_of_birth": ["cannot be changed"]})
        if "guardian" in personal_changes and not personal_changes["guardian"] and any(
                p.active and p.consent_required for p in self.participations.values()):
            raise ValidationFailed({"personal.guardian": ["is required: a guardian consents "
                                                          "for this mentee"]})
        if self.kind == TEAM and "members" in personal_changes:
            if programme is None:
                raise ValidationFailed({"programme_id": [
                    "is required to change a team's members: their number and leaders are "
                    "checked against the programme's rules"]})
            _check_team(personal_changes, programme, problems)
            problems.raise_if_any()
        after = {**(self.personal or {}), **personal_changes}
        if personal_changes and not after.get("email") and not after.get("phone"):
            raise ValidationFailed({"personal.email": [
                "an e-mail address or a phone number is required: keep one of them"]})
        if target is not None and target[1].role == MENTOR:
            self._check_community(target[2], target[0])
        changed_target = target if target is not None and target[2] != target[1].profile else None
        if not personal_changes and changed_target is None:
            return []
        changed = sorted(personal_changes)
        shared: Optional[Dict[str, Any]] = None
        hidden: Optional[List[str]] = None
        if changed_target is not None:
            on, participation, new_profile = changed_target
            changed += [key for key in PROFILE_FIELDS
                        if new_profile.get(key) != participation.profile.get(key)]
            shared, hidden = public_profile(new_profile, on, participation.role)
        personal_part = {**personal_changes, **({PROFILE_AREAS: hidden} if hidden is not None else {})}
        return [self._event("ProfileUpdated", {
            "programme_id": changed_target[0].id if changed_target is not None else None,
            "profile": shared,
            "changed": changed, "updated_at": now.isoformat(),
            "personal": personal_part or None})]

    def withdraw(self, *, programme_id: str, now: datetime,
                 reason: Optional[str] = None) -> List[DomainEvent]:
        """Leave a programme. The free-text reason is personal."""
        require_aware(now)
        self._refuse_if_erased()
        participation = self._active_participation(programme_id)
        return [self._event("ParticipantWithdrew", {
            "programme_id": programme_id, "role": participation.role,
            "withdrawn_at": now.isoformat(),
            "personal": {"reason": reason} if reason else None})]

    def record_sensitive_needs(self, *, programme: Programme, needs: Mapping[str, str],
                               now: datetime) -> List[DomainEvent]:
        """Record sensitive facts (disability, social risk, addiction: seeds 000, 002) that
        the programme's coordinator needs. They go only under ``personal`` of the *private*
        ``SensitiveNeedsRecorded`` event: stored, never published."""
        require_aware(now)
        self._refuse_if_erased()
        self._active_participation(programme.id)
        return [self._sensitive_needs_event(programme, needs, now)]

    def _sensitive_needs_event(self, programme: Programme, needs: Mapping[str, str],
                               now: datetime) -> DomainEvent:
        problems = _Problems()
        reader = _Reader(needs, problems, "sensitive_needs")
        facts = {kind: reader.text(kind, max_length=2000) for kind in SENSITIVE_NEEDS}
        reader.finish()
        problems.raise_if_any()
        facts = {kind: text for kind, text in facts.items() if text}
        if not facts:
            raise ValidationFailed({"sensitive_needs": ["must name at least one need"]})
        return self._event("SensitiveNeedsRecorded", {
            "programme_id": programme.id, "recorded_at": now.isoformat(),
            "personal": {"needs": facts}})

    def erase(self, *, now: datetime) -> List[DomainEvent]:
        """Erase the person on request (GDPR). The plumbing deletes their encryption key, so
        every ``personal`` of their history becomes unreadable; the history itself stays.
        The person leaves every programme they were in."""
        require_aware(now)
        self._require_exists()
        self._refuse_if_erased()
        return [*self.staff_erasure(now), self._event("PersonErased", {
            "erased_at": now.isoformat(),
            "programme_ids": sorted(pid for pid, p in self.participations.items() if p.active)})]

    # --- queries ------------------------------------------------------------------------------

    def consent_valid(self, on: date) -> bool:
        """Whether a consent covers ``on`` (a consent covers its whole school year)."""
        return any(consent.covers(on) for consent in self.consents)

    def consent_missing(self, programme: Programme, on: date) -> bool:
        """Whether this mentee lacks a consent they need to take part in ``programme`` on
        ``on`` (a day before the programme's start counts as its start)."""
        participation = self.participations.get(programme.id)
        return bool(participation and participation.active and participation.consent_required
                    and not self.consent_valid(max(on, programme.start)))

    def takes_part_in(self, programme_id: str) -> bool:
        participation = self.participations.get(programme_id)
        return bool(participation and participation.active)

    # --- rules --------------------------------------------------------------------------------

    def _refuse_if_erased(self) -> None:
        if self.erased:
            raise RuleBroken(f"person {self.id} has been erased")

    @property
    def current_kind(self) -> str:
        """INDIVIDUAL or TEAM; a person not registered yet has none, and is refused as missing."""
        if self.kind is None:
            raise RuleBroken(f"{self.stream_type} {self.id} does not exist")
        return self.kind

    def _active_participation(self, programme_id: str) -> Participation:
        participation = self.participations.get(programme_id)
        if participation is None or not participation.active:
            raise RuleBroken(f"person {self.id} does not take part in programme {programme_id}",
                             "programme_id")
        return participation

    def _check_may_join(self, programme: Programme, role: str, now: datetime) -> None:
        self.refuse_staff(f"staff cannot register as {role}")
        if role not in ROLES:
            raise ValidationFailed({"role": [f"must be one of: {', '.join(ROLES)}"]})
        if not programme.accepts(role):
            raise RuleBroken(f"programme {programme.id} does not take {role}s "
                             f"(its participants are: {programme.current_settings.participant_kind})", "role")
        if self.exists and (self.kind == TEAM) != (role == TEAM):
            who = "a team" if self.kind == TEAM else "an individual"
            raise RuleBroken(f"{who} cannot register as {role}", "role")
        current = self.participations.get(programme.id)
        if current is not None and current.active:
            raise RuleBroken(f"already takes part in programme {programme.id} as {current.role}",
                             "programme_id")
        refusal = programme.registration_refusal(role, now)
        if refusal:
            raise RuleBroken(refusal, "role")

    @staticmethod
    def _check_age(role: str, age: int, programme: Programme) -> None:
        """Ages are measured on the day meetings start (seed 000: mentors 20+; seed 001:
        pupils 15-18; seed 002: 16-24)."""
        people = programme.current_settings.people
        low, high = getattr(people, f"{role}_min_age"), getattr(people, f"{role}_max_age")
        on = programme.start.isoformat()
        if low is not None and age < low or high is not None and age > high:
            limit = (f"{low}-{high}" if low is not None and high is not None
                     else f"at least {low}" if low is not None else f"at most {high}")
            raise RuleBroken(f"{role}s of this programme must be {limit} years old when it "
                             f"starts on {on}; this {role} will be {age}",
                             "personal.date_of_birth",
                             {"age": age, "minimum": low, "maximum": high, "measured_on": on})

    @staticmethod
    def _check_community(profile: Mapping[str, Any], programme: Programme) -> None:
        """Seed 001: mentors are of the school's community (alumni and pupils' parents)."""
        accepted = programme.current_settings.people.mentor_communities
        if accepted and not set(profile.get("community") or ()) & set(accepted):
            raise RuleBroken(f"mentors of this programme belong to its community "
                             f"({', '.join(accepted)})", "profile.community",
                             {"accepted": list(accepted)})

    # --- folding ------------------------------------------------------------------------------

    def _on_PersonRegistered(self, payload: Mapping[str, Any]) -> None:
        self.kind = payload["kind"]
        self.personal = dict(payload["personal"]) if payload.get("personal") else None

    def _on_participant_registered(self, role: str, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]] = Participation(
            programme_id=payload["programme_id"], role=role,
            registered_at=payload["registered_at"],
            profile=with_hidden_areas(payload["profile"], payload.get("personal")),
            age_at_start=payload.get("age_at_start"),
            consent_required=payload.get("consent_required", False),
            team_size=payload.get("team_size"))

    def _on_MentorRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(MENTOR, payload)

    def _on_MenteeRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(MENTEE, payload)

    def _on_TeamRegistered(self, payload: Mapping[str, Any]) -> None:
        self._on_participant_registered(TEAM, payload)

    def _on_ProfileUpdated(self, payload: Mapping[str, Any]) -> None:
        personal = {k: v for k, v in (payload.get("personal") or {}).items() if k != PROFILE_AREAS}
        if personal and self.personal is not None:
            self.personal.update(personal)
        if payload.get("programme_id") and payload.get("profile") is not None:
            self.participations[payload["programme_id"]].profile = with_hidden_areas(
                payload["profile"], payload.get("personal"))

    def _on_TeamNeedSet(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].team_need = {
            "areas": list(payload["areas"]), "note": (payload.get("personal") or {}).get("note")}

    def _on_ConsentGiven(self, payload: Mapping[str, Any]) -> None:
        self.consents.append(Consent(payload["programme_id"], payload["given_by"],
                                     _parse_day(payload["valid_from"]),
                                     _parse_day(payload["valid_until"])))

    def _on_ConsentWithdrawn(self, payload: Mapping[str, Any]) -> None:
        withdrawn_on = _parse_date(payload["withdrawn_on"])
        for consent in self.consents:
            if consent.valid_from.isoformat() == payload["valid_from"] and not consent.withdrawn_on:
                consent.withdrawn_on = withdrawn_on

    def _on_TrainingCompleted(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].training_completed_on = \
            _parse_date(payload["completed_on"])

    def _on_VettingRecorded(self, payload: Mapping[str, Any]) -> None:
        self.vetting = Vetting(payload["cleared"], _parse_day(payload["checked_on"]),
                               (payload.get("personal") or {}).get("reference"))

    def _on_SensitiveNeedsRecorded(self, payload: Mapping[str, Any]) -> None:
        if payload.get("personal"):
            self.sensitive_needs[payload["programme_id"]] = dict(payload["personal"]["needs"])

    def _on_ParticipantWithdrew(self, payload: Mapping[str, Any]) -> None:
        self.participations[payload["programme_id"]].active = False

    def _on_PersonErased(self, payload: Mapping[str, Any]) -> None:
        self.erased = True
        for duty in self.staff.values():
            duty.active = False
        self.personal = None
        self.sensitive_needs = {}
        if self.vetting is not None:
            self.vetting.reference = None
        for participation in self.participations.values():
            participation.active = False


def _changed(current: Mapping[str, Any], given: Mapping[str, Any]) -> Dict[str, Any]:
    return {key: value for key, value in given.items() if current.get(key) != value}

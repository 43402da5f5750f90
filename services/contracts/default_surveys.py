"""The surveys every programme gets unless it sets its own (``surveys.definitions`` unset): our
own plain questions, not a licensed instrument (docs/surveys.md documents them).

A survey has an ``id``, a ``schedule`` (when it falls due for a pair), the ``respondents``
(``mentor``, ``mentee``), a title and ``questions``. A question is answered either on a
``scale`` (whole numbers from ``min`` to ``max``) or with one of its ``choices``; a choice named in
``concern`` tells the programme's coordinator (``PairingFitConcern``).

Schedules (days and moments in the programme's time zone):

* ``after_first_meeting``: once, when the pair's first meeting that counts took place;
* ``periodic``: ``first_after_days`` days after the introduction, then every ``every_days`` days
  while the pair runs (and until the programme's ``meetings_end``);
* ``start_and_end``: at the introduction, and at the end (the final review, or the programme's
  ``meetings_end`` for a pair still running then).
"""
from __future__ import annotations

import copy
from typing import Any, Dict, List

SCHEDULES = ("after_first_meeting", "periodic", "start_and_end")
RESPONDENTS = ("mentor", "mentee")
#: the shipped languages of the default set
LANGUAGES = ("en", "lv", "lt", "nl")


def _texts(en: str, lv: str, lt: str, nl: str) -> Dict[str, str]:
    return {"en": en, "lv": lv, "lt": lt, "nl": nl}


def _agree(question_id: str, en: str, lv: str, lt: str, nl: str) -> Dict[str, Any]:
    """A 1-5 statement: 1 = do not agree at all, 5 = fully agree."""
    return {"id": question_id, "texts": _texts(en, lv, lt, nl), "scale": {"min": 1, "max": 5}}


def _able(question_id: str, en: str, lv: str, lt: str, nl: str) -> Dict[str, Any]:
    """A 1-5 self-assessment: 1 = not yet, 5 = very well."""
    return {"id": question_id, "texts": _texts(en, lv, lt, nl), "scale": {"min": 1, "max": 5}}


FIT_CHECK: Dict[str, Any] = {
    "id": "fit_check",
    "schedule": "after_first_meeting",
    "respondents": ["mentor", "mentee"],
    "titles": _texts("Are we a good fit?", "Vai mēs esam piemērots pāris?", "Ar mes tinkama pora?",
                     "Passen we goed bij elkaar?"),
    "questions": [{
        "id": "fit",
        "texts": _texts("After our first meeting, I think we are:", "Pēc mūsu pirmās tikšanās es domāju, ka mēs esam:",
                        "Po pirmojo susitikimo manau, kad mes esame:",
                        "Na onze eerste ontmoeting denk ik dat we:"),
        "choices": ["good_fit", "still_deciding", "not_a_fit"],
        "concern": ["not_a_fit"],
    }],
}

RELATIONSHIP_QUALITY: Dict[str, Any] = {
    "id": "relationship_quality",
    "schedule": "periodic",
    "first_after_days": 30,
    "every_days": 60,
    "respondents": ["mentee", "mentor"],
    "titles": _texts("How is our relationship going?", "Kā mums veicas sadarbībā?", "Kaip sekasi mūsų santykiams?",
                     "Hoe gaat het met onze samenwerking?"),
    "questions": [
        _agree("heard", "In our meetings I feel heard (1 = not at all, 5 = fully).",
               "Mūsu tikšanās reizēs es jūtos uzklausīts (1 = nemaz, 5 = pilnībā).",
               "Per mūsų susitikimus jaučiuosi išklausytas (1 = visai ne, 5 = visiškai).",
               "Tijdens onze ontmoetingen voel ik me gehoord (1 = helemaal niet, 5 = helemaal)."),
        _agree("trust", "We trust each other (1 = not at all, 5 = fully).",
               "Mēs uzticamies viens otram (1 = nemaz, 5 = pilnībā).",
               "Mes pasitikime vienas kitu (1 = visai ne, 5 = visiškai).",
               "We vertrouwen elkaar (1 = helemaal niet, 5 = helemaal)."),
        _agree("agreement", "We agree on what we work on (1 = not at all, 5 = fully).",
               "Mēs esam vienisprātis par to, pie kā strādājam (1 = nemaz, 5 = pilnībā).",
               "Sutariame, ką darome kartu (1 = visai ne, 5 = visiškai).",
               "We zijn het eens over waar we aan werken (1 = helemaal niet, 5 = helemaal)."),
        _agree("helpful", "Our meetings help me towards my goals (1 = not at all, 5 = fully).",
               "Mūsu tikšanās palīdz man tuvoties saviem mērķiem (1 = nemaz, 5 = pilnībā).",
               "Mūsų susitikimai padeda man siekti savo tikslų (1 = visai ne, 5 = visiškai).",
               "Onze ontmoetingen helpen mij mijn doelen te bereiken (1 = helemaal niet, 5 = helemaal)."),
    ],
}

COMPETENCES: Dict[str, Any] = {
    "id": "competences",
    "schedule": "start_and_end",
    "respondents": ["mentee"],
    "titles": _texts("What I can do", "Ko es protu", "Ką aš moku", "Wat ik kan"),
    "questions": [
        _able("communication", "Saying what I think and need (1 = not yet, 5 = very well).",
              "Pateikt, ko es domāju un kas man vajadzīgs (1 = vēl ne, 5 = ļoti labi).",
              "Pasakyti, ką galvoju ir ko man reikia (1 = dar ne, 5 = labai gerai).",
              "Zeggen wat ik denk en nodig heb (1 = nog niet, 5 = heel goed)."),
        _able("planning", "Planning my steps and keeping to them (1 = not yet, 5 = very well).",
              "Plānot savus soļus un tos ievērot (1 = vēl ne, 5 = ļoti labi).",
              "Planuoti savo žingsnius ir jų laikytis (1 = dar ne, 5 = labai gerai).",
              "Mijn stappen plannen en me eraan houden (1 = nog niet, 5 = heel goed)."),
        _able("problem_solving", "Finding a way when something goes wrong (1 = not yet, 5 = very well).",
              "Atrast risinājumu, kad kaut kas neizdodas (1 = vēl ne, 5 = ļoti labi).",
              "Rasti išeitį, kai kas nors nepavyksta (1 = dar ne, 5 = labai gerai).",
              "Een oplossing vinden als iets misgaat (1 = nog niet, 5 = heel goed)."),
        _able("teamwork", "Working with others (1 = not yet, 5 = very well).",
              "Strādāt kopā ar citiem (1 = vēl ne, 5 = ļoti labi).",
              "Dirbti su kitais (1 = dar ne, 5 = labai gerai).",
              "Samenwerken met anderen (1 = nog niet, 5 = heel goed)."),
        _able("confidence", "Believing I can reach my goals (1 = not yet, 5 = very well).",
              "Ticēt, ka varu sasniegt savus mērķus (1 = vēl ne, 5 = ļoti labi).",
              "Tikėti, kad galiu pasiekti savo tikslus (1 = dar ne, 5 = labai gerai).",
              "Geloven dat ik mijn doelen kan bereiken (1 = nog niet, 5 = heel goed)."),
    ],
}

#: the shipped set, in the order they are listed
DEFAULT_SURVEYS: List[Dict[str, Any]] = [FIT_CHECK, RELATIONSHIP_QUALITY, COMPETENCES]


def default_surveys() -> List[Dict[str, Any]]:
    """A copy of the shipped set (callers may change theirs)."""
    return copy.deepcopy(DEFAULT_SURVEYS)

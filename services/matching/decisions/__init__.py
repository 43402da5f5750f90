"""Matching's decisions, by use case, around one :class:`~.unit_of_work.UnitOfWork` (a store
transaction of one tenant: its actor, its appends, the kept programme states).

Each decision reads the programme's kept state (:mod:`..programme_state`), calls the pure
domain (``place_one``, ``take_from_reserve``, ``assign_cohort``, ``eligible``,
:class:`~..domain.pairing.Pairing`) and appends the resulting events through the unit of
work, which applies the ``pairings`` projection to them in the same transaction.

================  ===========================================================================
module            decisions
================  ===========================================================================
``placement``     ``place`` one mentee, ``refill`` from the reserve, the ``reserve`` view
``choices``       shortlists, a mentee's ranking, requests to mentors (accept, decline, expire)
``coordinator``   ``approve``, ``reject``, ``end``, ``assign``, ``run_round``, ``candidates``
``leaving``       ``release`` someone who left, ``recheck`` a changed profile's pairs
``schedules``     the dated jobs (cohort round, matching opens) and what they do when due
``waiting``       why a mentee waits (``live_reason``), the bars, ``MenteeWaitlisted``
================  ===========================================================================
"""
from .errors import BadChoice, NotFoundError, RuleFailed, StateConflict
from .unit_of_work import UnitOfWork

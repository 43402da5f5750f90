"""The sessions domain (plain Python): meetings, goals and the final review of a pair, and
the progress projections computed from them with a clock passed in.

=================  ==============================================================================
module             holds
=================  ==============================================================================
``rules``          the pairing and programme as sessions reads them; refusals (``RuleBroken``)
``meeting``        ``Meeting``: logged, confirmed or disputed, corrected, withdrawn
``goal``           ``Goal``: set, progress noted, reached or dropped
``final_review``   ``FinalReview``: achievements, further goals, next steps (ends the pairing)
``tally``          ``PairTally`` (the numbers a pair's figures come from), ``PairLedger`` (keeps it)
``progress``       ``fold``, ``tally_of``, ``progress_of`` / ``pair_progress``, ``assessment`` /
                   ``assess`` (at risk), ``programme_summary``
``watch``          ``PairWatch``: ``PairingAtRisk`` / ``PairingBackOnTrack``
``analysis``       ``AnalysisMeeting``: a team's analysis meetings before it is paired (seed 003)
``waiting``        who waits for a mentor and for how long; meetings per month
``outcomes``       ``LearningOutcome``: recorded by the mentee, validated (or not yet) by the mentor
``certificate``    ``PairingCertificates``: issued, revoked; the verification code and ``verdict``
=================  ==============================================================================
"""
from .analysis import AnalysisMeeting, TeamFacts, analysis_summary, fold_analysis
from .certificate import CERTIFICATE, IssuedCertificate, PairingCertificates, Verdict, verdict
from .final_review import FinalReview
from .goal import Goal
from .meeting import Meeting, parse_time
from .outcomes import OUTCOME, LearningOutcome, WrongSide, certificate_language, competence_areas
from .progress import (
                       AT_RISK_REASONS,
                       Assessment,
                       PairHistory,
                       assess,
                       assessment,
                       fold,
                       pair_progress,
                       programme_summary,
                       progress_of,
                       tally_of,
)
from .rules import (
                       ANALYSIS_MEETING,
                       FINAL_REVIEW,
                       GOAL,
                       MEETING,
                       MODES,
                       PAIR_WATCH,
                       ROLES,
                       Cadence,
                       NotInPairing,
                       PairingFacts,
                       ProgrammeRules,
                       RuleBroken,
)
from .tally import PairLedger, PairTally
from .waiting import Participation, days_to_introduction, meetings_per_month, waiting_summary, waits
from .watch import PairWatch

__all__ = ["CERTIFICATE", "IssuedCertificate", "LearningOutcome", "OUTCOME", "PairingCertificates", "Verdict",
           "WrongSide", "certificate_language", "competence_areas", "verdict",
           "ANALYSIS_MEETING", "AnalysisMeeting", "Participation", "TeamFacts", "analysis_summary",
           "days_to_introduction", "fold_analysis", "meetings_per_month", "waiting_summary", "waits",
           "AT_RISK_REASONS", "Assessment", "Cadence", "FINAL_REVIEW", "FinalReview", "GOAL", "Goal",
           "MEETING", "MODES", "Meeting", "NotInPairing", "PAIR_WATCH", "PairHistory", "PairWatch",
           "PairLedger", "PairTally", "PairingFacts", "ProgrammeRules", "ROLES", "RuleBroken", "assess",
           "assessment", "fold", "pair_progress", "parse_time", "programme_summary", "progress_of", "tally_of"]

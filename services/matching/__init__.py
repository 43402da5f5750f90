"""The matching service: pairs mentors and mentees of a programme.

It keeps its own read model of the people of each programme (built from registration events)
and decides who may be paired (eligibility), how good a pair is (an integer score with its
parts), the optimal pairing of a whole cohort (an assignment with mentor capacities), the
placement of a late registrant, and shortlists for programmes where the mentee chooses.

:mod:`services.matching.domain` is the pure domain layer (plain Python, numpy and scipy).
"""

"""Each score part carries a short reason (what the number stands for)."""
from services.matching.domain import ScoreWeights, score
from services.matching.domain.reasons import score_reasons

from .helpers import mentee, mentor, rules


def test_the_one_mentor_who_knows_the_need_and_shares_the_language_reads_as_such():
    team_rules = rules(participant_kind="team")
    team = mentee("t1", languages={"lv"}, areas=("fundraising", "finance"), need_area="fundraising")
    expert = mentor("m1", languages={"lv"}, areas={"fundraising"})
    parts = score(team_rules, expert, team).parts
    assert parts["need_area"] == 0 and parts["languages"] == 0
    reasons = score_reasons(team_rules, expert, team, parts, area_names={"fundraising": "Fundraising"})
    assert set(reasons) == set(parts)
    assert reasons["need_area"] == "knows the team's first need area (Fundraising): required, so not scored"
    assert reasons["languages"] == "shares Latvian: required, so not scored"
    assert reasons["areas"] == "knows Fundraising (1st wanted: 12)"


def test_every_part_is_explained_with_its_weight():
    r = rules(weights=ScoreWeights(need_area=0))
    t = mentee("t1", place="Riga", remote=True, languages={"lv", "en", "ru"}, areas=("finance", "family"),
               preferred_mentor_ids=("m1",))
    m = mentor("m1", place="Riga", languages={"lv", "en"}, areas={"family"})
    reasons = score_reasons(r, m, t)
    assert reasons == {
        "areas": "knows family (2nd wanted: 8)",
        "place": "both in Riga: 6",
        "preferred": "the mentee named this mentor: 10",
        "languages": "shares English and Latvian: one is required, so not scored; 2 for each other (2)",
    }
    other = score_reasons(r, mentor("m2", place="Cesis", remote=False, languages={"lv"}), t)
    assert other["areas"] == "knows none of the mentee's areas: 0"
    assert other["place"] == "different places, and not both remote: 0"
    assert other["preferred"] == "not among the mentors the mentee named: 0"

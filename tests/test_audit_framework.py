"""The framework as data: V9 (32 indicators) until 31 October 2026, V10 (33) from
1 November 2026, each session judged by the text in force when it started."""

import datetime as dt
from types import SimpleNamespace

from parcours.audit import framework


def test_v9_has_32_indicators_in_7_criteria_and_v10_has_33() -> None:
    v9, v10 = framework.versions()
    assert (v9.code, len(v9.indicators)) == ("V9", 32)
    assert (v10.code, len(v10.indicators)) == ("V10", 33)
    assert [i.number for i in v10.indicators] == list(range(1, 34))
    assert {i.criterion for i in v9.indicators} == set(range(1, 8))
    assert sorted(framework.criteria()) == list(range(1, 8))
    for item in v9.indicators + v10.indicators:
        assert item.text and item.source and item.evidence, item.code
        assert item.applies_to <= framework.CATEGORIES


def test_the_switch_happens_on_1_november_2026() -> None:
    assert framework.version_on(dt.date(2026, 10, 31)).code == "V9"
    assert framework.version_on(dt.date(2026, 11, 1)).code == "V10"
    assert framework.version_on(dt.date(2022, 1, 1)).code == "V9"
    v9 = framework.version("V9")
    assert v9.effective_until == dt.date(2026, 10, 31)
    assert framework.version("V10").effective_until is None


def test_a_session_started_in_september_2026_is_judged_by_v9() -> None:
    september = SimpleNamespace(start_date=dt.date(2026, 9, 14), end_date=dt.date(2027, 1, 29))
    november = SimpleNamespace(start_date=dt.date(2026, 11, 2), end_date=dt.date(2027, 3, 1))
    assert framework.version_for_session(september).code == "V9"
    assert framework.version_for_session(november).code == "V10"


def test_v10_changes_the_texts_the_decree_changes_and_keeps_the_others() -> None:
    i12_v9, i12_v10 = framework.indicator("V9", 12), framework.indicator("V10", 12)
    assert "harcèlement" not in i12_v9.text
    assert "harcèlement" in i12_v10.text and "discrimination" in i12_v10.text
    assert "le cas échéant" in framework.indicator("V10", 30).text
    assert "analyse des risques" in framework.indicator("V10", 32).text
    assert "analyse des risques" not in framework.indicator("V9", 32).text
    assert framework.indicator("V10", 33).applies_to == frozenset({"CFA"})
    kept = framework.indicator("V10", 5)
    assert kept.text == framework.indicator("V9", 5).text
    assert "V9" in kept.source and kept.version == "V10"


def test_applicability_and_grading_are_data() -> None:
    i12 = framework.indicator("V9", 12)
    assert not i12.applies("BC", 2) and not i12.applies("VAE", 1)
    assert i12.applies("BC", 3) and i12.applies("CFA", 2) and i12.applies("AF")
    assert not framework.indicator("V10", 33).applies("AF")
    assert framework.indicator("V9", 12).grading == "mineure_ou_majeure"
    assert framework.indicator("V9", 30).grading == "mineure_ou_majeure"
    assert framework.indicator("V9", 31).any_gap_is_major
    assert framework.indicator("V10", 32).any_gap_is_major
    rules = framework.grading_rules()
    assert (rules.minor_becomes_major_after_months, rules.minors_counted_as_major) == (6, 5)

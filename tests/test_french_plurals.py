"""French plurals: 0 and 1 are singular, from the compiled catalogue (`make messages`).

Without the catalogue's plural entries gettext falls back to the English rule, and the
register page reads "0 signalements reçus"; these tests fail then.
"""

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import ngettext

from parcours.activity.signals import _explain_missed_vs_cohort, _explain_vs_own


def test_a_plural_string_follows_the_french_rule() -> None:
    with translation.override("fr"):
        said = [ngettext("signalement reçu", "signalements reçus", n) for n in (0, 1, 2)]
    assert said == ["signalement reçu", "signalement reçu", "signalements reçus"]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "{% load i18n %}{% blocktranslate count attended=n with past=4 %}({{ attended }} "
            "séance suivie sur {{ past }}){% plural %}({{ attended }} séances suivies sur "
            "{{ past }}){% endblocktranslate %}",
            ["(0 séance suivie sur 4)", "(1 séance suivie sur 4)", "(2 séances suivies sur 4)"],
        ),
        (
            "{% load i18n %}{% blocktranslate count d=n %}{{ d }} abandon{% plural %}{{ d }} "
            "abandons{% endblocktranslate %}",
            ["0 abandon", "1 abandon", "2 abandons"],
        ),
    ],
)
def test_the_templates_count_the_french_way(source: str, expected: list[str]) -> None:
    with translation.override("fr"):
        rendered = [Template(source).render(Context({"n": n})) for n in (0, 1, 2)]
    assert rendered == expected


def test_the_usual_rhythm_of_a_learner_reads_in_french() -> None:
    row = {"days_since_activity": 12.0, "usual_gap": 1.0}
    with translation.override("fr"):
        daily = _explain_vs_own(row)
        every_three = _explain_vs_own({**row, "usual_gap": 2.6})
        missed = [
            _explain_missed_vs_cohort(
                {"missed_assessments": float(n), "cohort_missed_assessments": 0.5}
            )
            for n in (1, 2)
        ]
    assert "tous les 1 jours" not in daily and daily.endswith(
        "se connectait en moyenne chaque jour"
    )
    assert every_three.startswith("Silence inhabituel : 12 jours sans activité")
    assert every_three.endswith("en moyenne tous les 3 jours")
    assert missed == [
        "1 évaluation non rendue, quand le groupe en a manqué 0,5 en moyenne",
        "2 évaluations non rendues, quand le groupe en a manqué 0,5 en moyenne",
    ]

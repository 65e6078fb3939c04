"""Risk levels follow each programme's thresholds: the same score is élevé in one
programme, moyen in another and faible under the organisation's defaults, in the engine,
in `parcours risk` and on the at-risk page. Thresholds are set on their page, by the
people allowed to, and a bad value saves nothing."""

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from parcours.attendance import services as attendance_services
from parcours.attendance.models import Method
from parcours.core.models import JournalEntry, User
from parcours.engagement import scoring, services
from parcours.engagement.models import RiskModel, RiskThreshold
from parcours.learners import services as learner_services
from parcours.learners.models import Enrolment
from parcours.programmes import services as programme_services
from parcours.programmes.models import Programme
from tests.conftest import World, login

PARIS = ZoneInfo("Europe/Paris")
AS_OF = dt.date(2026, 3, 25)
NOW = dt.datetime(2026, 3, 25, 18, 0, tzinfo=PARIS)
URL = "/risque/seuils/"


def programme_with_learner(world: World, user: User, code: str, title: str) -> Enrolment:
    """A programme, one session of it and one learner, with the same facts as world's."""
    programme = programme_services.create_programme(
        world.org,
        acting_user=user,
        code=code,
        title=title,
        category="AF",
        modality="presentiel",
        duration_hours=Decimal("70"),
        duration_days=Decimal("10"),
    )
    session = programme_services.create_session(
        world.org,
        acting_user=user,
        programme=programme,
        external_id=f"{code}-S1",
        title=f"{title} printemps",
        category="AF",
        modality="presentiel",
        start_date=world.session.start_date,
        end_date=world.session.end_date,
        duration_hours=Decimal("70"),
    )
    learner = learner_services.create_learner(
        world.org, acting_user=user, external_id=f"{code}-L1", last_name=f"Apprenant{code}"
    )
    return learner_services.enrol(
        learner, session, acting_user=user, enrolled_on=world.enrolment.enrolled_on
    )


def same_facts(enrolment: Enrolment, user: User) -> Enrolment:
    """Three séances of the enrolment's session: present at the first, then absent twice."""
    for day, status in zip((5, 12, 19), ("present", "absent", "absent"), strict=True):
        slot = programme_services.create_slot(
            enrolment.session,
            acting_user=user,
            starts_at=dt.datetime(2026, 3, day, 9, tzinfo=PARIS),
            ends_at=dt.datetime(2026, 3, day, 12, tzinfo=PARIS),
        )
        attendance_services.record_mark(
            slot, enrolment, status, acting_user=user, method=Method.TRAINER
        )
    return enrolment


@pytest.fixture
def three(world_a: World, director: User) -> tuple[Enrolment, Enrolment, Enrolment]:
    """One enrolment in each of three programmes, all with the same facts."""
    return (
        same_facts(world_a.enrolment, director),
        same_facts(programme_with_learner(world_a, director, "A-BUR", "Bureautique A"), director),
        same_facts(programme_with_learner(world_a, director, "A-ANG", "Anglais A"), director),
    )


def pct(value: float) -> str:
    return f"{100 * value:.2f}"


def post_data(
    org_default: tuple[float, float], per_programme: dict[Programme, tuple[float, float] | None]
) -> dict[str, str]:
    data = {"defaut-medium": pct(org_default[0]), "defaut-high": pct(org_default[1])}
    for programme, values in per_programme.items():
        data[f"p{programme.pk}-medium"] = pct(values[0]) if values else ""
        data[f"p{programme.pk}-high"] = pct(values[1]) if values else ""
    return data


def levels_on_page(html: str) -> dict[int, str]:
    return {
        int(e): level
        for e, level in re.findall(r'<tr data-enrolment="(\d+)" data-level="(\w+)">', html)
    }


@time_machine.travel(NOW, tick=False)
def test_the_same_score_gets_each_programmes_level(world_a: World, three, as_director) -> None:
    compta, bureautique, anglais = three
    before = {r["enrolment_id"]: r["score"] for r in scoring.score(world_a.org, AS_OF).rows()}
    score = before[compta.pk]
    assert before[bureautique.pk] == before[anglais.pk] == score and 0.1 < score < 0.9
    # Compta: élevé from just under the score; Bureautique: moyen; Anglais: the defaults.
    response = as_director.post(
        URL,
        post_data(
            (score + 0.05, score + 0.08),
            {
                compta.session.programme: (score - 0.08, score - 0.04),
                bureautique.session.programme: (score - 0.04, score + 0.04),
                anglais.session.programme: None,
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()
    expected = {compta.pk: "eleve", bureautique.pk: "moyen", anglais.pk: "faible"}

    # The engine.
    rows = {r["enrolment_id"]: r for r in scoring.score(world_a.org, AS_OF).rows()}
    assert {e: rows[e]["score"] for e in expected} == dict.fromkeys(expected, score)
    assert {e: rows[e]["level"] for e in expected} == expected

    # `parcours risk --as-of ... --format json`.
    out = StringIO()
    call_command(
        "risk", as_of=AS_OF.isoformat(), format="json", organisation=world_a.org.slug, stdout=out
    )
    printed = {r["learner_external_id"]: r for r in json.loads(out.getvalue())}
    assert {ext: printed[ext]["level"] for ext in ("A-L1", "A-BUR-L1", "A-ANG-L1")} == {
        "A-L1": "eleve",
        "A-BUR-L1": "moyen",
        "A-ANG-L1": "faible",
    }
    assert len({printed[ext]["score"] for ext in ("A-L1", "A-BUR-L1", "A-ANG-L1")}) == 1

    # The at-risk page, once the day's scores are stored.
    services.store_scores(world_a.org, scoring.score(world_a.org, AS_OF), acting_user=None)
    page = as_director.get(reverse("engagement:risk_list"))
    assert {
        e: lvl for e, lvl in levels_on_page(page.content.decode()).items() if e in expected
    } == (expected)
    only_high = as_director.get(reverse("engagement:risk_list"), {"level": "eleve"})
    assert set(levels_on_page(only_high.content.decode())) == {compta.pk}


def test_the_page_shows_and_sets_the_thresholds(world_a: World, three, as_director) -> None:
    compta, bureautique, anglais = three
    page = as_director.get(URL).content.decode()
    # Nothing set yet: the documented defaults, and every programme following them.
    assert 'name="defaut-medium" value="35"' in page and 'name="defaut-high" value="60"' in page
    for enrolment in three:
        assert f'data-threshold-row="{enrolment.session.programme_id}"' in page
    assert page.count("data-follows-default") == 3
    assert "calculés avec la pondération par défaut" in page

    journal = JournalEntry.objects.count()
    data = post_data(
        (0.3, 0.55),
        {
            compta.session.programme: (0.2, 0.45),
            bureautique.session.programme: None,
            anglais.session.programme: None,
        },
    )
    response = as_director.post(URL, data, follow=True)

    assert "Seuils enregistrés." in response.content.decode()
    default, per_programme = scoring.thresholds_for(world_a.org)
    assert default == pytest.approx((0.3, 0.55))
    assert per_programme == {compta.session.programme_id: pytest.approx((0.2, 0.45))}
    assert JournalEntry.objects.count() == journal + 2  # one entry per row changed
    page = as_director.get(URL).content.decode()
    assert 'name="defaut-medium" value="30"' in page
    assert f'name="p{compta.session.programme_id}-medium" value="20"' in page
    assert page.count("data-follows-default") == 2

    # Sent again unchanged: nothing is written.
    assert as_director.post(URL, data).status_code == 302
    assert JournalEntry.objects.count() == journal + 2


@pytest.mark.parametrize(
    ("medium", "high", "message"),
    [
        ("50", "50", "Le seuil « moyen » doit être inférieur au seuil « élevé »."),
        ("70", "40", "Le seuil « moyen » doit être inférieur au seuil « élevé »."),
        ("40", "150", "Le seuil doit être compris entre 0 et 100 % (exclus)."),
        ("0", "40", "Le seuil doit être compris entre 0 et 100 % (exclus)."),
        ("-5", "40", "Le seuil doit être compris entre 0 et 100 % (exclus)."),
        ("0.3", "0.6", "Les seuils s'expriment en pourcentage"),
        ("40", "", "Indiquez les deux seuils"),
        ("quarante", "60", "Saisissez un nombre."),
    ],
)
def test_bad_thresholds_are_refused_in_french_and_nothing_is_saved(
    world_a: World, three, as_director, medium: str, high: str, message: str
) -> None:
    compta, bureautique, anglais = three
    services.set_thresholds(
        world_a.org, programme=anglais.session.programme, medium=0.4, high=0.7, acting_user=None
    )
    before = sorted(RiskThreshold.objects.values_list("programme_id", "medium", "high"))
    journal = JournalEntry.objects.count()
    # A valid change to the defaults and Compta, and the bad values on Bureautique.
    data = post_data(
        (0.3, 0.5),
        {
            compta.session.programme: (0.2, 0.4),
            bureautique.session.programme: None,
            anglais.session.programme: (0.4, 0.7),
        },
    )
    data[f"p{bureautique.session.programme_id}-medium"] = medium
    data[f"p{bureautique.session.programme_id}-high"] = high

    response = as_director.post(URL, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert message.replace("'", "&#x27;") in html
    assert "Les seuils n&#x27;ont pas été enregistrés" in html
    row = html[html.index(f'data-threshold-row="{bureautique.session.programme_id}"') :]
    assert message.replace("'", "&#x27;") in row[: row.index("</tr>")]  # on the row at fault
    assert sorted(RiskThreshold.objects.values_list("programme_id", "medium", "high")) == before
    assert JournalEntry.objects.count() == journal


def test_the_organisation_default_is_required_and_checked(world_a: World, as_director) -> None:
    response = as_director.post(URL, {"defaut-medium": "60", "defaut-high": "35"})
    assert response.status_code == 200
    assert "Le seuil « moyen » doit être inférieur au seuil « élevé »." in response.content.decode()
    response = as_director.post(URL, {"defaut-medium": "", "defaut-high": ""})
    assert "Indiquez les deux seuils." in response.content.decode()
    assert not RiskThreshold.objects.exists()


def test_the_calibrated_models_are_listed_with_the_one_in_service(
    world_a: World, as_director
) -> None:
    common = {
        "organisation": world_a.org,
        "method": "logistic",
        "coefficients": {"consecutive_absences": 1.0},
        "intercept": -2.0,
        "means": {"consecutive_absences": 0.0},
        "scales": {"consecutive_absences": 1.0},
    }
    RiskModel.objects.create(
        version=1,
        trained_until=dt.date(2026, 1, 1),
        metrics={"cv_auc": 0.712, "enrolments": 340},
        is_active=False,
        **common,
    )
    RiskModel.objects.create(
        version=2,
        trained_until=dt.date(2026, 3, 1),
        metrics={"cv_auc": 0.7564, "enrolments": 410},
        **common,
    )

    html = as_director.get(URL).content.decode()

    v2 = html[html.index('data-model="2"') :]
    v2 = v2[: v2.index("</tr>")]
    assert "01/03/2026" in v2 and "0,756" in v2 and "410" in v2 and "en service" in v2
    v1 = html[html.index('data-model="1"') :]
    v1 = v1[: v1.index("</tr>")]
    assert "01/01/2026" in v1 and "0,712" in v1 and "remplacé" in v1
    assert "Les scores sont calculés par le modèle calibré n° 2 du " in html


@pytest.mark.parametrize("persona", ["officer", "auditor", "tutor_user", "learner_user"])
def test_only_direction_and_quality_set_thresholds(
    world_a: World, persona: str, request: pytest.FixtureRequest
) -> None:
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"defaut-medium": "10", "defaut-high": "20"}).status_code == 403
    assert not RiskThreshold.objects.exists()


def test_quality_lead_sets_thresholds(world_a: World, quality: User) -> None:
    response = login(quality).post(URL, {"defaut-medium": "25", "defaut-high": "50"})
    assert response.status_code == 302
    assert scoring.thresholds_for(world_a.org)[0] == pytest.approx((0.25, 0.5))


def test_another_organisation_neither_sees_nor_sets_these_thresholds(
    world_a: World, three, world_b: World, outsider: User
) -> None:
    compta = three[0]
    services.set_thresholds(
        world_a.org, programme=compta.session.programme, medium=0.2, high=0.4, acting_user=None
    )
    client = login(outsider)

    page = client.get(URL).content.decode()
    assert "Comptabilité B" in page
    for secret in ("Comptabilité A", "Bureautique A", "Anglais A", "A-PRG", 'value="20"'):
        assert secret not in page
    # A's programme's fields, forged into B's form, are ignored: B's own row is written.
    response = client.post(
        URL,
        {
            "defaut-medium": "30",
            "defaut-high": "50",
            f"p{compta.session.programme_id}-medium": "1",
            f"p{compta.session.programme_id}-high": "2",
        },
    )
    assert response.status_code == 302
    assert scoring.thresholds_for(world_a.org) == (
        (0.35, 0.6),
        {compta.session.programme_id: (0.2, 0.4)},
    )
    assert scoring.thresholds_for(world_b.org)[0] == pytest.approx((0.3, 0.5))
    # And the service refuses another organisation's programme outright.
    with pytest.raises(ValueError):
        services.set_thresholds(
            world_b.org, programme=compta.session.programme, medium=0.1, high=0.2, acting_user=None
        )
    # A's learner page (where A's programme thresholds are drawn) is not B's to see.
    assert (
        client.get(reverse("learners:learner_detail", args=[compta.learner_id])).status_code == 404
    )


def test_blanking_a_programmes_thresholds_returns_it_to_the_defaults(
    world_a: World, as_director
) -> None:
    services.set_thresholds(
        world_a.org, programme=world_a.programme, medium=0.2, high=0.4, acting_user=None
    )
    response = as_director.post(
        URL,
        {
            "defaut-medium": "35",
            "defaut-high": "60",
            f"p{world_a.programme.pk}-medium": "",
            f"p{world_a.programme.pk}-high": "",
        },
    )
    assert response.status_code == 302
    assert scoring.thresholds_for(world_a.org)[1] == {}
    entry = JournalEntry.objects.filter(object_type="engagement.riskthreshold").latest("pk")
    assert entry.action == "delete"

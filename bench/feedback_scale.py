"""Feedback at scale: 20,000 invitations queued for one campaign, and the results of
200,000 anonymous answers aggregated, against a plain SQL aggregation of the same rows.

    .venv/bin/python bench/feedback_scale.py [--invitations 20000] [--answers 200000]
        [--postgres URL] [--send 1]

Runs in a scratch database: a SQLite file in a temporary directory by default, or, with
--postgres postgres://user@host:port/name, that PostgreSQL database (created, then
dropped). It times:
  - launching the campaign: recipients read, 20,000 invitations written with their
    personal tokens, and the sending job queued (one transaction);
  - with --send 1, that job: 20,000 e-mails queued in the outbox in bulk, with their
    delivery jobs and one journal entry for the batch;
  - the floor: one SQL query counting the answers per item and value for the campaign,
    rows fetched by the client;
  - `selectors.results` for the campaign (counts, respondents per item, verbatims, the
    k rule), and the whole results page (`/questionnaires/campagnes/<pk>/`: query,
    charts, template) through Django's test client;
  - the trends page, month by month (`/questionnaires/tendances/?par=mois`).
Each read is run three times and the fastest run is kept. Prints figures; asserts nothing.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLOOR = """
SELECT a.item_id, a.number, count(*)
FROM feedback_anonymousanswer a
WHERE a.campaign_id = %s AND a.number IS NOT NULL
GROUP BY a.item_id, a.number
"""


def best(func, runs: int = 3) -> float:  # type: ignore[no-untyped-def,unused-ignore]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--postgres")
    parser.add_argument(
        "--send", type=int, default=0, help="also run the job that queues the e-mails (1)"
    )
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="parcours-bench-feedback-")
    os.environ["DATABASE_URL"] = args.postgres or f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-" * 4)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    if args.postgres:
        from django.test.utils import get_runner

        del get_runner
        connection.creation.create_test_db(verbosity=0, keepdb=False)
    else:
        call_command("migrate", verbosity=0)
    run(args, connection, Client)
    if args.postgres:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)


def run(args, connection, client_class) -> None:  # type: ignore[no-untyped-def,unused-ignore]
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from parcours.core.models import Role
    from parcours.core.services import create_member, create_organisation
    from parcours.feedback import selectors, services
    from parcours.feedback.models import (
        AnonymousAnswer,
        AnonymousResponse,
        Campaign,
        Invitation,
        InvitationState,
        ItemKind,
        Questionnaire,
    )
    from parcours.learners.models import Enrolment, Learner
    from parcours.programmes import services as programme_services

    org = create_organisation(acting_user=None, name="Banc d'essai", slug="banc")
    director = create_member(org, acting_user=None, email="d@banc.test", role=Role.DIRECTION).user
    today = timezone.localdate()
    session = programme_services.create_session(
        org,
        acting_user=None,
        title="Grande session",
        category="AF",
        modality="distanciel",
        start_date=today - dt.timedelta(days=60),
        end_date=today,
        duration_hours=Decimal("35"),
    )
    learners = Learner.objects.bulk_create(
        Learner(organisation=org, last_name=f"Nom{i}", first_name="P", email=f"l{i}@banc.test")
        for i in range(args.invitations)
    )
    Enrolment.objects.bulk_create(
        Enrolment(organisation=org, learner=lr, session=session, enrolled_on=session.start_date)
        for lr in learners
    )
    services.ensure_defaults(org)
    questionnaire = Questionnaire.objects.get(organisation=org, key="apprenant-a-chaud")
    start = time.perf_counter()
    campaign = services.launch_campaign(
        questionnaire, acting_user=director, now=timezone.now(), session=session
    )
    launch = time.perf_counter() - start
    queued = Invitation.objects.filter(campaign=campaign, state=InvitationState.SENT).count()
    print(
        f"campaign launched: {queued} invitations written, their sending job queued, in {launch:.1f} s"
    )
    if args.send:
        start = time.perf_counter()
        sent = services.send_invitations(campaign, now=timezone.now())
        took = time.perf_counter() - start
        print(
            f"sending job: {sent} e-mails queued in the outbox (with journal entries) in {took:.1f} s ({took / max(sent, 1) * 1000:.1f} ms each)"
        )

    # Answers written in bulk (the answering path itself is one small transaction each).
    items = list(campaign.version.items.all())
    closed = [i for i in items if i.kind != ItemKind.TEXT]
    per_response = len(closed)  # (and a comment from one respondent in twenty)
    responses = max(1, args.answers // per_response)
    rng = random.Random(7)  # noqa: S311
    day = today
    with transaction.atomic():
        batch = [
            AnonymousResponse(organisation=org, campaign=campaign, day=day, sealed=True)
            for _ in range(responses)
        ]
        AnonymousResponse.objects.bulk_create(batch, batch_size=5000)
        rows = []
        for r in batch:
            for item in closed:
                values = [n for n, _label in item.choices()]
                rows.append(
                    AnonymousAnswer(
                        response=r, campaign=campaign, item=item, number=rng.choice(values)
                    )
                )
            text_item = next(i for i in items if i.kind == ItemKind.TEXT)
            if rng.random() < 0.05:
                rows.append(
                    AnonymousAnswer(
                        response=r,
                        campaign=campaign,
                        item=text_item,
                        text=f"Commentaire {rng.randrange(10**6)}",
                    )
                )
            if len(rows) > 20000:
                AnonymousAnswer.objects.bulk_create(rows, batch_size=5000)
                rows = []
        AnonymousAnswer.objects.bulk_create(rows, batch_size=5000)
        Invitation.objects.filter(campaign=campaign).update(
            state=InvitationState.ANSWERED, answered_on=day
        )
    total = AnonymousAnswer.objects.filter(response__campaign=campaign).count()
    print(f"answers: {total} in {responses} anonymous responses ({connection.vendor})")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(FLOOR, [campaign.pk])
            cursor.fetchall()

    def aggregate() -> None:
        selectors.results(org, Campaign.objects.filter(pk=campaign.pk))

    client = client_class()
    client.force_login(director)

    def page() -> None:
        response = client.get(f"/questionnaires/campagnes/{campaign.pk}/", HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code

    def trends_page() -> None:
        response = client.get("/questionnaires/tendances/?par=mois", HTTP_HOST="localhost")
        assert response.status_code == 200, response.status_code

    # The page lists the invitations too: time it as shown to the user.
    t_floor, t_results, t_page = best(floor), best(aggregate), best(page)
    t_trends = best(trends_page)
    print(f"floor (plain SQL, counts per item and value): {t_floor * 1000:.0f} ms")
    print(
        f"selectors.results (with respondents per item, verbatims, k rule): {t_results * 1000:.0f} ms ({t_results / t_floor:.1f}x the floor)"
    )
    print(
        f"results page, whole request (query, charts, template, its first 300 invitations listed): {t_page * 1000:.0f} ms"
    )
    print(
        f"trends page, month by month (satisfaction and item means per period, charts): {t_trends * 1000:.0f} ms ({t_trends / t_floor:.1f}x the floor)"
    )


if __name__ == "__main__":
    main()

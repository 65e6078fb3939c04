"""Reads of feedback: results under the k-anonymity rule, response rates, coverage, and
the questionnaires a learner has still to answer.

The k rule lives here and only here: pages, exports, PDFs and the API all call
`results`, so a group with fewer than k respondents shows no breakdown anywhere, whatever
filter narrowed it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from parcours.core.models import Organisation
from parcours.feedback.models import (
    AnonymousAnswer,
    AnonymousResponse,
    AttributedAnswer,
    AttributedResponse,
    Audience,
    Campaign,
    Invitation,
    InvitationState,
    Item,
    ItemKind,
    Questionnaire,
)
from parcours.feedback.services import settings_for
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session, Trainer

COVERAGE_AUDIENCES = (
    Audience.APPRENANT,
    Audience.ENTREPRISE,
    Audience.FORMATEUR,
    Audience.FINANCEUR,
)


@dataclass
class Rate:
    asked: int = 0
    reminded: int = 0
    answered: int = 0
    unreachable: int = 0
    launched: bool = False  # (coverage) a campaign for this audience covered the session

    @property
    def percent(self) -> int | None:
        return round(100 * self.answered / self.asked) if self.asked else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "asked": self.asked,
            "reminded": self.reminded,
            "answered": self.answered,
            "non_sollicitable": self.unreachable,
        }


def rate(invitations: QuerySet[Invitation]) -> Rate:
    """The response rate with its real denominator: the invitations actually sent."""
    row = invitations.aggregate(
        asked=Count("pk", filter=~Q(state=InvitationState.UNREACHABLE)),
        reminded=Count("pk", filter=Q(reminders__gt=0)),
        answered=Count("pk", filter=Q(state=InvitationState.ANSWERED)),
        unreachable=Count("pk", filter=Q(state=InvitationState.UNREACHABLE)),
    )
    return Rate(**row)


@dataclass
class ItemResult:
    questionnaire: str
    key: str
    text: str
    kind: str
    theme: str
    trainer: str = ""
    respondents: int = 0
    shown: bool = False
    counts: list[tuple[str, int]] = field(default_factory=list)
    mean: float | None = None
    satisfaction: int | None = None  # % of 4-5 on a scale, % of "oui" for yes/no
    nps: int | None = None

    @property
    def label(self) -> str:
        return f"{self.text} ({self.trainer})" if self.trainer else self.text


@dataclass
class Results:
    k: int
    respondents: int
    rate: Rate
    items: list[ItemResult] = field(default_factory=list)
    verbatims: list[str] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.respondents >= self.k

    @property
    def satisfaction(self) -> int | None:
        """The share of 4-5 over every satisfaction scale answered."""
        scales = [i for i in self.items if i.shown and i.kind == ItemKind.SCALE5]
        total = sum(n for i in scales for _label, n in i.counts)
        good = sum(n for i in scales for label, n in i.counts if label[:1] in "45")
        return round(100 * good / total) if total else None


@dataclass
class Filters:
    session: Session | None = None
    programme_id: int | None = None
    trainer: Trainer | None = None
    audience: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    questionnaire: Questionnaire | None = None

    def apply(self, campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
        if self.session is not None:
            campaigns = campaigns.filter(session=self.session)
        if self.programme_id is not None:
            campaigns = campaigns.filter(session__programme_id=self.programme_id)
        if self.trainer is not None:
            campaigns = campaigns.filter(session__trainers=self.trainer)
        if self.audience:
            campaigns = campaigns.filter(questionnaire__audience=self.audience)
        if self.date_from is not None:
            campaigns = campaigns.filter(launched_on__gte=self.date_from)
        if self.date_to is not None:
            campaigns = campaigns.filter(launched_on__lte=self.date_to)
        if self.questionnaire is not None:
            campaigns = campaigns.filter(questionnaire=self.questionnaire)
        return campaigns.distinct()


def k_for(organisation: Organisation) -> int:
    return settings_for(organisation).k_threshold


def _value_label(item: Item, number: int) -> str:
    return dict(item.choices()).get(number, str(number))


def results(organisation: Organisation, campaigns: QuerySet[Campaign]) -> Results:
    """Aggregated results of these campaigns; no breakdown under k respondents (in the
    group, and for each item and teacher)."""
    k = k_for(organisation)
    ids = list(campaigns.filter(organisation=organisation).values_list("pk", flat=True))
    invitation_rate = rate(Invitation.objects.filter(campaign_id__in=ids))
    respondents = (
        AnonymousResponse.objects.filter(campaign_id__in=ids).count()
        + AttributedResponse.objects.filter(campaign_id__in=ids).count()
    )
    out = Results(k=k, respondents=respondents, rate=invitation_rate)
    if respondents < k:
        return out
    counts: dict[tuple[int, int | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    answered: dict[tuple[int, int | None], int] = defaultdict(int)
    texts: list[str] = []
    kinds = dict(Item.objects.filter(version__campaigns__in=ids).values_list("pk", "kind"))
    multiple = {pk for pk, kind in kinds.items() if kind == ItemKind.MULTIPLE}
    free_text = {pk for pk, kind in kinds.items() if kind == ItemKind.TEXT}
    for model in (AnonymousAnswer, AttributedAnswer):
        rows = model.objects.filter(campaign_id__in=ids)
        for item_id, trainer_id, number, n in (
            # (count(*): read from the index alone)
            rows.values_list("item_id", "trainer_id", "number").annotate(n=Count("*")).order_by()
        ):
            if number is not None:
                counts[(item_id, trainer_id)][number] += n
            if item_id not in multiple:  # one row per respondent
                answered[(item_id, trainer_id)] += n
        if multiple:
            for item_id, trainer_id, n in (
                rows.filter(item_id__in=multiple)
                .values_list("item_id", "trainer_id")
                .annotate(n=Count("response_id", distinct=True))
                .order_by()
            ):
                answered[(item_id, trainer_id)] += n
        texts.extend(
            rows.filter(item_id__in=free_text).exclude(text="").values_list("text", flat=True)
        )
    items = {
        i.pk: i
        for i in Item.objects.filter(pk__in={key[0] for key in answered}).select_related(
            "version__questionnaire"
        )
    }
    trainers = {
        t.pk: str(t) for t in Trainer.objects.filter(pk__in={key[1] for key in answered if key[1]})
    }
    # Items of several versions merge by questionnaire and key.
    merged: dict[tuple[int, str, int | None], tuple[Item, dict[int, int], int]] = {}
    for (item_id, trainer_id), n in answered.items():
        item = items[item_id]
        key = (item.version.questionnaire_id, item.key, trainer_id)
        first, values, total = merged.get(key, (item, defaultdict(int), 0))
        for number, c in counts.get((item_id, trainer_id), {}).items():
            values[number] += c
        if item.version.number > first.version.number:
            first = item
        merged[key] = (first, values, total + n)
    for (_q, _key, trainer_id), (item, values, n) in sorted(
        merged.items(),
        key=lambda kv: (
            kv[1][0].version.questionnaire.title,
            kv[1][0].position,
            trainers.get(kv[0][2] or 0, ""),
        ),
    ):
        result = ItemResult(
            questionnaire=item.version.questionnaire.title,
            key=item.key,
            text=item.text,
            kind=item.kind,
            theme=item.get_theme_display(),
            trainer=trainers.get(trainer_id or 0, ""),
            respondents=n,
            shown=n >= k,
        )
        if result.shown and item.kind != ItemKind.TEXT:
            result.counts = [
                (_value_label(item, number), values.get(number, 0)) for number, _l in item.choices()
            ]
            total = sum(values.values())
            if item.kind in (ItemKind.SCALE5, ItemKind.NPS, ItemKind.YESNO) and total:
                result.mean = round(sum(v * c for v, c in values.items()) / total, 2)
            if item.kind == ItemKind.SCALE5 and total:
                result.satisfaction = round(100 * (values.get(4, 0) + values.get(5, 0)) / total)
            if item.kind == ItemKind.YESNO and total:
                result.satisfaction = round(100 * values.get(1, 0) / total)
            if item.kind == ItemKind.NPS and total:
                promoters = values.get(9, 0) + values.get(10, 0)
                detractors = sum(c for v, c in values.items() if v <= 6)
                result.nps = round(100 * (promoters - detractors) / total)
        out.items.append(result)
    # Free text without attribution and in no meaningful order.
    out.verbatims = sorted(t.strip() for t in texts)
    return out


def rate_by(campaigns: QuerySet[Campaign], *, by: str) -> list[tuple[str, Rate]]:
    """Response rate per audience ("audience") or per session ("session")."""
    field_name = (
        "campaign__questionnaire__audience" if by == "audience" else "campaign__session__title"
    )
    rows = (
        Invitation.objects.filter(campaign__in=campaigns)
        .values_list(field_name)
        .annotate(
            asked=Count("pk", filter=~Q(state=InvitationState.UNREACHABLE)),
            reminded=Count("pk", filter=Q(reminders__gt=0)),
            answered=Count("pk", filter=Q(state=InvitationState.ANSWERED)),
            unreachable=Count("pk", filter=Q(state=InvitationState.UNREACHABLE)),
        )
        .order_by(field_name)
    )
    labels = dict(Audience.choices)
    return [
        (str(labels.get(key, key or _("(sans session)"))), Rate(a, r, n, u))
        for key, a, r, n, u in rows
    ]


@dataclass
class CoverageRow:
    session: Session
    audiences: dict[str, Rate]

    @property
    def gaps(self) -> list[str]:
        labels = dict(Audience.choices)
        return [str(labels[a]) for a, r in self.audiences.items() if not r.launched]


def coverage(organisation: Organisation, date_from: dt.date, date_to: dt.date) -> list[CoverageRow]:
    """For each session ended in the period, per audience: asked, reminded, answered and
    non sollicitable. The funders count their per-session and their annual campaigns."""
    sessions = list(
        Session.objects.filter(
            organisation=organisation, end_date__gte=date_from, end_date__lte=date_to
        ).order_by("end_date", "title")
    )
    per: dict[tuple[int, str], Rate] = defaultdict(Rate)

    def add(key: tuple[int, str], state: str, reminders: int) -> None:
        r = per[key]
        if state == InvitationState.UNREACHABLE:
            r.unreachable += 1
            return
        r.asked += 1
        r.reminded += reminders > 0
        r.answered += state == InvitationState.ANSWERED

    for session_id, audience in Campaign.objects.filter(session__in=sessions).values_list(
        "session_id", "questionnaire__audience"
    ):
        per[(session_id, audience)].launched = True
    rows = Invitation.objects.filter(campaign__session__in=sessions).values_list(
        "campaign__session_id", "audience", "state", "reminders"
    )
    for session_id, audience, state, reminders in rows:
        add((session_id, audience), state, reminders)
    # Annual funder campaigns: a funder of the session asked in a campaign covering its end.
    annual = list(
        Campaign.objects.filter(
            organisation=organisation,
            session__isnull=True,
            questionnaire__audience=Audience.FINANCEUR,
            period_end__gte=date_from,
        ).values_list("pk", "period_start", "period_end")
    )
    if annual:
        funders_of = defaultdict(set)
        for session_id, funder_id in Enrolment.objects.filter(
            session__in=sessions, funder__isnull=False
        ).values_list("session_id", "funder_id"):
            funders_of[session_id].add(funder_id)
        for campaign_id, start, end in annual:
            invited = list(
                Invitation.objects.filter(campaign_id=campaign_id).values_list(
                    "funder_id", "state", "reminders"
                )
            )
            for session in sessions:
                if start and end and start <= session.end_date <= end:
                    per[(session.pk, Audience.FINANCEUR)].launched = True
                    for funder_id, state, reminders in invited:
                        if funder_id in funders_of[session.pk]:
                            add((session.pk, Audience.FINANCEUR), state, reminders)
    return [
        CoverageRow(s, {a: per.get((s.pk, a), Rate()) for a in COVERAGE_AUDIENCES})
        for s in sessions
    ]


def coverage_json(rows: list[CoverageRow]) -> list[dict[str, Any]]:
    return [
        {
            "session": row.session.external_id or str(row.session.pk),
            "title": row.session.title,
            "end_date": row.session.end_date.isoformat(),
            "audiences": {
                a: {**r.as_dict(), "campaign": r.launched} for a, r in row.audiences.items()
            },
        }
        for row in rows
    ]


def pending_invitations_for_learner(
    learner: Learner, now: dt.datetime | None = None
) -> list[Invitation]:
    """The learner's questionnaires still to answer, with a valid link."""
    now = now or timezone.now()
    return list(
        Invitation.objects.filter(learner=learner, state=InvitationState.SENT, expires_at__gt=now)
        .select_related("campaign__questionnaire", "campaign__session")
        .order_by("expires_at")
    )

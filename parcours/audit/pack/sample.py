"""The pack's sample: the one an auditor would check.

The latest mock audit (audit blanc) stored as of the pack's date lends its sample; without
one, or when a seed is given, the sample is drawn with the mock audit's own seeded draw
(`mock.draw_sample`), so that the same seed on the same date gives the same pack content.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from parcours.audit import mock
from parcours.audit.models import MockAudit
from parcours.core.models import Organisation
from parcours.learners.models import Enrolment
from parcours.programmes.models import Session

DEFAULT_SEED = 1


@dataclass
class Sample:
    origin: str  # what it comes from, in French, for LISEZMOI and the manifest
    seed: int
    size: int
    drawn: dict[str, dict[str, list[int]]]
    mock_audit_id: int | None = None
    # session id -> its sampled enrolment ids (in draw order)
    by_session: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        enrolments = [pk for part in self.drawn.values() for pk in part.get("enrolments", [])]
        sessions = dict(Enrolment.objects.filter(pk__in=enrolments).values_list("pk", "session_id"))
        for part in self.drawn.values():
            for session_id in part.get("sessions", []):
                self.by_session.setdefault(session_id, [])
        for pk in enrolments:
            if pk in sessions:
                self.by_session.setdefault(sessions[pk], []).append(pk)

    @property
    def session_ids(self) -> list[int]:
        return list(self.by_session)

    @property
    def enrolment_ids(self) -> list[int]:
        return [pk for ids in self.by_session.values() for pk in ids]


def latest_mock_audit(organisation: Organisation, as_of: dt.date) -> MockAudit | None:
    return (
        MockAudit.objects.filter(organisation=organisation, as_of__lte=as_of)
        .order_by("-as_of", "-created_at", "-pk")
        .first()
    )


def resolve(
    organisation: Organisation,
    as_of: dt.date,
    *,
    seed: int | None = None,
    size: int | None = None,
) -> Sample:
    """The stored mock audit's sample when no seed nor size is given and one exists,
    else a draw with `seed` (default 1) and `size` (default: the mock audit's)."""
    if seed is None and size is None:
        run = latest_mock_audit(organisation, as_of)
        if run is not None:
            return Sample(
                _("échantillon de l'audit blanc n° %(pk)s au %(day)s (graine %(seed)s, %(n)s)")
                % {
                    "pk": run.pk,
                    "day": run.as_of.isoformat(),
                    "seed": run.seed,
                    "n": run.sample_size,
                },
                run.seed,
                run.sample_size,
                run.sample,
                mock_audit_id=run.pk,
            )
    seed = DEFAULT_SEED if seed is None else seed
    size = mock.DEFAULT_SAMPLE if size is None else size
    drawn = mock.draw_sample(organisation, as_of, seed=seed, size=size)
    return Sample(
        _(
            "échantillon tiré comme l'audit blanc (graine %(seed)s, %(n)s sessions par "
            "catégorie et %(n)s apprenants par session)"
        )
        % {"seed": seed, "n": size},
        seed,
        size,
        drawn,
    )


def sessions_of(organisation: Organisation, sample: Sample) -> list[Session]:
    found = Session.objects.filter(organisation=organisation, pk__in=sample.session_ids)
    order = {pk: i for i, pk in enumerate(sample.session_ids)}
    return sorted(found.select_related("programme"), key=lambda s: order[s.pk])

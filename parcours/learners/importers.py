"""The `learners` and `enrolments` exchange files (DESIGN.md, "Exchange formats").

Learners are matched by external_id, enrolments by (learner, session), both within the
organisation; an enrolment names its learner and session by their external ids, which
must already be known (import learners and sessions first). An enrolment's status and
dates are taken as the source system gives them, not walked through the lifecycle
transitions of `services.change_status`: the file is the record of what happened.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from parcours.core.imports import Column, Importer, Row, Values, register
from parcours.core.models import Organisation
from parcours.learners.models import ENDED_STATUSES, Enrolment, EnrolmentStatus, Learner
from parcours.programmes.models import Session

STATUSES = tuple(EnrolmentStatus.values)
UNKNOWN_LEARNER = gettext_noop("apprenant inconnu « %(id)s » (importez d'abord les apprenants)")
UNKNOWN_SESSION = gettext_noop("session inconnue « %(id)s » (importez d'abord les sessions)")


# The columns by which a row names a learner or a session already imported.
LEARNER_REF = Column(
    "learner_external_id",
    gettext_lazy("identifiant externe de l'apprenant (déjà importé)"),
    "A-0001",
)
SESSION_REF = Column(
    "session_external_id",
    gettext_lazy("identifiant externe de la session (déjà importée)"),
    "CPT-2026-01",
)


@register
class LearnerImporter(Importer):
    kind = "learners"
    label = gettext_lazy("Apprenants")
    model = Learner
    columns = (
        Column(
            "external_id",
            gettext_lazy("identifiant de l'apprenant (obligatoire, unique)"),
            "A-0001",
        ),
        Column("last_name", gettext_lazy("nom (obligatoire)"), "Martin"),
        Column("first_name", gettext_lazy("prénom"), "Camille"),
        Column("email", gettext_lazy("adresse e-mail"), "camille.martin@exemple.fr"),
        Column("phone", gettext_lazy("téléphone"), "0601020304"),
        Column(
            "disability", gettext_lazy("situation de handicap déclarée : 1 (oui) ou 0 (non)"), "0"
        ),
    )
    fields = ("external_id", "last_name", "first_name", "email", "phone", "disability")
    key_fields = ("external_id",)
    key_columns = ("external_id",)

    def parse(self, row: Row) -> Values | None:
        values = (
            row.text("external_id", max_length=80, required=True),
            row.text("last_name", max_length=120, required=True),
            row.text("first_name", max_length=120),
            row.email("email"),
            row.text("phone", max_length=30),
            row.bool01("disability"),
        )
        return None if row.failed else values

    def describe(self, values: Values) -> str:
        return f"{values[2]} {values[1]}".strip()


class ExternalIdLookups:
    """For importers whose rows name learners and sessions by external id: both loaded
    in one query each, with the names the journal shows."""

    organisation: Organisation

    def load_external_ids(self) -> None:
        org = self.organisation
        self.learner_ids: dict[str, int] = {}
        self.learner_names: dict[int, str] = {}
        rows = Learner.objects.filter(organisation=org).exclude(external_id="")
        for pk, external_id, first, last in rows.values_list(
            "pk", "external_id", "first_name", "last_name"
        ).iterator(5000):
            self.learner_ids[external_id] = pk
            self.learner_names[pk] = f"{first} {last}".strip()
        self.session_ids: dict[str, int] = {}
        self.session_titles: dict[int, str] = {}
        for pk, external_id, title in (
            Session.objects.filter(organisation=org)
            .exclude(external_id="")
            .values_list("pk", "external_id", "title")
        ):
            self.session_ids[external_id] = pk
            self.session_titles[pk] = title


@register
class EnrolmentImporter(ExternalIdLookups, Importer):
    kind = "enrolments"
    label = gettext_lazy("Inscriptions")
    model = Enrolment
    columns = (
        LEARNER_REF,
        SESSION_REF,
        Column("enrolled_on", gettext_lazy("date d'inscription, AAAA-MM-JJ"), "2026-02-20"),
        Column("status", gettext_lazy("statut : inscrit, en_cours, termine ou abandon"), "inscrit"),
        Column(
            "ended_on",
            gettext_lazy(
                "date de sortie, AAAA-MM-JJ : obligatoire pour termine et abandon, vide sinon"
            ),
            "",
        ),
        Column("end_reason", gettext_lazy("motif de sortie"), ""),
    )
    fields = ("learner_id", "session_id", "enrolled_on", "status", "ended_on", "end_reason")
    key_fields = ("learner_id", "session_id")
    key_columns = ("learner_external_id", "session_external_id")

    def load(self) -> None:
        super().load()
        self.load_external_ids()

    def parse(self, row: Row) -> Values | None:
        learner_id = self.learner_ids.get(row["learner_external_id"])
        if learner_id is None:
            self._unknown(row, "learner_external_id", UNKNOWN_LEARNER)
        session_id = self.session_ids.get(row["session_external_id"])
        if session_id is None:
            self._unknown(row, "session_external_id", UNKNOWN_SESSION)
        enrolled_on = row.date("enrolled_on")
        status = row.choice("status", STATUSES)
        ended_on = row.optional_date("ended_on")
        end_reason = row.text("end_reason", max_length=200)
        if status in ENDED_STATUSES and not row["ended_on"]:
            row.error(
                "ended_on",
                _("date de sortie obligatoire pour le statut « %(status)s » (AAAA-MM-JJ)")
                % {"status": status},
            )
        elif status and status not in ENDED_STATUSES and row["ended_on"]:
            row.error(
                "ended_on",
                _("la date de sortie doit rester vide pour le statut « %(status)s »")
                % {"status": status},
            )
        elif (
            ended_on
            and enrolled_on
            and ended_on < enrolled_on
            and status == EnrolmentStatus.ABANDON
        ):
            # A withdrawal before the start whose registration date is unknown (OULAD
            # dates those on the first day): the enrolment was never active.
            row.warn(
                "ended_on",
                _(
                    "abandon le %(ended)s, avant l'inscription du %(enrolled)s : désistement "
                    "avant l'entrée en formation, la date d'inscription est ramenée au %(ended)s"
                )
                % {"ended": ended_on.isoformat(), "enrolled": enrolled_on.isoformat()},
            )
            enrolled_on = ended_on
        elif ended_on and enrolled_on and ended_on < enrolled_on:
            row.error(
                "ended_on",
                _("la sortie (%(ended)s) précède l'inscription (%(enrolled)s)")
                % {"ended": ended_on.isoformat(), "enrolled": enrolled_on.isoformat()},
            )
        if row.failed:
            return None
        return (learner_id, session_id, enrolled_on, status, ended_on, end_reason)

    def _unknown(self, row: Row, column: str, message: str) -> None:
        if row.text(column, max_length=80, required=True):
            row.error(column, _(message) % {"id": row[column]})

    def describe(self, values: Values) -> str:
        learner = self.learner_names.get(values[0], "")
        return f"{learner} · {self.session_titles.get(values[1], '')}"

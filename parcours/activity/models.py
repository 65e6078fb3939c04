"""LMS activity, assessments and their results, and what xAPI clients push.

Activity rows are raw LMS facts (clicks, logins, quiz attempts, per learner and day),
millions of them: the table is kept lean (no created/updated stamps, two indexes) and
written in bulk by imports and the xAPI endpoint, traced by one journal entry per import
rather than one per row.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import CreatedModel, TenantModel
from parcours.core.models import Organisation
from parcours.learners.models import Enrolment, Learner
from parcours.programmes.models import Session

KIND_MAX_LENGTH = 40


class ActivitySource(models.TextChoices):
    IMPORT = "import", _("Import")
    XAPI = "xapi", _("xAPI")


class ActivityEvent(TenantModel):
    """So many actions of one kind by an enrolled learner at one moment (or on one day).

    A date without a time (what LMS daily exports give) is stored as that day at
    00:00, Europe/Paris (the organisation's local time); `day` is its local date,
    kept for fast per-day and per-week sums. (enrolment, occurred_at, kind) is the
    primary key: importing the same facts again replaces their counts, never
    duplicates them.
    """

    # No foreign key constraints in the database on this table: checking them costs
    # more than the insert itself (measured on PostgreSQL: 6 s per million rows and per
    # key, at commit). Every writer checks the enrolment is the organisation's (imports
    # look each row's up), and deletions cascade through Django.
    # The natural key is the primary key: no surrogate id, one index less to maintain.
    pk = models.CompositePrimaryKey("enrolment", "occurred_at", "kind")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, db_index=False, db_constraint=False
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        related_name="activity_events",
        db_index=False,
        db_constraint=False,
    )
    occurred_at = models.DateTimeField(_("moment"))
    day = models.DateField(_("jour"))
    kind = models.CharField(_("type d'action"), max_length=KIND_MAX_LENGTH)
    count = models.PositiveIntegerField(_("nombre"), default=1)
    source = models.CharField(
        _("source"), max_length=6, choices=ActivitySource.choices, default=ActivitySource.IMPORT
    )

    class Meta:
        verbose_name = _("activité sur la plateforme")
        verbose_name_plural = _("activités sur la plateforme")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="activity_count_positive"),
        ]
        indexes = [models.Index(fields=["enrolment", "day"], name="activity_enrolment_day")]

    def __str__(self) -> str:
        return f"{self.kind} × {self.count} ({self.day})"


class Assessment(TenantModel, CreatedModel):
    """An assessment (évaluation) of a session, with its due date and weight."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("session")
    )
    external_id = models.CharField(_("identifiant externe"), max_length=80)
    title = models.CharField(_("intitulé"), max_length=200)
    kind = models.CharField(_("type"), max_length=40, blank=True)
    due_date = models.DateField(_("date limite"))
    weight = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=2, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("évaluation")
        verbose_name_plural = _("évaluations")
        ordering = ["due_date", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "external_id"],
                name="assessment_external_id_per_org",
                violation_error_message=_("Une évaluation porte déjà cet identifiant externe."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Result(TenantModel, CreatedModel):
    """A learner's result at an assessment; no score means submitted but not graded."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="results", db_index=False
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="results")
    submitted_on = models.DateField(_("rendu le"))
    score = models.DecimalField(
        _("note sur 100"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("résultat")
        verbose_name_plural = _("résultats")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "enrolment"],
                name="one_result_per_assessment",
                violation_error_message=_("Ce résultat existe déjà."),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="result_score_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} : {self.score if self.score is not None else '—'}"


class XapiCredential(TenantModel):
    """A key with which an LMS pushes xAPI statements for one organisation.

    The secret is shown once, when the key is made; only its hash is kept.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="xapi_credentials"
    )
    key = models.CharField(_("clé"), max_length=40, unique=True)
    secret_hash = models.CharField(max_length=128)
    label = models.CharField(_("libellé"), max_length=120)
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("clé xAPI")
        verbose_name_plural = _("clés xAPI")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.label} ({self.key})"


class XapiStatement(TenantModel):
    """An xAPI statement as received, with the learner it was matched to (if any)."""

    statement_id = models.UUIDField(_("identifiant de la déclaration"))
    learner = models.ForeignKey(
        Learner,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="xapi_statements",
        verbose_name=_("apprenant"),
    )
    actor_mbox = models.CharField(max_length=254, blank=True)
    actor_account_homepage = models.CharField(max_length=254, blank=True)
    actor_account_name = models.CharField(max_length=254, blank=True)
    verb_id = models.CharField(_("verbe"), max_length=254)
    verb_display = models.CharField(max_length=200, blank=True)
    object_id = models.CharField(_("objet"), max_length=500)
    timestamp = models.DateTimeField(_("moment"))
    stored_at = models.DateTimeField(_("reçue le"), default=timezone.now)
    raw = models.JSONField()

    class Meta:
        verbose_name = _("déclaration xAPI")
        verbose_name_plural = _("déclarations xAPI")
        ordering = ["-stored_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "statement_id"], name="xapi_statement_id_per_org"
            )
        ]

    def __str__(self) -> str:
        return str(self.statement_id)

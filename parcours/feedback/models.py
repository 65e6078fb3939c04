"""Questionnaires, campaigns, invitations and answers (indicators 30 and 33).

Anonymity by construction: the answers to an anonymous questionnaire live in
`AnonymousResponse`/`AnonymousAnswer`, which have no link to an invitation, a person or a
time finer than the day, and random (UUID) keys. Their rows are rewritten in a shuffled
order while their batch fills (see services.submit), so neither keys nor the physical
order of the rows follow the order in which people answered. Attributable questionnaires
(the mid-session check-in, the trainer's view) keep the invitation and the enrolment.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.models import Organisation, User
from parcours.learners.models import Employer, Enrolment, Funder, Learner, Tutor
from parcours.programmes.models import Session, Trainer


class Audience(models.TextChoices):
    APPRENANT = "apprenant", _("Apprenant")
    ENTREPRISE = "entreprise", _("Entreprise / tuteur")
    FORMATEUR = "formateur", _("Formateur")
    FINANCEUR = "financeur", _("Financeur")
    PRESCRIPTEUR = "prescripteur", _("Prescripteur")


class Moment(models.TextChoices):
    MI_PARCOURS = "mi_parcours", _("Mi-parcours")
    A_CHAUD = "a_chaud", _("À chaud (fin de session)")
    A_FROID = "a_froid", _("À froid")
    ANNUEL = "annuel", _("Annuel")


class ItemKind(models.TextChoices):
    SCALE5 = "echelle5", _("Échelle de 1 à 5")
    NPS = "nps", _("Note de 0 à 10")
    SINGLE = "choix_unique", _("Choix unique")
    MULTIPLE = "choix_multiple", _("Choix multiple")
    YESNO = "oui_non", _("Oui / non")
    TEXT = "texte", _("Texte libre")


class Theme(models.TextChoices):
    GLOBAL = "global", _("Appréciation générale")
    PEDAGOGIE = "pedagogie", _("Pédagogie")
    CONTENUS = "contenus", _("Contenus")
    FORMATEUR = "formateur", _("Formateur")
    ORGANISATION = "organisation", _("Organisation")
    SUPPORTS = "supports", _("Supports")
    LOCAUX = "locaux", _("Locaux")
    PLATEFORME = "plateforme", _("Plateforme")
    ACCOMPAGNEMENT = "accompagnement", _("Accompagnement")
    ACQUIS = "acquis", _("Acquis et mise en pratique")
    PERSEVERANCE = "perseverance", _("Persévérance")
    RELATION = "relation", _("Relation avec l'organisme")


class Questionnaire(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="questionnaires"
    )
    key = models.SlugField(_("code"), max_length=60)
    title = models.CharField(_("intitulé"), max_length=200)
    audience = models.CharField(_("public"), max_length=20, choices=Audience.choices)
    moment = models.CharField(_("moment"), max_length=20, choices=Moment.choices)
    delay_days = models.PositiveIntegerField(
        _("délai après la fin (jours)"), default=0, help_text=_("Pour les questionnaires à froid.")
    )
    anonymous = models.BooleanField(_("anonyme"), default=True)
    is_active = models.BooleanField(_("en service"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["audience", "moment", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "key"], name="questionnaire_key_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def current_version(self) -> "QuestionnaireVersion":
        """The latest published version: the one a campaign sends (and freezes)."""
        return (
            self.versions.filter(published_at__isnull=False).order_by("-number").first()  # type: ignore[return-value]
        )

    def draft(self) -> "QuestionnaireVersion | None":
        """The version being written, if any (never sent until published)."""
        return self.versions.filter(published_at__isnull=True).order_by("-number").first()


class QuestionnaireVersion(models.Model):
    """Items are written while the version is a draft; once published it never changes,
    and a campaign sends one published version, frozen."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    intro = models.TextField(_("introduction"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(
        _("publiée le"), null=True, blank=True, help_text=_("Une version publiée ne change plus.")
    )

    class Meta:
        ordering = ["questionnaire", "number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="version_number")
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} (v{self.number})"


class Item(models.Model):
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveIntegerField()
    key = models.SlugField(_("code"), max_length=60, help_text=_("Stable d'une version à l'autre."))
    kind = models.CharField(_("type"), max_length=20, choices=ItemKind.choices)
    theme = models.CharField(_("thème"), max_length=20, choices=Theme.choices)
    text = models.CharField(_("question"), max_length=300)
    options = models.JSONField(
        _("libellés ou choix"), default=list, blank=True, help_text=_("Échelle : 5 libellés.")
    )
    required = models.BooleanField(_("obligatoire"), default=False)
    per_trainer = models.BooleanField(
        _("posée pour chaque formateur"), default=False, help_text=_("Indicateur 33.")
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="item_key_per_version")
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_numeric(self) -> bool:
        return self.kind in (ItemKind.SCALE5, ItemKind.NPS, ItemKind.YESNO)

    def choices(self) -> list[tuple[int, str]]:
        """The possible values with their labels, in order."""
        if self.kind == ItemKind.SCALE5:
            labels = list(self.options) + [""] * 5
            return [
                (n, f"{n}" + (f" – {labels[n - 1]}" if labels[n - 1] else "")) for n in range(1, 6)
            ]
        if self.kind == ItemKind.NPS:
            return [(n, str(n)) for n in range(11)]
        if self.kind == ItemKind.YESNO:
            return [(1, str(_("Oui"))), (0, str(_("Non")))]
        if self.kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
            return list(enumerate(self.options))
        return []


class FeedbackSettings(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="feedback_settings"
    )
    k_threshold = models.PositiveIntegerField(
        _("seuil d'anonymat (k)"),
        default=5,
        help_text=_("Aucun détail n'est montré pour un groupe de moins de k répondants."),
    )
    reminder_days = models.JSONField(_("relances (jours après l'envoi)"), default=list)
    link_days = models.PositiveIntegerField(_("validité du lien (jours)"), default=30)

    def __str__(self) -> str:
        return str(self.organisation)


class Campaign(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="campaigns"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="campaigns"
    )
    version = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="campaigns"
    )
    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, null=True, blank=True, related_name="campaigns"
    )
    period_start = models.DateField(_("période du"), null=True, blank=True)
    period_end = models.DateField(_("au"), null=True, blank=True)
    launched_on = models.DateField(_("lancée le"))
    launched_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    automatic = models.BooleanField(_("programmée"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        ordering = ["-launched_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "session"],
                condition=Q(session__isnull=False),
                name="campaign_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["questionnaire", "period_start"],
                condition=Q(session__isnull=True),
                name="campaign_once_per_period",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "launched_on"])]

    def __str__(self) -> str:
        where = self.session.title if self.session_id else f"{self.period_start:%Y}"  # type: ignore[union-attr]
        return f"{self.questionnaire.title} · {where}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:campaign_detail", args=[self.pk])

    @property
    def audience(self) -> str:
        return self.questionnaire.audience


class InvitationState(models.TextChoices):
    UNREACHABLE = "non_sollicitable", _("Non sollicitable (pas d'e-mail)")
    SENT = "envoyee", _("Envoyée")
    ANSWERED = "repondu", _("Répondu")


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    audience = models.CharField(max_length=20, choices=Audience.choices)
    name = models.CharField(_("destinataire"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    tutor = models.ForeignKey(
        Tutor, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    trainer = models.ForeignKey(
        Trainer, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    funder = models.ForeignKey(
        Funder, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=20, choices=InvitationState.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveIntegerField(_("relances"), default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    opened = models.BooleanField(_("ouverte"), default=False)
    answered_on = models.DateField(_("répondu le (jour)"), null=True, blank=True)
    expires_at = models.DateTimeField(_("lien valable jusqu'au"))

    class Meta:
        verbose_name = _("invitation")
        ordering = ["campaign", "name"]
        indexes = [
            models.Index(fields=["campaign", "state"]),
            models.Index(fields=["state", "sent_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.campaign}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:answer", args=[self.token])


class EventKind(models.TextChoices):
    SENT = "envoi", _("Envoi")
    REMINDED = "relance", _("Relance")
    OPENED = "ouverture", _("Ouverture")
    ANSWERED = "reponse", _("Réponse")


class InvitationEvent(models.Model):
    """Sent and reminded keep their time; opened and answered keep only the day when the
    questionnaire is anonymous (a precise time would help to join an answer)."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    day = models.DateField()
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["invitation", "day", "kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day}"


class AnonymousResponse(models.Model):
    """No invitation, no person, no time but the day; a random key; rows reshuffled."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="anonymous_responses"
    )
    day = models.DateField()
    sealed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["campaign", "day", "sealed"])]

    def __str__(self) -> str:
        return str(_("réponse anonyme"))


class AnswerBase(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    trainer = models.ForeignKey(
        Trainer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    number = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        abstract = True


class AnonymousAnswer(AnswerBase):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        AnonymousResponse, on_delete=models.CASCADE, related_name="answers"
    )
    # (the campaign again, so that results count answers without a join)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["campaign", "item", "trainer", "number"])]

    def __str__(self) -> str:
        return str(_("réponse anonyme"))


class AttributedResponse(models.Model):
    """An answer to an attributable questionnaire: who, for which enrolment, which day."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="attributed_responses"
    )
    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="response")
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback_responses",
    )
    day = models.DateField()
    submitted_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.invitation)


class AttributedAnswer(AnswerBase):
    response = models.ForeignKey(
        AttributedResponse, on_delete=models.CASCADE, related_name="answers"
    )
    # (the campaign again, so that results count answers without a join)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["campaign", "item", "trainer", "number"])]

    def __str__(self) -> str:
        return f"{self.item.key}={self.number if self.number is not None else self.text[:20]}"


class SummaryShare(models.Model):
    """The PDF summary of a session's results, shared with its teaching staff (I33)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="feedback_shares")
    shared_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    shared_at = models.DateTimeField()
    recipients = models.JSONField(_("destinataires"), default=list)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-shared_at"]

    def __str__(self) -> str:
        return f"{self.session} · {self.shared_at:%d/%m/%Y}"


class TriageOutcome(models.TextChoices):
    CASE = "dossier", _("Dossier de suivi")
    COMPLAINT = "reclamation", _("Réclamation")
    IMPROVEMENT = "amelioration", _("Suggestion d'amélioration")
    DISMISSED = "sans_suite", _("Sans suite")


class TriageDecision(models.Model):
    """A person's decision on a low score or a comment (see parcours.feedback.triage).

    An attributable answer is linked; an anonymous one is not (its rows are rewritten
    while their batch fills, and a link would be a way back to them): the decision keeps
    a copy of the score or the comment, and the day only. `reference` and `url` name what
    the decision opened (a follow-up case...), filled by the hook the app that handles
    the outcome registered; empty while that app does not exist yet.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="triage")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    answer = models.ForeignKey(
        AttributedAnswer,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="triage",
    )
    anonymous = models.BooleanField(_("réponse anonyme"), default=False)
    excerpt = models.TextField(_("réponse"), blank=True)
    outcome = models.CharField(_("suite donnée"), max_length=20, choices=TriageOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    reference = models.CharField(_("référence"), max_length=200, blank=True)
    url = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    decided_on = models.DateField(_("décidé le"))

    class Meta:
        verbose_name = _("décision de tri")
        verbose_name_plural = _("décisions de tri")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} · {self.item.text[:60]}"


from parcours.feedback.complaints import models as complaints_models  # noqa: E402, F401 (registers them)

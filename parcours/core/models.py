import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from parcours.core.bases import AuthoredModel, CreatedModel, TenantModel

siret_validator = RegexValidator(r"^\d{14}$", _("Le SIRET compte 14 chiffres."))
nda_validator = RegexValidator(
    r"^\d{11}$", _("Le numéro de déclaration d'activité compte 11 chiffres.")
)


class RnqVersion(models.TextChoices):
    V9 = "V9", _("RNQ V9 (32 indicateurs)")
    V10 = "V10", _("RNQ V10 (33 indicateurs, en vigueur le 1er novembre 2026)")


class Organisation(models.Model):
    name = models.CharField(_("raison sociale"), max_length=200)
    slug = models.SlugField(_("identifiant court"), max_length=60, unique=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True, validators=[siret_validator])
    nda = models.CharField(
        _("numéro de déclaration d'activité"), max_length=11, blank=True, validators=[nda_validator]
    )
    rnq_version = models.CharField(
        _("version du référentiel"),
        max_length=4,
        choices=RnqVersion.choices,
        default=RnqVersion.V10,
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(TenantModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(_("nom"), max_length=120)
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=120, blank=True)
    is_accessible = models.BooleanField(
        _("accessible aux personnes à mobilité réduite"), default=True
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("adresse e-mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_active = models.BooleanField(_("actif"), default=True)
    is_staff = models.BooleanField(_("accès à l'administration technique"), default=False)
    date_joined = models.DateTimeField(_("inscrit le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email


class Role(models.TextChoices):
    DIRECTION = "direction", _("Direction")
    QUALITE = "qualite", _("Référent qualité")
    SUIVI = "suivi", _("Chargé de suivi / formateur")
    TUTEUR = "tuteur", _("Tuteur entreprise")
    APPRENANT = "apprenant", _("Apprenant")
    AUDITEUR = "auditeur", _("Auditeur")


class Membership(TenantModel, CreatedModel):
    """A user's place in one organisation: the tenant of everything they see."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    expires_at = models.DateTimeField(
        _("accès jusqu'au"),
        null=True,
        blank=True,
        help_text=_("Pour les auditeurs: fin de l'accès."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rattachement")
        verbose_name_plural = _("rattachements")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organisation}"

    def is_valid_at(self, moment: dt.datetime) -> bool:
        return self.expires_at is None or moment < self.expires_at


def canonical(value: Any) -> Any:
    """Values as they are stored in the journal's JSON, so that hashing is stable."""
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 70.00 and 70 are the same duration
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [canonical(v) for v in value]
    return value


class JournalAction(models.TextChoices):
    CREATE = "create", _("Création")
    UPDATE = "update", _("Modification")
    DELETE = "delete", _("Suppression")
    EVENT = "event", _("Événement")


class JournalChain(models.Model):
    """The head of one organisation's chain: locked while an entry is appended.

    Entries from `keyed_from` on are hashed with an HMAC under the journal key; the ones
    before (written before keyed hashing existed) with plain SHA-256. The head itself is
    sealed with the key, so that neither the switch point nor the end of the chain can be
    rewritten by someone who does not hold the key.
    """

    key = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    keyed_from = models.BigIntegerField(default=1)
    seal = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.key} #{self.last_seq}"


class JournalEntry(CreatedModel):
    """One append-only, hash-chained record of a change made through a service."""

    chain = models.CharField(max_length=40)  # indexed by (chain, seq)
    seq = models.BigIntegerField()
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_entries",
    )
    created_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=10, choices=JournalAction.choices)
    verb = models.CharField(max_length=60, blank=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal")
        ordering = ["chain", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="journal_chain_seq")]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("journal entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("journal entries are append-only")

    def compute_hash(self, key: bytes | None = None) -> str:
        """The entry's hash: an HMAC under `key`, or plain SHA-256 for entries written
        before keyed hashing (key=None)."""
        return entry_digest(
            chain=self.chain,
            seq=self.seq,
            organisation_id=self.organisation_id,
            created_at=self.created_at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            action=self.action,
            verb=self.verb,
            object_type=self.object_type,
            object_id=self.object_id,
            object_repr=self.object_repr,
            changes_json=changes_json(self.changes),
            prev_hash=self.prev_hash,
            key=key,
        )


def changes_json(changes: Any) -> str:
    """The canonical text of an entry's changes: what is stored and what is hashed."""
    return json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_digest(
    *,
    chain: str,
    seq: int,
    organisation_id: int | None,
    created_at: dt.datetime,
    actor_id: int | None,
    actor_label: str,
    action: str,
    verb: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes_json: str,
    prev_hash: str,
    key: bytes | None = None,
) -> str:
    """HMAC-SHA256 under `key` (plain SHA-256 without one) of an entry's content and of
    the previous entry's hash."""
    head = json.dumps(
        [
            chain,
            seq,
            organisation_id,
            created_at.astimezone(dt.UTC).isoformat(),
            actor_id,
            actor_label,
            action,
            verb,
            object_type,
            object_id,
            object_repr,
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    payload = f"{head}{changes_json}".encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def chain_seal(*, key: bytes, chain: str, last_seq: int, last_hash: str, keyed_from: int) -> str:
    """The HMAC that binds a chain's head: its end and where keyed hashing starts."""
    payload = json.dumps(["journal-head", chain, last_seq, last_hash, keyed_from])
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


class JobState(models.TextChoices):
    QUEUED = "queued", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class Job(AuthoredModel):
    """Background work queued in the database and claimed atomically by `parcours worker`."""

    kind = models.CharField(max_length=60, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dedupe_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    run_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    locked_by = models.CharField(max_length=120, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    progress_done = models.BigIntegerField(default=0)
    progress_total = models.BigIntegerField(default=0)
    progress_label = models.CharField(max_length=200, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tâche de fond")
        verbose_name_plural = _("tâches de fond")
        indexes = [models.Index(fields=["state", "run_after"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 100 if self.state == JobState.DONE else 0
        return min(100, int(100 * self.progress_done / self.progress_total))


class ScheduledTask(models.Model):
    """A periodic task's next due time, claimed atomically so only one worker runs it."""

    name = models.CharField(max_length=60, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

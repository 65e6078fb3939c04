"""Writing the pack: a ZIP streamed to disk, one folder per indicator, then `journal/`,
`MANIFEST.csv`, `LISEZMOI.txt` and `SHA256SUMS` (every file, in `sha256sum -c` format).

Files are written one at a time into the archive and hashed as they are written: the whole
ZIP is never held in memory. Nothing recorded after the end of the as_of day is read.
"""

import datetime as dt
import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.audit import framework
from parcours.audit.pack import registry, sections
from parcours.audit.pack import sample as pack_sample
from parcours.core import journal_chain
from parcours.core.models import JournalEntry, Organisation
from parcours.learners.models import Enrolment
from parcours.lib import exports

Progress = Callable[[int, str], None]

_UNSAFE = re.compile(r"[^A-Za-z0-9._/-]+")


@dataclass(frozen=True)
class Written:
    path: str
    sha256: str
    source: str
    generated_at: dt.datetime


@dataclass
class PackResult:
    path: Path
    sha256: str
    files: list[Written] = field(default_factory=list)
    journal_ok: bool = True
    head: journal_chain.Head | None = None


class _Hashing(io.RawIOBase):
    """A write-only stream that hashes what goes through it into the ZIP entry."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self.digest.update(chunk)
        self.target.write(chunk)
        return len(chunk)


def end_of_day(day: dt.date) -> dt.datetime:
    start_next = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return start_next - dt.timedelta(microseconds=1)


def safe_name(name: str) -> str:
    return _UNSAFE.sub("-", name).strip("-") or "fichier"


class _Pack:
    def __init__(self, archive: zipfile.ZipFile, generated_at: dt.datetime) -> None:
        self.archive = archive
        self.generated_at = generated_at
        self.files: list[Written] = []

    def put(
        self, path: str, source: str, *, content: bytes | None = None, write: Any = None
    ) -> None:
        path = safe_name(path)
        with self.archive.open(path, "w", force_zip64=True) as entry:
            hashing = _Hashing(entry)
            if content is not None:
                hashing.write(content)
            elif write is not None:
                write(hashing)
        self.files.append(Written(path, hashing.digest.hexdigest(), source, self.generated_at))


def build(
    organisation: Organisation,
    *,
    as_of: dt.date,
    output: Path,
    seed: int | None = None,
    sample_size: int | None = None,
    progress: Progress | None = None,
    generated_at: dt.datetime | None = None,
) -> PackResult:
    """Write the evidence pack of `organisation` as of `as_of` to `output` (a .zip).

    The sample (the sessions and learners whose records go in) is the latest mock audit's
    as of `as_of`, or drawn with `seed` and `sample_size` (see `pack.sample`)."""
    generated_at = generated_at or timezone.now()
    report = progress or (lambda percent, label: None)
    sample = pack_sample.resolve(organisation, as_of, seed=seed, size=sample_size)
    ctx = registry.PackContext(
        organisation=organisation,
        as_of=as_of,
        period_start=as_of - dt.timedelta(days=365),
        until=end_of_day(as_of),
        generated_at=generated_at,
        sample=sample,
        version=framework.version_on(as_of),
        notes=[_("Échantillon : %(origin)s.") % {"origin": sample.origin}],
    )
    found = registry.sections()
    steps = len(found) + 3
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        pack = _Pack(archive, generated_at)
        _sample_file(pack, ctx)
        for done, section in enumerate(found):
            report(int(100 * done / steps), f"{section.folder} · {section.name}")
            for item in section.builder(ctx):
                pack.put(
                    f"{section.folder}/{item.name}",
                    item.source,
                    content=item.content,
                    write=item.write,
                )
        report(int(100 * len(found) / steps), _("Journal : extrait et vérification"))
        verification, head = _journal(pack, ctx)
        report(int(100 * (len(found) + 1) / steps), _("Référentiel"))
        _framework(pack, ctx)
        report(int(100 * (len(found) + 2) / steps), _("Manifeste et empreintes"))
        _readme(pack, ctx, verification, head)
        _manifest(pack)
        sums = "".join(f"{w.sha256}  {w.path}\n" for w in pack.files)
        archive.writestr("SHA256SUMS", sums.encode())
    digest = hashlib.sha256()
    with output.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    report(100, _("Terminé"))
    return PackResult(output, digest.hexdigest(), pack.files, verification.ok, head)


def _sample_file(pack: _Pack, ctx: registry.PackContext) -> None:
    """echantillon.csv: the sessions and learners whose records are in the pack."""
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            organisation=ctx.organisation, pk__in=ctx.sample.enrolment_ids
        ).select_related("learner")
    }
    category = {pk: c for c, part in ctx.sample.drawn.items() for pk in part.get("sessions", [])}
    rows = []
    for session in pack_sample.sessions_of(ctx.organisation, ctx.sample):
        own: list[Enrolment | None] = [
            enrolments[pk] for pk in ctx.sample.by_session[session.pk] if pk in enrolments
        ]
        for enrolment in own or [None]:
            rows.append(
                [
                    category.get(session.pk, ""),
                    session.external_id,
                    session.title,
                    enrolment.learner.external_id if enrolment else "",
                ]
            )
    content = exports.csv_text(
        [_("catégorie"), _("session (id)"), _("session"), _("apprenant (id)")],
        rows,
        dialect=exports.PEOPLE,
    ).encode()
    pack.put("echantillon.csv", ctx.sample.origin, content=content)


def _journal(
    pack: _Pack, ctx: registry.PackContext
) -> tuple[journal_chain.Verification, journal_chain.Head]:
    org = ctx.organisation
    key = journal_chain.chain_key(org.pk)
    period_start = timezone.make_aware(dt.datetime.combine(ctx.period_start, dt.time()))
    entries = (
        JournalEntry.objects.filter(
            chain=key, created_at__gte=period_start, created_at__lte=ctx.until
        )
        .order_by("seq")
        .values_list(
            "seq",
            "created_at",
            "actor_label",
            "action",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "prev_hash",
            "hash",
        )
    )

    def rows() -> Any:
        for row in entries.iterator(chunk_size=5000):
            yield [*row[:1], timezone.localtime(row[1]).isoformat(), *row[2:]]

    header = [
        "seq",
        "created_at",
        "actor",
        "action",
        "verb",
        "object_type",
        "object_id",
        "object",
        "changes",
        "prev_hash",
        "hash",
    ]
    extract = sections.csv_file(
        "extrait.csv",
        _("Entrées du journal du %(start)s au %(end)s (chaîne %(chain)s)")
        % {"start": ctx.period_start.isoformat(), "end": ctx.as_of.isoformat(), "chain": key},
        header,
        rows(),
    )
    pack.put("journal/extrait.csv", extract.source, write=extract.write)
    verification = journal_chain.verify(org.pk)
    head = journal_chain.head_of(org.pk)
    at_as_of = (
        JournalEntry.objects.filter(chain=key, created_at__lte=ctx.until)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    lines = [
        _("Vérification du journal de %(org)s, le %(when)s")
        % {
            "org": org.name,
            "when": timezone.localtime(ctx.generated_at).strftime("%d/%m/%Y %H:%M"),
        },
        _("Résultat : %(result)s")
        % {"result": _("journal intègre") if verification.ok else _("journal altéré")},
        _("Entrées vérifiées : %(n)s") % {"n": verification.entries},
    ]
    lines += [str(problem) for problem in verification.problems]
    lines.append(
        _("Tête de chaîne au moment de la constitution : %(line)s") % {"line": head.line()}
    )
    if at_as_of is not None:
        lines.append(
            _("Dernière entrée à la date de référence (%(day)s) : %(chain)s %(seq)s %(hash)s")
            % {"day": ctx.as_of.isoformat(), "chain": key, "seq": at_as_of[0], "hash": at_as_of[1]}
        )
    pack.put(
        "journal/VERIFICATION.txt",
        _("Vérification du journal (parcours journal verify)"),
        content=("\n".join(lines) + "\n").encode(),
    )
    anchor = journal_chain.anchor_text([head], as_of=ctx.generated_at, names={key: org.name})
    pack.put(
        "journal/TETES.txt",
        _("Têtes de chaîne (format de parcours journal head)"),
        content=anchor.encode(),
    )
    return verification, head


def _framework(pack: _Pack, ctx: registry.PackContext) -> None:
    version = ctx.version
    header = ["version", "indicateur", "critère", "intitulé", "texte", "catégories", "source"]
    rows = [
        [
            version.code,
            item.number,
            item.criterion,
            item.title,
            item.text,
            " ".join(sorted(item.applies_to)),
            item.source,
        ]
        for item in version.indicators
    ]
    content = exports.csv_text(header, rows, dialect=exports.PEOPLE).encode()
    pack.put(
        f"referentiel-{version.code}.csv",
        _("Textes du référentiel en vigueur le %(day)s") % {"day": ctx.as_of.isoformat()},
        content=content,
    )


README = gettext_lazy(
    """\
Dossier de preuves Qualiopi — %(org)s
Date de référence : %(as_of)s · constitué le %(when)s · référentiel %(version)s

Contenu
- Un dossier par indicateur (I12, I30, I31, I32, I33) avec les pièces qui le démontrent.
  Les pièces par apprenant (émargements, dossiers de suivi) portent sur l'échantillon
  (echantillon.csv, voir « Remarques ») ; statistiques et registres sont complets.
- echantillon.csv : les sessions et apprenants de l'échantillon, par catégorie d'action.
- journal/ : l'extrait du journal de la période (%(start)s au %(as_of)s), le résultat de sa
  vérification et la tête de chaîne au moment de la constitution (TETES.txt).
- MANIFEST.csv : chaque fichier, son empreinte SHA-256, l'enregistrement dont il provient
  et l'heure de sa production.
- SHA256SUMS : les empreintes de tous les fichiers, au format de l'outil sha256sum.

Vérifier que rien n'a été modifié
1. Décompressez l'archive dans un dossier vide et placez-vous dans ce dossier.
2. Lancez : sha256sum -c SHA256SUMS
   (macOS : shasum -a 256 -c SHA256SUMS ; Windows PowerShell : Get-FileHash -Algorithm SHA256
   pour chaque fichier, à comparer à la ligne correspondante).
   Chaque ligne doit se terminer par « OK » ; un fichier modifié est signalé « FAILED ».
3. Comparez la ligne de journal/TETES.txt (chaîne, numéro, empreinte) avec la tête de chaîne
   que l'organisme reçoit chaque semaine par courriel ou qu'il imprime avec
   « parcours journal head » : l'empreinte doit être identique pour le même numéro, ou bien
   la chaîne du jour doit la prolonger (« parcours journal verify --anchor journal/TETES.txt »).

%(notes)s"""
)


def _readme(
    pack: _Pack,
    ctx: registry.PackContext,
    verification: journal_chain.Verification,
    head: journal_chain.Head,
) -> None:
    notes = "\n".join(f"- {note}" for note in ctx.notes)
    text = str(README) % dict(
        org=ctx.organisation.name,
        as_of=ctx.as_of.isoformat(),
        start=ctx.period_start.isoformat(),
        when=timezone.localtime(ctx.generated_at).strftime("%d/%m/%Y %H:%M"),
        version=ctx.version.code,
        notes=(_("Remarques") + "\n" + notes + "\n") if notes else "",
    )
    pack.put("LISEZMOI.txt", _("Mode d'emploi du dossier de preuves"), content=text.encode())


def _manifest(pack: _Pack) -> None:
    rows = [
        [w.path, w.sha256, w.source, timezone.localtime(w.generated_at).isoformat()]
        for w in pack.files
    ]
    content = exports.csv_text(
        ["fichier", "sha256", "source", "produit le"], rows, dialect=exports.PEOPLE
    ).encode()
    pack.put("MANIFEST.csv", _("Manifeste du dossier de preuves"), content=content)

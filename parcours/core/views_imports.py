"""Upload pages for the exchange files: the form, the job's progress and outcome, templates."""

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from parcours.core import imports
from parcours.core.access import capability_required, get_scoped, organisation_for, scoped
from parcours.core.models import Job
from parcours.lib import exports, tabular

CAPABILITY = "records.import"
RECENT = 20
# What a request body holds besides the file: the other fields and multipart headers.
FORM_OVERHEAD_BYTES = 64 * 1024


def _too_big(size: int | None = None) -> str:
    limit = filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)
    if size is None:
        return _("Fichier trop volumineux : %(max)s au plus.") % {"max": limit}
    return _("Fichier trop volumineux (%(size)s) : %(max)s au plus.") % {
        "size": filesizeformat(size),
        "max": limit,
    }


class UploadLimit(FileUploadHandler):
    """Stops reading the request as soon as a file passes the limit, without reading the
    rest of the body (for a request whose Content-Length was missing or wrong)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Type de fichier"))
    file = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Vérifier seulement (aucune écriture)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)  # noqa: S101
        kind.choices = [(k, i.label) for k, i in imports.IMPORTERS.items()]
        self.fields["file"].help_text = _(
            "CSV en UTF-8, séparé par des virgules (ou des points-virgules), avec une ligne "
            "d'en-tête ; ou XLSX avec les mêmes colonnes. %(size)s au plus."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            tabular.format_of(upload.name or "")
        except tabular.TableError as exc:
            raise forms.ValidationError(exc.message) from None
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_too_big(upload.size))
        return upload


@csrf_exempt  # checked below, once the body is known to be of an acceptable size
@capability_required(CAPABILITY)
def import_upload(request: HttpRequest) -> HttpResponse:
    """The upload form. A body announced over the limit is refused before it is read; one
    that grows past it while read is cut off there."""
    if request.method == "POST":
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            announced = 0
        if announced > limit + FORM_OVERHEAD_BYTES:
            return _upload_page(request, ImportForm(), error=_too_big(), status=413)
        guard = UploadLimit(request, limit)
        request.upload_handlers = [guard, *request.upload_handlers]
        return _checked_upload(request, guard)
    return _upload_page(request, ImportForm())


@csrf_protect
def _checked_upload(request: HttpRequest, guard: UploadLimit) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if guard.exceeded:
        return _upload_page(request, ImportForm(), error=_too_big(), status=413)
    if form.is_valid():
        organisation = organisation_for(request.user, CAPABILITY)
        job = imports.start_import(
            organisation,
            acting_user=request.user,  # type: ignore[arg-type]
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("import_detail", pk=job.pk)
    return _upload_page(request, form)


def _upload_page(
    request: HttpRequest, form: ImportForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    if error:
        form.errors["file"] = form.error_class([error])
    recent = (
        scoped(request.user, Job.objects.filter(kind=imports.JOB_KIND), CAPABILITY)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT]
    )
    return render(
        request,
        "imports/upload.html",
        {
            "form": form,
            "importers": imports.IMPORTERS,
            "recent": recent,
            "max_bytes": settings.IMPORT_MAX_UPLOAD_BYTES,
            "too_big": _too_big(),
        },
        status=status,
    )


@capability_required(CAPABILITY)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_scoped(request.user, Job.objects.filter(kind=imports.JOB_KIND), CAPABILITY, pk=pk)
    return render(
        request,
        "imports/job.html",
        {"job": job, "kind_label": imports.kind_label(job.payload.get("kind", ""))},
    )


@capability_required(CAPABILITY)
def import_errors(request: HttpRequest, pk: int, fmt: str = "csv") -> HttpResponse:
    """The errors of a refused file, to work through in a spreadsheet (for people)."""
    job = get_scoped(request.user, Job.objects.filter(kind=imports.JOB_KIND), CAPABILITY, pk=pk)
    errors = job.result.get("errors") or []
    stem = Path(job.payload.get("filename") or "import").stem
    return exports.table_response(
        fmt,
        f"erreurs-{stem}",
        [_("ligne"), _("colonne"), _("motif")],
        ([e["line"] or None, e["column"], e["message"]] for e in errors),
        sheet=_("Erreurs"),
    )


@capability_required(CAPABILITY)
def import_template(request: HttpRequest, kind: str, fmt: str = "csv") -> HttpResponse:
    """A file to fill in: the exchange format's CSV, or the same columns in XLSX."""
    if kind not in imports.IMPORTERS:
        raise Http404
    header, rows = imports.template_table(kind)
    return exports.table_response(
        fmt, f"parcours-{kind}", header, rows, sheet=kind, dialect=exports.EXCHANGE
    )

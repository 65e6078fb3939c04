"""Upload pages for the exchange files: the form, the job's progress and outcome, templates."""

from typing import Any

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core import imports
from parcours.core.access import capability_required, get_scoped, organisation_for, scoped
from parcours.core.models import Job
from parcours.lib import tabular

CAPABILITY = "records.import"
RECENT = 20


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
            "CSV en UTF-8, séparé par des virgules, avec une ligne d'en-tête ; ou XLSX avec "
            "les mêmes colonnes. %(size)s au plus."
        ) % {"size": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            tabular.format_of(upload.name or "")
        except tabular.TableError as exc:
            raise forms.ValidationError(exc.message) from None
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Fichier trop volumineux (%(size)s) : %(max)s au plus.")
                % {
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES),
                }
            )
        return upload


@capability_required(CAPABILITY)
def import_upload(request: HttpRequest) -> HttpResponse:
    organisation = organisation_for(request.user, CAPABILITY)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = imports.start_import(
            organisation,
            acting_user=request.user,  # type: ignore[arg-type]
            kind=form.cleaned_data["kind"],
            upload=form.cleaned_data["file"],
            dry_run=form.cleaned_data["dry_run"],
        )
        return redirect("import_detail", pk=job.pk)
    recent = (
        scoped(request.user, Job.objects.filter(kind=imports.JOB_KIND), CAPABILITY)
        .select_related("created_by")
        .order_by("-created_at", "-pk")[:RECENT]
    )
    return render(
        request,
        "imports/upload.html",
        {"form": form, "importers": imports.IMPORTERS, "recent": recent},
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
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in imports.IMPORTERS:
        raise Http404
    response = HttpResponse(imports.template_csv(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="parcours-{kind}.csv"'
    return response

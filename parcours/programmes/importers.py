"""The `sessions` exchange file (DESIGN.md, "Exchange formats"), matched by external_id."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from parcours.core.imports import Column, Importer, Row, Values, register
from parcours.programmes.models import Category, Modality, Session

CATEGORIES = tuple(Category.values)
MODALITIES = tuple(Modality.values)


@register
class SessionImporter(Importer):
    kind = "sessions"
    label = gettext_lazy("Sessions")
    model = Session
    columns = (
        Column(
            "external_id",
            gettext_lazy("identifiant de la session (obligatoire, unique)"),
            "CPT-2026-01",
        ),
        Column("title", gettext_lazy("intitulé (obligatoire)"), "Comptabilité (printemps 2026)"),
        Column("category", gettext_lazy("catégorie : AF, BC, VAE ou APP"), "AF"),
        Column(
            "modality", gettext_lazy("modalité : presentiel, distanciel ou hybride"), "presentiel"
        ),
        Column("start_date", gettext_lazy("début, AAAA-MM-JJ"), "2026-03-02"),
        Column("end_date", gettext_lazy("fin, AAAA-MM-JJ (au plus tôt le début)"), "2026-06-26"),
        Column("duration_hours", gettext_lazy("durée en heures (par exemple 70 ou 10.5)"), "70"),
    )
    fields = (
        "external_id",
        "title",
        "category",
        "modality",
        "start_date",
        "end_date",
        "duration_hours",
    )
    key_fields = ("external_id",)
    key_columns = ("external_id",)

    def parse(self, row: Row) -> Values | None:
        external_id = row.text("external_id", max_length=80, required=True)
        title = row.text("title", max_length=200, required=True)
        category = row.choice("category", CATEGORIES)
        modality = row.choice("modality", MODALITIES)
        start_date = row.date("start_date")
        end_date = row.date("end_date")
        duration = row.decimal(
            "duration_hours", max_digits=7, decimal_places=2, min_value=Decimal(0)
        )
        if start_date and end_date and end_date < start_date:
            row.error(
                "end_date",
                _("la fin (%(end)s) précède le début (%(start)s)")
                % {"end": end_date.isoformat(), "start": start_date.isoformat()},
            )
        if row.failed:
            return None
        return (external_id, title, category, modality, start_date, end_date, duration)

    def describe(self, values: Values) -> str:
        return f"{values[1]} ({values[4]:%d/%m/%Y})"

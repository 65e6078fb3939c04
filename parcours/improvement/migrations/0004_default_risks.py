"""The starting risk register for the organisations that exist already (new ones get it
from the organisation-created hook: see risks.services.organisation_created)."""

from django.db import migrations


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.utils import translation

    from parcours.improvement.risks import defaults

    Organisation = apps.get_model("core", "Organisation")
    Risk = apps.get_model("improvement", "Risk")
    with translation.override("fr"):
        for organisation in Organisation.objects.all():
            existing = set(
                Risk.objects.filter(organisation=organisation).values_list("key", flat=True)
            )
            Risk.objects.bulk_create(
                Risk(
                    organisation=organisation,
                    key=spec.key,
                    title=str(spec.title),
                    category=spec.category,
                    likelihood=spec.likelihood,
                    impact=spec.impact,
                    controls=str(spec.controls),
                )
                for spec in defaults.DEFAULT_RISKS
                if spec.key not in existing
            )


class Migration(migrations.Migration):
    dependencies = [("improvement", "0003_quality_reviews_and_risk_register")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

"""Organisations created before the complaints procedure shipped get its default version
now (new ones get it at creation), so that no page has to create it on first view (a GET
writes nothing).

Calls the app's service (the journal entry is written with it), as safeguarding's
default procedure does: a data migration that only acts on rows that exist when it runs.
"""

from django.db import migrations


def create_defaults(apps, schema_editor):  # type: ignore[no-untyped-def]
    from django.utils import translation

    from parcours.core.models import Organisation
    from parcours.feedback.complaints import services

    with translation.override("fr"):
        for organisation in Organisation.objects.order_by("pk"):
            services.organisation_created(organisation, None)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0005_complaint_procedure"), ("core", "0003_cache_table")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

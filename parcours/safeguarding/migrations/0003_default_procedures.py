"""Organisations created before the defaults were made at creation get them now, so that
no page has to create them on first view (a GET writes nothing).

Calls the app's service (the journal entry is written with it): a data migration that
only acts on rows that exist when it runs, with the models of this release.
"""

from django.db import migrations


def create_defaults(apps, schema_editor):
    from parcours.core.models import Organisation
    from parcours.safeguarding import services

    for organisation in Organisation.objects.order_by("pk"):
        services.organisation_created(organisation, None)


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0002_measure_attestation"), ("core", "0003_cache_table")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]

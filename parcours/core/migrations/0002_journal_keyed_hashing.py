from django.conf import settings
from django.db import migrations, models


def seal_existing_chains(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Chains written so far keep their plain SHA-256 entries; keyed hashing starts after
    their last entry, and the head is sealed with the journal key."""
    from parcours.core.journal_chain import seal_legacy_chains

    seal_legacy_chains(apps.get_model("core", "JournalChain"), str(settings.JOURNAL_KEY).encode())


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="journalchain",
            name="keyed_from",
            field=models.BigIntegerField(default=1),
        ),
        migrations.AddField(
            model_name="journalchain",
            name="seal",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RunPython(seal_existing_chains, migrations.RunPython.noop),
    ]

"""The database cache's table (settings.CACHES, when CACHE_URL is not set).

The throttles count there, so the table must exist wherever `migrate` has run: in
production, in the demo and in the tests' databases alike. Same as `createcachetable`,
which skips a table that already exists and caches that are not in the database.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_journal_keyed_hashing")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]

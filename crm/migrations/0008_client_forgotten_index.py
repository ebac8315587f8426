from django.db import migrations

from crm.db import PostgresOnlySQL


class Migration(migrations.Migration):
    """ "Forgotten clients" walk this index in their order (never contacted first, then the oldest
    interaction) and stop at a page, instead of sorting every silent client of a region.
    PostgreSQL only: SQLite cannot put NULLS FIRST in an index."""

    dependencies = [("crm", "0007_client_open_recent_index")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS client_forgotten_idx ON crm_client "
            "(last_interaction_at ASC NULLS FIRST, id) WHERE NOT (status = 'archived')",
            "DROP INDEX IF EXISTS client_forgotten_idx",
        ),
    ]

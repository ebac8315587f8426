from django.db import migrations

from crm.db import PostgresOnlySQL


class Migration(migrations.Migration):
    """Indexes for search on PostgreSQL: trigram for names, prefix for INN, phones and emails."""

    dependencies = [("crm", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        # name__icontains / name_key__icontains: UPPER(name) LIKE UPPER('%q%')
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS client_name_trgm ON crm_client USING gin (UPPER(name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS client_name_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS client_short_name_trgm ON crm_client USING gin (UPPER(short_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS client_short_name_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS client_name_key_trgm ON crm_client USING gin (name_key gin_trgm_ops)",
            "DROP INDEX IF EXISTS client_name_key_trgm",
        ),
        # inn__startswith
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS client_inn_prefix ON crm_client (inn varchar_pattern_ops)",
            "DROP INDEX IF EXISTS client_inn_prefix",
        ),
        # normalized__startswith (phones in E.164, lower-cased emails)
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS contact_point_normalized_prefix "
            "ON crm_contactpoint (normalized varchar_pattern_ops)",
            "DROP INDEX IF EXISTS contact_point_normalized_prefix",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS contact_last_name_trgm ON crm_contact USING gin (UPPER(last_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS contact_last_name_trgm",
        ),
    ]

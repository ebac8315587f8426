from django.db import migrations

from crm.db import PostgresOnlySQL


class Migration(migrations.Migration):
    """Trigram indexes for contact search by first name and patronymic (PostgreSQL).

    Serves `last_name__icontains=w | first_name__icontains=w | middle_name__icontains=w`,
    which otherwise falls back to a sequential scan of all contacts.
    """

    dependencies = [("crm", "0004_catalog_sales_documents_abc")]

    operations = [
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS contact_first_name_trgm ON crm_contact USING gin (UPPER(first_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS contact_first_name_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS contact_middle_name_trgm "
            "ON crm_contact USING gin (UPPER(middle_name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS contact_middle_name_trgm",
        ),
    ]

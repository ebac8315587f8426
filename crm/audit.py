"""Field-level history of the core models (who, when, which field, old and new value).

django-auditlog records every create, change and delete made through the ORM's save()
and delete() with the acting user (set by its middleware); bulk operations write their
own log (TransferLog, MergeLog).
"""

from auditlog.registry import auditlog

from crm.models import Client, Contact, ContactPoint, Task

auditlog.register(Client, exclude_fields=["name_key", "updated_at", "last_interaction_at", "created_at"])
auditlog.register(Contact, exclude_fields=["updated_at", "created_at"])
auditlog.register(ContactPoint, exclude_fields=["normalized"])
auditlog.register(Task, exclude_fields=["updated_at", "created_at", "reminded_at"])

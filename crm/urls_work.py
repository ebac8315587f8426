"""URLs of interactions, tasks and notifications (included into the "crm" namespace)."""

urlpatterns: list = []

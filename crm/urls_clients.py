"""URLs of clients, contacts, search (included into the "crm" namespace)."""

urlpatterns: list = []

"""URLs of clients, contacts, search (included into the "crm" namespace)."""

from django.urls import path

from crm.views import clients, contacts, search

urlpatterns = [
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_create_view, name="client_create"),
    path("clients/duplicates/", clients.client_duplicates_check, name="client_duplicates"),
    path("clients/merge/", clients.client_merge_view, name="client_merge"),
    path("clients/transfer/", clients.client_transfer_view, name="client_transfer"),
    path("clients/transfers/", clients.transfer_log_view, name="transfer_log"),
    path("clients/forgotten/", clients.forgotten_clients, name="forgotten_clients"),
    path("clients/<int:pk>/", clients.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", clients.client_update_view, name="client_update"),
    path("clients/<int:pk>/archive/", clients.client_archive_view, name="client_archive"),
    path("clients/<int:pk>/restore/", clients.client_restore_view, name="client_restore"),
    path("clients/<int:pk>/timeline/", clients.client_timeline_page, name="client_timeline"),
    path("clients/<int:pk>/tab/<slug:key>/", clients.client_tab, name="client_tab"),
    path("clients/<int:pk>/forgotten-task/", clients.forgotten_task_create, name="forgotten_task_create"),
    path("clients/<int:client_pk>/contacts/new/", contacts.contact_create_view, name="contact_create"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_update_view, name="contact_update"),
    path("contacts/<int:pk>/move/", contacts.contact_move_view, name="contact_move"),
    path("contacts/<int:pk>/archive/", contacts.contact_archive_view, name="contact_archive"),
    path("contacts/<int:pk>/restore/", contacts.contact_restore_view, name="contact_restore"),
    path("search/", search.search, name="search"),
]

"""URLs of the equipment app (namespace "equipment", mounted at /equipment/)."""

from django.urls import path

from equipment import views

app_name = "equipment"

urlpatterns = [
    path("", views.journal, name="journal"),
    path("summary/", views.journal_summary_view, name="journal_summary"),
    path("export/", views.journal_export, name="journal_export"),
    path("new/", views.equipment_add, name="add"),
    path("clients/", views.client_search, name="client_search"),
    path("clients/options/", views.client_options, name="client_options"),
    path("<int:pk>/", views.equipment_detail, name="detail"),
    path("<int:pk>/edit/", views.equipment_edit, name="edit"),
    path("<int:pk>/visits/new/", views.visit_add, name="visit_add"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("photos/<int:pk>/", views.photo_view, name="photo"),
    path("<int:pk>/archive/", views.equipment_archive_view, name="archive"),
]

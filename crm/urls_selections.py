"""URLs of selections (included into the "crm" namespace)."""

from django.urls import path

from crm.views import selections

urlpatterns = [
    path("selections/", selections.selection_list, name="selection_list"),
    path("selections/new/", selections.selection_create_view, name="selection_create"),
    path("selections/<int:pk>/", selections.selection_detail, name="selection_detail"),
    path("selections/<int:pk>/archive/", selections.selection_archive_view, name="selection_archive"),
]

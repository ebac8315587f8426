"""URLs of the core app (namespace "crm"), assembled from one module per topic."""

from django.urls import path

from crm import urls_clients, urls_sales, urls_selections, urls_work
from crm.views import home

app_name = "crm"

urlpatterns = [
    path("", home.home, name="home"),
    *urls_clients.urlpatterns,
    *urls_work.urlpatterns,
    *urls_selections.urlpatterns,
    *urls_sales.urlpatterns,
]

"""URLs of the core app (namespace "crm")."""

from django.urls import path

from crm.views import home

app_name = "crm"

urlpatterns = [
    path("", home.home, name="home"),
]

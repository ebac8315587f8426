from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from crm.views import system

urlpatterns = [
    path("", include("crm.urls_app")),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/setlang/", system.set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("healthz", system.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

# Later apps plug in their URLs here when they exist.
for app, prefix in (("equipment", "equipment/"), ("funnel", "funnel/"), ("integrations", "")):
    if app in settings.INSTALLED_APPS:
        urlpatterns.append(path(prefix, include(f"{app}.urls")))

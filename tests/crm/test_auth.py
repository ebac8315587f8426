"""Logging in and out, changing one's password, and the lock-out after repeated failed logins."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
NEW_PASSWORD = "Orchard-pump-2031"


@pytest.fixture
def axes(settings):
    """Failed-login throttling as in production (the test settings turn it off)."""
    from axes.models import AccessAttempt

    settings.AXES_ENABLED = True
    AccessAttempt.objects.all().delete()
    return settings


def attempt(http: HttpClient, password: str, username: str = "manager"):
    return http.post(LOGIN, {"username": username, "password": password})


def test_it_logs_in_with_the_right_password(manager):
    http = HttpClient()
    response = attempt(http, "pass")
    assert response.status_code == 302
    assert http.session["_auth_user_id"] == str(manager.pk)


def test_it_locks_the_name_out_after_five_failures(axes, manager):
    http = HttpClient()
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        response = attempt(http, "wrong")
        assert response.status_code == 200
        assert response.context["form"].errors
    assert attempt(http, "wrong").status_code == 429  # the fifth failure locks
    # Even the right password is refused now, with the lock-out page.
    response = attempt(http, "pass")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in http.session


def test_the_lock_out_is_per_name(axes, manager, colleague):
    http = HttpClient()
    for _ in range(axes.AXES_FAILURE_LIMIT):
        attempt(http, "wrong")
    response = attempt(http, "pass", username="colleague")
    assert response.status_code == 302
    assert http.session["_auth_user_id"] == str(colleague.pk)


def test_a_success_before_the_limit_resets_the_count(axes, manager):
    http = HttpClient()
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        attempt(http, "wrong")
    assert attempt(http, "pass").status_code == 302
    http.post(reverse("logout"))
    for _ in range(axes.AXES_FAILURE_LIMIT - 1):
        attempt(http, "wrong")
    assert attempt(http, "pass").status_code == 302


def test_it_changes_the_password_and_keeps_the_user_logged_in(as_user, manager):
    http = as_user(manager)
    response = http.post(
        reverse("password_change"),
        {"old_password": "pass", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)
    assert http.get(reverse("crm:home")).status_code == 200
    assert attempt(HttpClient(), NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("old", "new2", "field"),
    [
        ("wrong", NEW_PASSWORD, "old_password"),
        ("pass", "something-else-2031", "new_password2"),
    ],
)
def test_a_bad_password_change_shows_an_error_and_changes_nothing(as_user, manager, old, new2, field):
    response = as_user(manager).post(
        reverse("password_change"), {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": new2}
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    manager.refresh_from_db()
    assert manager.check_password("pass")
    assert not manager.check_password(NEW_PASSWORD)


def test_the_password_page_needs_a_login():
    response = HttpClient().get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_it_logs_out(as_user, manager):
    http = as_user(manager)
    assert http.get(reverse("logout")).status_code == 405  # only by POST, so a link cannot log anyone out
    response = http.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in http.session
    after = http.get(reverse("crm:client_list"))
    assert after.status_code == 302
    assert after["Location"].startswith(LOGIN)

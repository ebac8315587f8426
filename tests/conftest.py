"""Fixtures shared by every test: users of each role in two regions, and a logged-in client."""

import pytest
from django.test import Client as HttpClient

from tests.factories import RegionFactory, UserFactory


@pytest.fixture(autouse=True)
def _settings_for_tests(settings, tmp_path):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.AXES_ENABLED = False
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.LANGUAGE_CODE = "en"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A fresh in-memory cache per test: cached reference lists never leak between tests or databases.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(tmp_path)}
    }


@pytest.fixture
def region_a(db):
    return RegionFactory(name="Region A")


@pytest.fixture
def region_b(db):
    return RegionFactory(name="Region B")


@pytest.fixture
def admin_user(region_a):
    return UserFactory(username="admin", role="admin", region=region_a)


@pytest.fixture
def head(region_a):
    return UserFactory(username="head", role="head", region=region_a)


@pytest.fixture
def manager(region_a):
    return UserFactory(username="manager", role="manager", region=region_a)


@pytest.fixture
def colleague(region_a):
    """Another manager of the same region: sees nothing of `manager`'s clients."""
    return UserFactory(username="colleague", role="manager", region=region_a)


@pytest.fixture
def outsider(region_b):
    """A manager of another region."""
    return UserFactory(username="outsider", role="manager", region=region_b)


@pytest.fixture
def engineer(region_a):
    return UserFactory(username="engineer", role="engineer", region=region_a)


def login(user) -> HttpClient:
    """Return a test client logged in as `user`, speaking English."""
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def as_user():
    return login

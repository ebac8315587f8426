"""Row display values: dates in the user's language and time zone, choice labels, row URLs."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from crm.display import choice_labels, date_formatter, pk_url
from crm.models import Client


def test_dates_follow_the_language_and_the_time_zone():
    moment = dt.datetime(2026, 3, 1, 22, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Vladivostok")):
        with translation.override("ru"):
            assert date_formatter()(moment) == "02.03.2026"
        with translation.override("en"):
            assert date_formatter()(moment) == "03/02/2026"


def test_a_missing_date_is_empty():
    assert date_formatter()(None) == ""


def test_choice_labels_are_translated():
    with translation.override("ru"):
        assert choice_labels(Client._meta.get_field("kind"))["customer"] == "Заказчик"


@pytest.mark.parametrize("name", ["crm:task_detail", "crm:task_complete", "crm:client_detail"])
def test_pk_url_gives_what_reverse_gives(name):
    assert pk_url(name, 42) == reverse(name, args=[42])
    assert pk_url(name, "7") == reverse(name, args=[7])


def test_pk_url_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert pk_url("crm:task_detail", 5) == reverse("crm:task_detail", args=[5]) == "/crm/tasks/5/"
    finally:
        set_script_prefix("/")
    assert pk_url("crm:task_detail", 5) == "/tasks/5/"

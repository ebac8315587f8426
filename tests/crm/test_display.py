"""Row display values: dates in the user's language and time zone, choice labels."""

import datetime as dt
import zoneinfo

from django.utils import timezone, translation

from crm.display import choice_labels, date_formatter
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

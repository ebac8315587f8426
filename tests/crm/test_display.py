"""Row display values: dates in the user's language and time zone, choice labels, row URLs."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation

from crm.display import Row, choice_labels, date_formatter, pk_url
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


def test_a_row_reads_as_a_dict_in_templates_and_as_attributes_in_python():
    from django.template import engines

    row = Row(name="<b>Ромашка</b>", pk=7)
    assert row.name == "<b>Ромашка</b>" and row.pk == 7
    with pytest.raises(AttributeError):
        row.missing  # noqa: B018
    html = engines["django"].from_string("{{ row.name }}|{{ row.missing }}").render({"row": row})
    assert html == "&lt;b&gt;Ромашка&lt;/b&gt;|"


def test_filter_fields_render_their_value_escaped_and_the_current_option_selected():
    from django import forms
    from django.template import engines

    class Filter(forms.Form):
        q = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name"}))
        days = forms.IntegerField(required=False, min_value=1, max_value=10)
        kind = forms.ChoiceField(required=False, choices=[("", "Any"), ("a", "<A>"), ("b", "B")])
        overdue = forms.NullBooleanField(required=False, widget=forms.CheckboxInput)

    form = Filter({"q": '"><script>', "days": "5", "kind": "a", "overdue": "on"})
    template = engines["django"].from_string(
        "{% load crm_format %}{% input_tag form.q %}{% input_tag form.days %}{% select_options form.kind %}"
        "{% input_tag form.overdue %}"
    )
    html = template.render({"form": form})
    assert '<input type="search" name="q" id="id_q" placeholder="Name" value="&quot;&gt;&lt;script&gt;">' in html
    assert 'type="number" name="days"' in html and 'min="1"' in html and 'max="10"' in html and 'value="5"' in html
    options = '<option value="">Any</option><option value="a" selected>&lt;A&gt;</option><option value="b">B</option>'
    assert options in html
    assert '<input type="checkbox" name="overdue" id="id_overdue" checked>' in html
    # Nothing submitted: the empty choice is the current one, and an input has no value.
    blank = template.render({"form": Filter({})})
    assert '<option value="" selected>Any</option>' in blank and "value=" not in blank.split("<option")[0]
    assert '<input type="checkbox" name="overdue" id="id_overdue">' in blank

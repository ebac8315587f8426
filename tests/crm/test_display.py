"""crm.display.pk_url: the URL `reverse` gives, reversed once per name and script prefix."""

import pytest
from django.urls import reverse, set_script_prefix

from crm.display import pk_url


@pytest.mark.parametrize("name", ["crm:task_detail", "crm:task_complete", "crm:client_detail"])
def test_it_gives_what_reverse_gives(name):
    assert pk_url(name, 42) == reverse(name, args=[42])
    assert pk_url(name, "7") == reverse(name, args=[7])


def test_it_follows_the_script_prefix():
    try:
        set_script_prefix("/crm/")
        assert pk_url("crm:task_detail", 5) == reverse("crm:task_detail", args=[5]) == "/crm/tasks/5/"
    finally:
        set_script_prefix("/")
    assert pk_url("crm:task_detail", 5) == "/tasks/5/"

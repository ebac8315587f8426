"""The "My tasks" page: groups by the traffic light in the user's time zone, filters, constant queries."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from crm.models import Task
from crm.selectors.work import client_open_tasks, due_light, task_list
from tests.factories import ClientFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db

VLADIVOSTOK = ZoneInfo("Asia/Vladivostok")
# 20:00 on 10 March 2026 in Vladivostok (UTC+10).
NOW = dt.datetime(2026, 3, 10, 20, 0, tzinfo=VLADIVOSTOK)


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VLADIVOSTOK)


@pytest.fixture
def far_east_manager(manager):
    manager.time_zone = "Asia/Vladivostok"
    manager.save()
    return manager


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("due", "light"),
    [
        (local(10, 19, 59), "red"),
        (local(10, 20, 0), "yellow"),
        (local(10, 23, 30), "yellow"),
        (local(10, 23, 59), "yellow"),
        (local(11, 0, 0), "green"),
        (local(11, 0, 10), "green"),
    ],
)
def test_the_light_at_its_boundaries_in_the_users_time_zone(far_east_manager, due, light):
    task = TaskFactory(assignee=far_east_manager, due_at=due, client=ClientFactory(responsible=far_east_manager))
    annotated = task_list(user=far_east_manager).get()
    assert annotated.light == light
    assert due_light(due, now=dt.datetime.now(dt.UTC), tz=VLADIVOSTOK) == light
    # The client card computes the same light in Python.
    assert [t.light for t in client_open_tasks(client=task.client, user=far_east_manager)] == [light]


@time_machine.travel(NOW, tick=False)
def test_the_same_moment_is_tomorrow_in_vladivostok_and_today_in_moscow(far_east_manager):
    # 00:10 on 11 March in Vladivostok is 17:10 on 10 March in Moscow.
    due = local(11, 0, 10)
    assert due_light(due, now=dt.datetime.now(dt.UTC), tz=VLADIVOSTOK) == "green"
    assert due_light(due, now=dt.datetime.now(dt.UTC), tz=ZoneInfo("Europe/Moscow")) == "yellow"


@time_machine.travel(NOW, tick=False)
def test_the_page_groups_overdue_today_and_upcoming(as_user, far_east_manager):
    TaskFactory(assignee=far_east_manager, title="Late one", due_at=local(9, 10))
    TaskFactory(assignee=far_east_manager, title="Tonight", due_at=local(10, 23, 30))
    TaskFactory(assignee=far_east_manager, title="After midnight", due_at=local(11, 0, 10))
    TaskFactory(assignee=far_east_manager, title="Finished", due_at=local(10, 23), status="done")
    body = as_user(far_east_manager).get(reverse("crm:task_list")).content.decode()
    overdue, today, upcoming = body.index("tasks-overdue"), body.index("tasks-today"), body.index("tasks-upcoming")
    assert overdue < body.index("Late one") < today < body.index("Tonight") < upcoming < body.index("After midnight")
    assert "Finished" not in body


def test_a_manager_sees_only_their_own_tasks(as_user, manager, colleague):
    TaskFactory(assignee=manager, title="Mine")
    TaskFactory(assignee=colleague, title="Theirs")
    body = as_user(manager).get(reverse("crm:task_list")).content.decode()
    assert "Mine" in body
    assert "Theirs" not in body
    # Asking for everyone does not widen a manager's view.
    body = as_user(manager).get(reverse("crm:task_list") + "?assignee=all").content.decode()
    assert "Theirs" not in body


def test_status_filter_shows_done_tasks(as_user, manager):
    TaskFactory(assignee=manager, title="Open one")
    TaskFactory(assignee=manager, title="Done one", status="done")
    body = as_user(manager).get(reverse("crm:task_list") + "?status=done").content.decode()
    assert "Done one" in body
    assert "Open one" not in body


def test_a_head_filters_by_assignee_within_the_region(as_user, head, manager, outsider):
    client = ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, client=client, title="Manager task")
    TaskFactory(assignee=outsider, client=ClientFactory(responsible=outsider), title="Other region task")
    response = as_user(head).get(reverse("crm:task_list") + f"?assignee={manager.pk}")
    body = response.content.decode()
    assert "Manager task" in body
    body = as_user(head).get(reverse("crm:task_list") + "?assignee=all").content.decode()
    assert "Manager task" in body
    assert "Other region task" not in body
    # An assignee outside the head's regions is not a valid choice: the page falls back to "me".
    body = as_user(head).get(reverse("crm:task_list") + f"?assignee={outsider.pk}").content.decode()
    assert "Other region task" not in body


def test_client_filter(as_user, manager):
    a, b = ClientFactory(responsible=manager), ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, client=a, title="For A")
    TaskFactory(assignee=manager, client=b, title="For B")
    body = as_user(manager).get(reverse("crm:task_list") + f"?client={a.pk}").content.decode()
    assert "For A" in body
    assert "For B" not in body


def test_client_filter_on_an_invisible_client_shows_nothing(as_user, manager, outsider):
    foreign = ClientFactory(responsible=outsider)
    TaskFactory(assignee=manager, client=foreign, title="Odd task")
    body = as_user(manager).get(reverse("crm:task_list") + f"?client={foreign.pk}").content.decode()
    assert "Odd task" not in body
    assert foreign.name not in body


def test_the_htmx_partial_is_only_the_results(as_user, manager):
    TaskFactory(assignee=manager, title="Mine")
    response = as_user(manager).get(reverse("crm:task_list") + "?partial=1&status=open", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="task-results"' in body
    assert "<html" not in body


def test_the_page_runs_constant_queries(as_user, head, django_assert_max_num_queries):
    http = as_user(head)
    managers = [UserFactory(role="manager", region=head.region) for _ in range(3)]
    url = reverse("crm:task_list") + "?assignee=all"

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert http.get(url).status_code == 200
        return len(ctx.captured_queries)

    for m in managers:
        TaskFactory(assignee=m, client=ClientFactory(responsible=m))
    few = count()
    for m in managers:
        for _ in range(10):
            TaskFactory(assignee=m, client=ClientFactory(responsible=m))
    assert count() == few
    with django_assert_max_num_queries(9):
        http.get(url)


def test_the_client_card_partial_lists_open_tasks_with_buttons(manager, rf):
    client = ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, client=client, title="Send <b>offer</b>")
    TaskFactory(assignee=manager, client=client, title="Closed", status="done")
    request = rf.get("/")
    request.user = manager
    tasks = client_open_tasks(client=client, user=manager)
    html = render_to_string(
        "crm/tasks/_client_open_tasks.html", {"client": client, "open_tasks": tasks}, request=request
    )
    assert "Send &lt;b&gt;offer&lt;/b&gt;" in html
    assert "Closed" not in html
    assert 'data-testid="task-complete"' in html
    assert [t.title for t in tasks] == ["Send <b>offer</b>"]


def test_home_shows_my_tasks_for_today_and_my_interactions(as_user, manager, django_assert_max_num_queries):
    from tests.factories import InteractionFactory

    client = ClientFactory(responsible=manager)
    TaskFactory(assignee=manager, title="Overdue call", due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    TaskFactory(assignee=manager, title="Next year", due_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    InteractionFactory(client=client, author=manager, subject="Talked about pumps")
    http = as_user(manager)
    with django_assert_max_num_queries(8):
        body = http.get(reverse("crm:home")).content.decode()
    assert "Overdue call" in body
    assert "Next year" not in body
    assert "Talked about pumps" in body
    assert Task.objects.count() == 2


def test_the_pages_render_for_a_russian_speaking_user(as_user, manager):
    manager.language = "ru"
    manager.save()
    task = TaskFactory(assignee=manager, client=ClientFactory(responsible=manager))
    http = as_user(manager)
    for name, args in (("crm:task_list", []), ("crm:task_detail", [task.pk]), ("crm:task_create", [])):
        assert http.get(reverse(name, args=args)).status_code == 200
    assert http.get(reverse("crm:notification_list")).status_code == 200
    assert http.get(reverse("crm:home")).status_code == 200


def test_the_tasks_are_paged_fifty_at_a_time(as_user, manager):
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=VLADIVOSTOK)
    for n in range(51):
        TaskFactory(assignee=manager, author=manager, due_at=start + dt.timedelta(hours=n), title=f"Task {n:02}")
    http = as_user(manager)

    first, second = http.get(reverse("crm:task_list")), http.get(reverse("crm:task_list"), {"page": 2})

    assert first.content.decode().count('data-testid="task-row"') == 50
    assert [t.title for t in second.context["page"].object_list] == ["Task 50"]
    assert "Page 1 of 2" in first.content.decode()

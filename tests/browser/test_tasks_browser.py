"""A manager logs a call on a client's card with "call back in six months", then completes the task."""

import pytest

from crm.models import Interaction, Task
from tests.browser.conftest import log_in
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_manager_logs_a_call_with_a_follow_up_and_completes_it(page, manager):
    client = ClientFactory(responsible=manager, short_name="Pumps and Co")
    contact = ContactFactory(client=client, last_name="Petrov")
    log_in(page, "manager")

    page.goto(f"/clients/{client.pk}/")
    page.click("[data-testid=log-interaction]")
    page.wait_for_selector("[data-testid=interaction-form]")
    page.select_option("#id_kind", "call_out")
    page.select_option("#id_contact", str(contact.pk))
    page.fill("#id_subject", "Asked about the service contract")
    page.fill("#id_text", "Interested, but not before autumn")
    page.check("#id_follow_up")
    page.fill("#id_follow_up_title", "Call back about the contract")
    page.select_option("#id_follow_up_in", "6m")
    page.click("[data-testid=interaction-save]")
    page.wait_for_url(f"**/clients/{client.pk}/")

    interaction = Interaction.objects.get()
    assert interaction.contact_id == contact.pk
    task = Task.objects.get()
    assert task.interaction_id == interaction.pk

    page.goto("/tasks/")
    row = page.locator(f"[data-testid=task-row][data-task-id='{task.pk}']")
    assert row.locator("[data-testid=task-title]").inner_text() == "Call back about the contract"
    assert page.locator("[data-testid=tasks-upcoming]").locator(f"[data-task-id='{task.pk}']").count() == 1
    assert row.locator("[data-light=green]").count() == 1

    row.locator("[data-testid=task-complete]").click()
    page.wait_for_selector(f"[data-task-id='{task.pk}'] [data-testid=task-reopen]")
    task.refresh_from_db()
    assert task.status == "done"


def test_postponing_from_the_list_moves_the_task_a_week_on_and_redraws_its_row(page, manager):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import TaskFactory

    due = timezone.now() + dt.timedelta(days=2)
    task = TaskFactory(assignee=manager, author=manager, title="Send the offer", due_at=due)
    log_in(page, "manager")

    page.goto("/tasks/")
    row = page.locator(f"[data-testid=task-row][data-task-id='{task.pk}']")
    row.locator("[data-testid=task-postpone]").click()
    with page.expect_response(lambda response: "/postpone/" in response.url):
        row.locator("[data-testid=postpone-1w]").click()

    task.refresh_from_db()
    # A week from now (the button's own hx-vals, "1w", merged with those its group passes on).
    assert abs(task.due_at - (timezone.now() + dt.timedelta(weeks=1))) < dt.timedelta(minutes=5)
    # The row is swapped in place (the inherited hx-target), with its buttons still there.
    page.wait_for_selector(f"[data-task-id='{task.pk}'] [data-testid=task-complete]")
    assert page.locator(f"[data-task-id='{task.pk}']").count() == 1

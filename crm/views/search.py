"""The global search in the header: clients by name, INN, phone or email, and contact persons."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from crm.models import Client, Contact
from crm.normalize import name_key
from crm.selectors.clients import search_clients_q, search_contacts_q

MIN_QUERY = 2
CANDIDATES = 100  # ranked per query: twice the longest list shown (50 on the search page)


def search_results(user, query: str, *, clients: int, contacts: int) -> dict:
    query = query.strip()
    if len(query) < MIN_QUERY:
        return {"q": query, "clients": [], "contacts": [], "too_short": bool(query)}
    visible = Client.objects.visible_to(user)
    # Take the first CANDIDATES matches in no particular order (PostgreSQL stops as soon as
    # it has them) and rank those: names that start with the query first, then by name.
    # A broad query ("мед" matches thousands) would otherwise sort every match; a specific
    # one has fewer matches than CANDIDATES and is ranked exactly.
    candidates = list(
        visible.filter(search_clients_q(query))
        .exclude(status="archived")
        .select_related("responsible")
        .only(
            "pk",
            "name",
            "short_name",
            "name_key",
            "inn",
            "status",
            "responsible__first_name",
            "responsible__last_name",
            "responsible__username",
        )
        .order_by()[:CANDIDATES]
    )
    key = name_key(query)
    candidates.sort(key=lambda c: (not (c.name_key.startswith(key) or c.inn.startswith(query)), c.name, c.pk))
    found_clients = candidates[: clients + 1]
    # The same for contact persons: a bounded set of matches, ranked here.
    people = list(
        Contact.objects.filter(client__in=visible, is_archived=False)
        .filter(search_contacts_q(query))
        .select_related("client")
        .order_by()[:CANDIDATES]
    )
    word = query.split()[0].lower() if query.split() else ""
    people.sort(key=lambda c: (not c.last_name.lower().startswith(word), c.last_name, c.first_name, c.pk))
    found_contacts = people[: contacts + 1]
    return {
        "q": query,
        "clients": found_clients[:clients],
        "contacts": found_contacts[:contacts],
        "more_clients": len(found_clients) > clients,
        "more_contacts": len(found_contacts) > contacts,
    }


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    if request.headers.get("HX-Request"):
        return render(
            request, "crm/clients/_search_results.html", search_results(request.user, query, clients=10, contacts=5)
        )
    return render(request, "crm/clients/search.html", search_results(request.user, query, clients=50, contacts=50))

"""Sources of selections: each app registers how its saved filter params yield clients.

A source is a key, a label and a function `fn(params, user) -> QuerySet[Client]`. The
function may ignore access; `selection_clients` always narrows the result to the clients
the viewing user may see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.functional import Promise

if TYPE_CHECKING:
    from crm.models import Selection, User


@dataclass(frozen=True)
class SelectionSource:
    key: str
    label: str | Promise
    fn: Callable[[dict, User], QuerySet]
    # Named URL of the page whose filter this source saves (to open the filter again).
    url_name: str | None = None


_sources: dict[str, SelectionSource] = {}


def register_source(
    key: str, label: str | Promise, fn: Callable[[dict, User], QuerySet], *, url_name: str | None = None
) -> None:
    """Register (or replace) the source `key`; called from AppConfig.ready."""
    _sources[key] = SelectionSource(key=key, label=label, fn=fn, url_name=url_name)


def get_source(key: str) -> SelectionSource | None:
    return _sources.get(key)


def sources() -> list[SelectionSource]:
    return list(_sources.values())


def clean_params(params: dict) -> dict:
    """Keep only plain, non-empty filter values (strings or lists of strings)."""
    result: dict = {}
    for key, value in params.items():
        if key in {"page", "sort", "csrfmiddlewaretoken", "_export", "export"}:
            continue
        if isinstance(value, list | tuple):
            values = [str(v) for v in value if str(v) != ""]
            if values:
                result[str(key)] = values if len(values) > 1 else values[0]
        elif value not in (None, ""):
            result[str(key)] = str(value)
    return result


def selection_clients(selection: Selection, user: User) -> QuerySet:
    """Clients of `selection` that `user` may see (an unknown source yields none)."""
    from crm.models import Client

    visible = Client.objects.visible_to(user)
    source = get_source(selection.source)
    if source is None:
        return visible.none()
    result = source.fn(dict(selection.params or {}), user)
    return visible.filter(pk__in=result.values("pk"))


def _clients_source(params: dict, user: User) -> QuerySet:
    """The clients list filter (crm.filters.ClientFilter) over the clients `user` may see."""
    from django.http import QueryDict

    from crm.filters import ClientFilter
    from crm.models import Client

    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return ClientFilter(data, queryset=Client.objects.visible_to(user)).qs


def register_core_sources() -> None:
    from django.utils.translation import gettext_lazy as _

    register_source("clients", _("Clients"), _clients_source, url_name="crm:client_list")

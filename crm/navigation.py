"""Items of the main menu. Later apps add theirs with `register` in AppConfig.ready."""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    order: int = 100
    permission: str | None = None


_items: list[NavItem] = []


def register(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _items):
        _items.append(item)
        _items.sort(key=lambda i: i.order)


def items() -> list[NavItem]:
    return list(_items)

"""Demo data: the core clients, contacts, interactions and tasks, and the hook later apps extend.

`python manage.py seed_demo` fills the core, then calls `seed(ctx)` of every installed app's
`<app>/demo.py` that exists, passing a `DemoContext`. An app's seed must be idempotent (do
nothing when its demo data is there: `make run` calls it every time), deterministic for
`ctx.rng`, and fast at 100,000 clients (write with `ctx.writer.insert` or `bulk_create`,
never a save() per row).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crm.demo.writer import BulkWriter
    from crm.models import Region, User


@dataclass
class DemoContext:
    """What an app's demo seeder gets.

    `rng` is the app's own generator (derived from the seed and the app label), so an app's data
    does not depend on whether the core was created in this run. `created` is True when this run
    created the core data; `client_ids` are all clients' ids in a stable order; `options` holds the
    command's options: "clients", "seed", "equipment" and "deals" (None: the app decides).
    `regions` are keyed "A" (Москва и Московская область), "B" (Санкт-Петербург и Ленинградская
    область) and "C" (Приморский край); `writer.insert(Model, rows)` writes rows in bulk (COPY on
    PostgreSQL).
    """

    rng: random.Random
    today: date
    now: datetime
    users: dict[str, User]
    managers: list[User]
    regions: dict[str, Region]
    client_ids: list[int]
    options: dict[str, Any] = field(default_factory=dict)
    created: bool = False
    writer: BulkWriter | None = None
    log: Callable[[str], None] = print


__all__ = ["DemoContext"]

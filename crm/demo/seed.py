"""Fill the database with realistic demo data: users, reference lists, clients and their history.

Deterministic for a seed (one `random.Random`); the reference date is today, every offset
from it comes from the generator. Idempotent: when the demo users and clients are there,
nothing is written. Big volumes are written in bulk (COPY on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import random
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from crm.demo import DemoContext, words
from crm.demo import generators as gen
from crm.demo.writer import BulkWriter
from crm.models import (
    Client,
    Contact,
    ContactPoint,
    Department,
    Interaction,
    Region,
    Role,
    Segment,
    SourceChannel,
    Task,
    User,
)
from crm.normalize import name_key

DEMO_PASSWORD = "demo"  # noqa: S105 (the documented password of the demo logins)
CHUNK = 5000
TWO_YEARS = 730


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    region: str  # "A", "B", "C"
    last_name: str
    first_name: str
    patronymic: str
    time_zone: str = "Europe/Moscow"
    share: float = 1.0  # relative share of the region's clients (managers and heads)


DEMO_USERS = (
    DemoUser("admin", Role.ADMIN, "A", "Смирнова", "Ольга", "Викторовна", share=0),
    DemoUser("head", Role.HEAD, "A", "Орлов", "Дмитрий", "Сергеевич", share=0.1),
    DemoUser("manager", Role.MANAGER, "A", "Иванов", "Алексей", "Петрович", share=1.2),
    DemoUser("manager3", Role.MANAGER, "A", "Соколов", "Павел", "Андреевич"),
    DemoUser("manager4", Role.MANAGER, "A", "Морозова", "Екатерина", "Олеговна"),
    DemoUser("engineer", Role.ENGINEER, "A", "Волков", "Игорь", "Николаевич", share=0),
    DemoUser("head2", Role.HEAD, "B", "Лебедева", "Наталья", "Игоревна", share=0.1),
    DemoUser("manager2", Role.MANAGER, "B", "Кузнецова", "Мария", "Андреевна", share=1.2),
    DemoUser("manager5", Role.MANAGER, "B", "Никитин", "Артём", "Викторович"),
    DemoUser("engineer2", Role.ENGINEER, "B", "Зайцев", "Роман", "Юрьевич", share=0),
    DemoUser("manager6", Role.MANAGER, "C", "Ким", "Денис", "Сергеевич", "Asia/Vladivostok"),
)
REGION_SHARES = {"A": 0.55, "B": 0.35, "C": 0.10}
KINDS = (("customer", 45), ("prospect", 40), ("partner", 7), ("competitor", 8))
STATUSES = (("active", 82), ("inactive", 13), ("archived", 5))
CONTACTS_PER_CLIENT = ((1, 15), (2, 20), (3, 30), (4, 20), (5, 15))
INTERACTION_KINDS = (
    ("call_out", 35),
    ("call_in", 15),
    ("email_out", 14),
    ("email_in", 10),
    ("meeting", 12),
    ("letter", 3),
    ("note", 11),
)


def _weighted(pairs):
    values, weights = zip(*pairs, strict=True)
    return list(values), list(weights)


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    message: str = ""


def demo_exists() -> bool:
    return User.objects.filter(username="manager").exists() and Client.objects.exists()


def seed_demo(
    *,
    clients: int = 300,
    seed: int = 1,
    options: dict[str, Any] | None = None,
    force_extra: bool = False,
    skip_apps: frozenset[str] | set[str] = frozenset(),
    log: Callable[[str], None] = print,
) -> SeedResult:
    """Create the demo data unless it is there; then let every app (but `skip_apps`) add its own."""
    started = time.monotonic()
    options = {"clients": clients, "seed": seed, "equipment": None, "deals": None, **(options or {})}
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    today = timezone.localdate()
    now = timezone.now()
    writer = BulkWriter()
    created = False
    if demo_exists() and not force_extra:
        log("Demo data is already there; the core is left as it is.")
    else:
        with transaction.atomic():
            ref = _reference_data()
            users = _users(ref)
            _Builder(rng=rng, today=today, ref=ref, users=users, writer=writer, log=log).build(clients)
        created = True
    users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
    ctx = DemoContext(
        rng=rng,
        today=today,
        now=now,
        users=users,
        managers=[users[d.username] for d in DEMO_USERS if d.role == Role.MANAGER and d.username in users],
        regions=_regions_by_key(),
        client_ids=list(Client.objects.order_by("pk").values_list("pk", flat=True)),
        options=options,
        created=created,
        writer=writer,
        log=log,
    )
    _seed_apps(ctx, seed, skip=skip_apps)
    return SeedResult(created=created, counts=dict(writer.counts), seconds=time.monotonic() - started)


def _seed_apps(ctx: DemoContext, seed: int, *, skip: frozenset[str] | set[str] = frozenset()) -> None:
    """Call `seed(ctx)` of each installed app's `demo` module, each with its own generator."""
    for config in apps.get_app_configs():
        if config.name == "crm":
            continue
        if config.label in skip:
            ctx.log(f"{config.label}: demo data skipped (--skip-apps).")
            continue
        module_name = f"{config.name}.demo"
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            continue
        module = importlib.import_module(module_name)
        if not callable(getattr(module, "seed", None)):
            continue
        app_ctx = dataclasses.replace(ctx, rng=random.Random(f"{seed}:{config.label}"))  # noqa: S311
        started = time.monotonic()
        module.seed(app_ctx)
        ctx.log(f"{config.label}: demo data done in {time.monotonic() - started:.1f} s.")


# Reference data and users ---------------------------------------------------------------------------------


@dataclass
class _Ref:
    regions: dict[str, Region]
    region_codes: dict[str, str]  # key -> code
    departments: dict[tuple[str, str], Department]
    segments: dict[str, Segment]
    sources: list[SourceChannel]


def _regions_by_key() -> dict[str, Region]:
    by_code = {r.code: r for r in Region.objects.filter(code__in=[code for code, *_ in words.REGIONS])}
    return {key: by_code[code] for code, _name, _tz, _areas, key in words.REGIONS if code in by_code}


def _reference_data() -> _Ref:
    regions, codes, departments = {}, {}, {}
    for code, name, _tz, _areas, key in words.REGIONS:
        region, _ = Region.objects.get_or_create(name=name, defaults={"code": code})
        if region.code != code:
            region.code = code
            region.save(update_fields=["code"])
        regions[key], codes[key] = region, code
        for dept in words.DEPARTMENTS:
            departments[(key, dept)], _ = Department.objects.get_or_create(region=region, name=dept)
    segments = {name: Segment.objects.get_or_create(name=name)[0] for name in words.SEGMENTS}
    sources = [SourceChannel.objects.get_or_create(name=name)[0] for name in words.SOURCE_CHANNELS]
    return _Ref(regions, codes, departments, segments, sources)


def _users(ref: _Ref) -> dict[str, User]:
    """Create the demo logins that are missing; existing users are left untouched."""
    users = {}
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            department = "Сервисная служба" if spec.role == Role.ENGINEER else "Отдел продаж"
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                patronymic=spec.patronymic,
                email=f"{spec.username}@example.com",
                role=spec.role,
                region=ref.regions[spec.region],
                department=None if spec.role == Role.ADMIN else ref.departments[(spec.region, department)],
                time_zone=spec.time_zone,
                language="ru",
                is_staff=spec.role == Role.ADMIN,
                is_superuser=spec.role == Role.ADMIN,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            if spec.username == "head2":
                user.managed_regions.add(ref.regions["C"])
        users[spec.username] = user
        # Each region's demo engineer takes the new equipment of its clients who have none yet.
        region = ref.regions[spec.region]
        if spec.role == Role.ENGINEER and region.service_engineer_id is None:
            region.service_engineer = user
            region.save(update_fields=["service_engineer"])
    return users


# Clients and their history ---------------------------------------------------------------------------------


class _Builder:
    def __init__(self, *, rng, today: date, ref: _Ref, users: dict[str, User], writer: BulkWriter, log) -> None:
        self.rng = rng
        self.today = today
        self.ref = ref
        self.users = users
        self.writer = writer
        self.log = log
        self.used_inns = set(Client.objects.exclude(inn="").values_list("inn", flat=True))
        self.region_keys, self.region_weights = _weighted(REGION_SHARES.items())
        self.owners = {}
        for key in REGION_SHARES:
            people = [(users[d.username], d.share) for d in DEMO_USERS if d.region == key and d.share > 0]
            self.owners[key] = _weighted(people)
        self.engineers = {
            d.region: users[d.username] for d in DEMO_USERS if d.role == Role.ENGINEER and d.username in users
        }
        self.zones = {key: zoneinfo.ZoneInfo(tz) for _c, _n, tz, _a, key in words.REGIONS}
        self.areas = {key: areas for _c, _n, _tz, areas, key in words.REGIONS}
        self.kinds = _weighted(KINDS)
        self.statuses = _weighted(STATUSES)
        self.contact_counts = _weighted(CONTACTS_PER_CLIENT)
        self.interaction_kinds = _weighted(INTERACTION_KINDS)
        self.positions = ([(p, dm) for p, dm, _w in words.POSITIONS], [w for _p, _dm, w in words.POSITIONS])

    def build(self, total: int) -> None:
        started = time.monotonic()
        done = 0
        while done < total:
            size = min(CHUNK, total - done)
            self._chunk(size)
            done += size
            if total > CHUNK:
                self.log(f"  {done} of {total} clients ({time.monotonic() - started:.0f} s)")

    # One chunk: clients first (their ids are reserved), then everything that points at them.
    def _chunk(self, size: int) -> None:
        rng = self.rng
        client_ids = self.writer.allocate_ids(Client, size)
        clients, contacts, points, interactions, tasks = [], [], [], [], []
        for client_id in client_ids:
            client, people, history, todo = self._client(client_id)
            clients.append(client)
            contacts.extend(people)
            interactions.extend(history)
            tasks.extend(todo)
        contact_ids = iter(self.writer.allocate_ids(Contact, len(contacts)))
        by_client: dict[int, list[int]] = {}
        for contact in contacts:
            contact["id"] = next(contact_ids)
            by_client.setdefault(contact["client_id"], []).append(contact["id"])
        for contact in contacts:
            points.extend(self._contact_points(contact))
        for row in interactions:
            ids = by_client.get(row["client_id"])
            row["contact_id"] = rng.choice(ids) if ids and rng.random() < 0.8 else None
        for client in clients:
            points.extend(self._client_points(client))
        for row in clients:
            del row["_domain"], row["_region_key"], row["_owner"]
        for row in contacts:
            del row["_person"], row["_domain"]
        self.writer.insert(Client, clients)
        self.writer.insert(Contact, contacts)
        self.writer.insert(ContactPoint, points)
        self.writer.insert(Interaction, interactions)
        self.writer.insert(Task, tasks)

    def _at(self, days_ago: int, region_key: str, start_hour: int = 9, end_hour: int = 18) -> datetime:
        day = self.today - timedelta(days=days_ago)
        moment = dtime(self.rng.randint(start_hour, end_hour - 1), self.rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))
        return datetime.combine(day, moment, tzinfo=self.zones[region_key])

    def _inn(self, region_code: str, person: bool) -> str:
        while True:
            office = self.rng.choice(words.TAX_OFFICES[region_code])
            inn = gen.inn_12(self.rng, office) if person else gen.inn_10(self.rng, office)
            if inn not in self.used_inns:
                self.used_inns.add(inn)
                return inn

    def _client(self, client_id: int):
        rng = self.rng
        key = rng.choices(self.region_keys, weights=self.region_weights)[0]
        code = self.ref.region_codes[key]
        city = rng.choice(words.CITIES[code])
        company = gen.company(rng, city)
        owner = None if rng.random() < 0.01 else rng.choices(*self.owners[key])[0]
        kind = rng.choices(*self.kinds)[0]
        if company.kind_hint in ("hospital", "state", "education") and kind in ("competitor", "partner"):
            kind = "customer"
        status = rng.choices(*self.statuses)[0]
        person_inn = company.kind_hint == "person"
        inn = self._inn(code, person_inn)
        legal = gen.address(rng, city, code)
        # History: most clients were touched lately; some are forgotten (> 90 days) or never touched.
        roll = rng.random()
        if roll < 0.08:
            history_days: list[int] = []
        else:
            last = rng.randint(91, 700) if roll < 0.23 else min(89, 1 + int(rng.expovariate(1 / 18)))
            first = rng.randint(last, TWO_YEARS)
            count = rng.randint(1, 21)
            history_days = sorted([last, *(rng.randint(last, first) for _ in range(count - 1))])
        oldest = history_days[-1] if history_days else rng.randint(1, TWO_YEARS)
        created_at = self._at(min(oldest + rng.randint(0, 120), 1000), key)
        history = [self._interaction(client_id, key, owner, days) for days in history_days]
        client = {
            "id": client_id,
            "kind": kind,
            "name": company.name,
            "short_name": company.short_name,
            "name_key": name_key(company.name),
            "inn": inn,
            "kpp": "" if person_inn else gen.kpp_for(inn, rng),
            "legal_form": company.legal_form,
            "region_id": self.ref.regions[key].pk,
            "segment_id": self.ref.segments[gen.segment_for(rng, company.kind_hint)].pk,
            "source_id": rng.choice(self.ref.sources).pk if rng.random() < 0.85 else None,
            "responsible_id": owner.pk if owner else None,
            "status": status,
            "website": company.domain if company.domain and rng.random() < 0.7 else "",
            "legal_address": legal,
            "actual_address": legal if rng.random() < 0.7 else gen.address(rng, city, code),
            "notes": rng.choice(words.NOTE_TEXTS) if rng.random() < 0.2 else "",
            "created_at": created_at,
            "updated_at": max([created_at, *(row["occurred_at"] for row in history)]),
            "created_by_id": owner.pk if owner else self.users["admin"].pk,
            "last_interaction_at": max((row["occurred_at"] for row in history), default=None),
            "_domain": company.domain,
            "_region_key": key,
            "_owner": owner,
        }
        people = [self._contact(client, company) for _ in range(rng.choices(*self.contact_counts)[0])]
        if not any(p["is_decision_maker"] for p in people) and rng.random() < 0.6:
            people[0]["is_decision_maker"] = True
        return client, people, history, self._tasks(client, key, owner, status)

    def _contact(self, client: dict, company: gen.Company) -> dict:
        rng = self.rng
        person = company.owner if company.owner and rng.random() < 0.5 else gen.person(rng)
        position, decision_maker = rng.choices(*self.positions)[0]
        if company.owner is person:
            position, decision_maker = "Индивидуальный предприниматель", True
        birthday = None
        if rng.random() < 0.85:
            birthday = date(rng.randint(1958, 1999), 1, 1) + timedelta(days=rng.randrange(365))
        return {
            "client_id": client["id"],
            "last_name": person.last_name,
            "first_name": person.first_name,
            "middle_name": person.middle_name,
            "position": position,
            "birthday": birthday,
            "birthday_remind_days": 3,
            "is_decision_maker": decision_maker,
            "notes": "",
            "is_archived": rng.random() < 0.03,
            "created_at": client["created_at"],
            "updated_at": client["created_at"],
            "_person": person,
            "_domain": client["_domain"],
        }

    def _contact_points(self, contact: dict) -> list[dict]:
        rng = self.rng
        points = []
        if rng.random() < 0.75:
            shown, e164 = gen.mobile(rng)
            points.append(
                _point(
                    contact_id=contact["id"],
                    kind="phone",
                    value=shown,
                    normalized=e164,
                    label="мобильный",
                    primary=True,
                )
            )
        if rng.random() < 0.65:
            email = gen.person_email(rng, contact["_person"], contact["_domain"])
            points.append(
                _point(
                    contact_id=contact["id"],
                    kind="email",
                    value=email,
                    normalized=email.lower(),
                    label="",
                    primary=not points,
                )
            )
        return points

    def _client_points(self, client: dict) -> list[dict]:
        rng = self.rng
        areas = self.areas[client["_region_key"]]
        points = []
        for label in ("приёмная", "отдел закупок"):
            if not points or rng.random() < 0.3:
                shown, e164 = gen.landline(rng, areas)
                points.append(
                    _point(
                        client_id=client["id"],
                        kind="phone",
                        value=shown,
                        normalized=e164,
                        label=label,
                        primary=not points,
                    )
                )
        if rng.random() < 0.85:
            email = gen.company_email(rng, client["_domain"])
            points.append(
                _point(
                    client_id=client["id"], kind="email", value=email, normalized=email.lower(), label="", primary=False
                )
            )
        return points

    def _interaction(self, client_id: int, region_key: str, owner: User | None, days_ago: int) -> dict:
        rng = self.rng
        kind = rng.choices(*self.interaction_kinds)[0]
        fill = {
            "product": rng.choice(words.PRODUCTS),
            "consumable": rng.choice(words.CONSUMABLES),
            "n": rng.randint(100, 9999),
        }
        duration, result = None, ""
        if kind in ("call_out", "call_in"):
            subject, text = rng.choice(words.CALL_SUBJECTS), rng.choice(words.CALL_TEXTS)
            duration, result = rng.randint(1, 25), rng.choice(words.CALL_RESULTS)
        elif kind == "meeting":
            subject, text = rng.choice(words.MEETING_SUBJECTS), rng.choice(words.MEETING_TEXTS)
            duration, result = rng.choice((30, 45, 60, 90, 120)), rng.choice(words.MEETING_RESULTS)
        elif kind in ("email_out", "email_in"):
            subject, text = rng.choice(words.EMAIL_SUBJECTS), rng.choice(words.EMAIL_TEXTS)
        elif kind == "letter":
            subject, text = rng.choice(words.LETTER_SUBJECTS), rng.choice(words.EMAIL_TEXTS)
        else:
            subject, text = rng.choice(words.NOTE_SUBJECTS), rng.choice(words.NOTE_TEXTS)
        author = owner or self.users["head" if region_key == "A" else "head2"]
        if kind == "meeting" and region_key in self.engineers and rng.random() < 0.2:
            author = self.engineers[region_key]
        occurred_at = self._at(days_ago, region_key)
        return {
            "kind": kind,
            "occurred_at": occurred_at,
            "duration_minutes": duration,
            "client_id": client_id,
            "contact_id": None,
            "subject": subject.format(**fill),
            "text": text,
            "importance": "high" if rng.random() < 0.07 else "normal",
            "result": result,
            "author_id": author.pk,
            "created_at": occurred_at + timedelta(minutes=rng.randint(0, 90)),
        }

    def _tasks(self, client: dict, region_key: str, owner: User | None, status: str) -> list[dict]:
        rng = self.rng
        tasks = []
        if owner is not None and status != "archived" and rng.random() < 0.3:
            roll = rng.random()
            days = -rng.randint(1, 20) if roll < 0.3 else 0 if roll < 0.5 else rng.randint(1, 30)
            tasks.append(self._task(client, region_key, owner, days, open_=True))
        if owner is not None and rng.random() < 0.4:
            for _ in range(rng.randint(1, 2)):
                tasks.append(self._task(client, region_key, owner, -rng.randint(1, 400), open_=False))
        engineer = self.engineers.get(region_key)
        if engineer is not None and client["kind"] == "customer" and rng.random() < 0.04:
            days = rng.randint(-10, 25)
            tasks.append(self._task(client, region_key, engineer, days, open_=days >= -3, engineer=True))
        return tasks

    def _task(self, client, region_key, assignee, days_ahead, *, open_: bool, engineer: bool = False) -> dict:
        rng = self.rng
        due_at = self._at(-days_ahead, region_key, 10, 18)
        remind_at = due_at - timedelta(hours=1) if rng.random() < 0.7 else None
        title = rng.choice(words.ENGINEER_TASK_TITLES if engineer else words.TASK_TITLES)
        created_at = due_at - timedelta(days=rng.randint(1, 14))
        now = timezone.now()
        return {
            "title": title,
            "text": "",
            "assignee_id": assignee.pk,
            "author_id": assignee.pk if rng.random() < 0.8 else self.users["head"].pk,
            "client_id": client["id"],
            "content_type_id": None,
            "object_id": None,
            "interaction_id": None,
            "due_at": due_at,
            "remind_at": remind_at,
            # Reminders in the past count as delivered, so the first beat does not flood the inbox.
            "reminded_at": remind_at if remind_at is not None and (remind_at <= now or not open_) else None,
            "priority": "high" if rng.random() < 0.15 else "normal",
            "status": "open" if open_ else "done",
            "completed_at": None if open_ else min(due_at + timedelta(hours=rng.randint(-48, 24)), now),
            "trigger_key": None,
            "created_at": min(created_at, now),
            "updated_at": now,
        }


def _point(*, kind: str, value: str, normalized: str, label: str, primary: bool, client_id=None, contact_id=None):
    return {
        "client_id": client_id,
        "contact_id": contact_id,
        "kind": kind,
        "value": value,
        "normalized": normalized,
        "label": label,
        "is_primary": primary,
    }

"""Reads of clients and contacts: list querysets, duplicates, the card's timeline, cached reference lists."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING, NamedTuple

from django.core.cache import cache
from django.db import models
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext

from crm.models import (
    AbcClassChange,
    Attachment,
    Client,
    ClientStatus,
    Contact,
    ContactPoint,
    ContactPointKind,
    Interaction,
    Region,
    Role,
    Segment,
    SourceChannel,
    Task,
    TaskStatus,
    User,
)
from crm.normalize import name_key, normalize_email, normalize_phone, normalize_search_phone

if TYPE_CHECKING:
    from auditlog.models import LogEntry

REFERENCE_CACHE_KEY = "crm:client-reference-lists:v1"
REFERENCE_CACHE_SECONDS = 6 * 3600


# --- cached reference lists -------------------------------------------------------------------


def reference_lists() -> dict[str, list[tuple[int, str]]]:
    """Return the choices of the list filters (regions, segments, sources, users), cached until one changes."""
    data = cache.get(REFERENCE_CACHE_KEY)
    if data is None:
        data = {
            "regions": list(Region.objects.order_by("name").values_list("pk", "name")),
            "segments": list(Segment.objects.filter(is_active=True).order_by("name").values_list("pk", "name")),
            "sources": list(SourceChannel.objects.filter(is_active=True).order_by("name").values_list("pk", "name")),
            "users": [
                (u.pk, u.display_name)
                for u in User.objects.filter(is_active=True, role__in=[Role.MANAGER, Role.HEAD, Role.ADMIN])
                .only("pk", "username", "first_name", "last_name", "region_id")
                .order_by("last_name", "first_name", "username")
            ],
            "user_regions": dict(
                User.objects.filter(is_active=True, region__isnull=False).values_list("pk", "region_id")
            ),
        }
        cache.set(REFERENCE_CACHE_KEY, data, REFERENCE_CACHE_SECONDS)
    return data


def reference_lists_invalidate(**kwargs) -> None:
    cache.delete(REFERENCE_CACHE_KEY)


for _model in (Region, Segment, SourceChannel, User):
    post_save.connect(reference_lists_invalidate, sender=_model, dispatch_uid=f"crm.reflists.save.{_model.__name__}")
    post_delete.connect(reference_lists_invalidate, sender=_model, dispatch_uid=f"crm.reflists.del.{_model.__name__}")


# --- lists ------------------------------------------------------------------------------------


def _first_point(kind: str, *, owner: str = "client") -> Subquery:
    return Subquery(
        ContactPoint.objects.filter(**{owner: OuterRef("pk")}, kind=kind)
        .order_by("-is_primary", "pk")
        .values("value")[:1]
    )


CLIENT_ROW_FIELDS = (
    "name",
    "short_name",
    "inn",
    "kpp",
    "kind",
    "status",
    "last_interaction_at",
    "created_at",
    "abc_class",
    "region__name",
    "segment__name",
    "responsible__username",
    "responsible__first_name",
    "responsible__last_name",
)


def client_list_queryset(*, user: User) -> QuerySet[Client]:
    """Clients `user` may see, with what a list row shows (responsible, region, first phone and email)."""
    return (
        Client.objects.visible_to(user)
        .select_related("responsible", "region", "segment")
        # The columns of a row and of the export, not the notes or the whole user of the manager.
        .only(*CLIENT_ROW_FIELDS)
        .annotate(
            primary_phone=_first_point(ContactPointKind.PHONE), primary_email=_first_point(ContactPointKind.EMAIL)
        )
    )


def contact_list_queryset(*, user: User) -> QuerySet[Contact]:
    return (
        Contact.objects.filter(client__in=Client.objects.visible_to(user))
        .select_related("client", "client__responsible")
        .annotate(
            primary_phone=_first_point(ContactPointKind.PHONE, owner="contact"),
            primary_email=_first_point(ContactPointKind.EMAIL, owner="contact"),
        )
    )


_PHONE_CHARS_RE = re.compile(r"^[\d\s()+\-.]+$")
# A search by phone or email first collects the matching owners (at most this many), then
# filters by their ids: an OR of an index scan and a list of ids keeps every index usable.
SEARCH_MAX_IDS = 1000


def phone_prefix(query: str) -> str | None:
    """Turn what a person types for a phone into an E.164 prefix (+7495…), or None when it is not a phone."""
    query = query.strip()
    if not _PHONE_CHARS_RE.match(query):
        return None
    digits = re.sub(r"\D", "", query)
    if len(digits) < 5:
        return None
    full = normalize_search_phone(query)
    if full:
        return full
    if query.startswith("+"):
        return "+" + digits
    if digits[0] in "78" and len(digits) >= 6:
        return "+7" + digits[1:]
    return "+7" + digits


def _owner_ids(prefix: str, owner: str) -> list[int]:
    """Ids of clients (owner="client") or contacts (owner="contact") with a phone/email starting with `prefix`."""
    points = ContactPoint.objects.filter(normalized__startswith=prefix)
    if owner == "client":
        ids = points.annotate(owner_id=Coalesce("client_id", "contact__client_id")).values_list("owner_id", flat=True)
    else:
        ids = points.filter(contact__isnull=False).values_list("contact_id", flat=True)
    return list(ids.distinct()[:SEARCH_MAX_IDS])


def search_clients_q(query: str) -> Q:
    """Match clients by name, short name, INN prefix, phone prefix or email prefix.

    The shape of the query picks the conditions and so the indexes: an "@" searches emails,
    a phone-like string phones (and, when it is bare digits, INN prefixes), anything else the
    names through the trigram indexes. Phones and emails cost one small query of their own.
    """
    query = query.strip()
    if not query:
        return Q()
    if "@" in query:
        return Q(pk__in=_owner_ids(normalize_email(query), "client"))
    prefix = phone_prefix(query)
    if prefix:
        q = Q(pk__in=_owner_ids(prefix, "client"))
        if query.isdigit():
            q |= Q(inn__startswith=query)
        return q
    if query.isdigit():
        return Q(inn__startswith=query)
    key = name_key(query)
    if key:
        # name_key is the lower-cased name without legal form, quotes and punctuation: one
        # trigram index finds "Ромашка" in "ООО «Ромашка»", and LIKE on it finds Cyrillic on SQLite too.
        return Q(name_key__contains=key) | Q(short_name__icontains=query)
    return Q(name__icontains=query) | Q(short_name__icontains=query)


def search_contacts_q(query: str) -> Q:
    query = query.strip()
    if not query:
        return Q()
    if "@" in query:
        return Q(pk__in=_owner_ids(normalize_email(query), "contact"))
    prefix = phone_prefix(query)
    if prefix:
        return Q(pk__in=_owner_ids(prefix, "contact"))
    words = query.split()
    # One of the words is in the last name (its trigram index finds the candidates), and
    # every word is in some part of the name ("Иван Петров" finds Петров Иван).
    q = Q()
    for word in words:
        q |= Q(last_name__icontains=word)
    for word in words:
        q &= Q(last_name__icontains=word) | Q(first_name__icontains=word) | Q(middle_name__icontains=word)
    return q


def order_for_search(qs: QuerySet) -> QuerySet:
    """Order search results by sorting the matches rather than by walking an ordering index.

    With a LIMIT, PostgreSQL likes to walk the index of the sort column and filter row by row,
    which takes long when few rows match. The same order with the other NULLS placement
    (DESC NULLS LAST, ASC NULLS FIRST) does not match those indexes, so the planner finds
    the matches first and sorts them.
    """
    order = []
    for item in qs.query.order_by:
        if isinstance(item, str) and item.lstrip("-") not in ("pk", "id"):
            name = item.lstrip("-")
            order.append(F(name).desc(nulls_last=True) if item.startswith("-") else F(name).asc(nulls_first=True))
        else:
            order.append(item)
    return qs.order_by(*order)


def order_search_results(qs: QuerySet, *, many: bool) -> QuerySet:
    """Order a page of search results by what the number of matches makes cheap.

    `many` (more matches than the list counts exactly, see CappedPaginator) keeps the list's
    own order: walking the sort column's index finds a page of a broad word ("мед", one
    company in thirteen) after a few hundred rows, instead of fetching and sorting every
    match. Fewer matches are found first and then sorted (`order_for_search`), which is
    cheap for them and keeps PostgreSQL from walking the whole index for a rare word.
    """
    return qs if many else order_for_search(qs)


# --- duplicates -------------------------------------------------------------------------------


@dataclass
class DuplicateMatch:
    """A client that looks like the one being entered, and why. `visible` says whether to link it."""

    client: Client
    reasons: list[str] = field(default_factory=list)
    visible: bool = False


def client_find_duplicates(
    *,
    user: User,
    inn: str = "",
    name: str = "",
    phones: list[str] | tuple = (),
    emails: list[str] | tuple = (),
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[DuplicateMatch]:
    """Find existing clients (in any scope) with the same INN, name key, phone or email.

    Matches outside the user's scope are returned too, marked not visible: the page shows
    only their name and responsible manager, never a link.
    """
    from django.utils.translation import gettext as _

    conditions: list[tuple[str, Q]] = []
    inn = (inn or "").strip()
    if inn:
        conditions.append((_("same INN"), Q(inn=inn)))
    key = name_key(name)
    if key:
        conditions.append((_("similar name"), Q(name_key=key)))
    normalized_phones = {p for p in (normalize_phone(v) for v in phones if v) if p}
    normalized_emails = {normalize_email(v) for v in emails if v and "@" in v}
    points = normalized_phones | normalized_emails
    if points:
        client_ids = ContactPoint.objects.filter(normalized__in=points, client__isnull=False).values("client_id")
        contact_client_ids = ContactPoint.objects.filter(normalized__in=points, contact__isnull=False).values(
            "contact__client_id"
        )
        conditions.append((_("same phone or email"), Q(pk__in=client_ids) | Q(pk__in=contact_client_ids)))
    if not conditions:
        return []
    any_q = Q()
    for _label, q in conditions:
        any_q |= q
    qs = Client.objects.filter(any_q).select_related("responsible")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = list(qs.order_by("pk")[:limit])
    if not found:
        return []
    matches = {c.pk: DuplicateMatch(client=c) for c in found}
    for label, q in conditions:
        for pk in Client.objects.filter(q, pk__in=matches.keys()).values_list("pk", flat=True):
            matches[pk].reasons.append(label)
    visible = set(Client.objects.visible_to(user).filter(pk__in=matches.keys()).values_list("pk", flat=True))
    for pk, match in matches.items():
        match.visible = pk in visible
    return list(matches.values())


# --- the card ---------------------------------------------------------------------------------


@dataclass
class TimelineItem:
    kind: str  # "interaction", "task_created", "task_done", "change"
    at: datetime
    obj: object
    changes: list[tuple[str, str, str]] = field(default_factory=list)


def _blank(value) -> str:
    return "" if value in (None, "None", "") else str(value)


def _shown_value(field, value) -> str:
    """One recorded value of `field` as people read it: a choice's label, yes/no, a local short date.

    Foreign keys need nothing: auditlog records the related object's name at the time of the
    change (AUDITLOG_USE_FK_STRING_REPRESENTATION).
    """
    value = _blank(value)
    if field is None or not value:
        return value
    if field.choices:
        return str({str(key): label for key, label in field.flatchoices}.get(value, value))
    if isinstance(field, models.BooleanField):
        return {"True": gettext("Yes"), "False": gettext("No")}.get(value, value)
    if isinstance(field, models.DateTimeField):
        moment = parse_datetime(value)
        if moment is None:
            return value
        # auditlog records datetimes as naive UTC; show them in the user's time zone.
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=UTC)
        return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        day = parse_date(value)
        return date_format(day, "SHORT_DATE_FORMAT") if day is not None else value
    return value


def change_rows(entries: list[LogEntry]) -> list[list[tuple[str, str, str]]]:
    """Turn audit entries into rows of (field's verbose name, old, new) for display, without queries.

    auditlog records a created object's reverse relations ("deals → funnel.Deal.None") and its
    primary key too: only the model's own fields other than the key are shown, and only those
    whose shown value changed (a created client's empty fields are left out). A name the model
    no longer has is shown as recorded.
    """
    from django.core.exceptions import FieldDoesNotExist

    rows = []
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        fields = []
        for name, values in (entry.changes_dict or {}).items():
            old, new = [*values, "", ""][:2] if isinstance(values, list | tuple) else ("", values)
            field = None
            if model is not None:
                try:
                    field = model._meta.get_field(name)
                except FieldDoesNotExist:
                    field = None
                else:
                    if not field.concrete or field.primary_key:
                        continue
            old, new = _shown_value(field, old), _shown_value(field, new)
            if old != new:
                fields.append((str(field.verbose_name) if field is not None else name, old, new))
        rows.append(fields)
    return rows


class ClientPeopleIds(NamedTuple):
    """Ids of a client's contact persons (archived too) and of every contact detail of the client and of them."""

    contact_ids: list[int]
    point_ids: list[int]


def client_people_ids(client: Client) -> ClientPeopleIds:
    """Return the ids of the client's contacts and contact details, in one query."""
    contacts = Contact.objects.filter(client=client).annotate(is_contact=Value(True))
    # Three index look-ups: an OR of the client's and its contacts' details would read the whole table.
    own, theirs = (
        ContactPoint.objects.filter(**where).annotate(is_contact=Value(False))
        for where in ({"client": client}, {"contact__client": client})
    )
    rows = (qs.order_by().values_list("pk", "is_contact") for qs in (contacts, own, theirs))
    ids = ClientPeopleIds([], [])
    first, *others = rows
    for pk, is_contact in first.union(*others, all=True):
        (ids.contact_ids if is_contact else ids.point_ids).append(pk)
    return ids


def client_history_entries(client: Client, *, people: ClientPeopleIds | None = None) -> QuerySet[LogEntry]:
    """Audit entries of the client, its contacts and its contact details, newest first.

    The ids travel as lists, so each arm is an index look-up on the entry's object id: with
    subqueries the planner would walk the whole log by time, filtering, to find a page.
    """
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    if people is None:
        people = client_people_ids(client)
    cts = ContentType.objects.get_for_models(Client, Contact, ContactPoint)
    return (
        LogEntry.objects.filter(
            Q(content_type=cts[Client], object_id=client.pk)
            | Q(content_type=cts[Contact], object_id__in=people.contact_ids)
            | Q(content_type=cts[ContactPoint], object_id__in=people.point_ids)
        )
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


# What the timeline shows of each source, and of their people (not the users' whole rows).
_PERSON = ("username", "first_name", "last_name")
TIMELINE_INTERACTION_FIELDS = (
    "kind",
    "occurred_at",
    "duration_minutes",
    "client",
    "subject",
    "text",
    "importance",
    "result",
    *(f"author__{name}" for name in _PERSON),
    "contact__last_name",
    "contact__first_name",
    "contact__middle_name",
)
TIMELINE_TASK_FIELDS = (
    "title",
    "client",
    "due_at",
    "status",
    "priority",
    "created_at",
    "completed_at",
    *(f"assignee__{name}" for name in _PERSON),
)


def client_timeline(
    client: Client, *, page: int = 1, per_page: int = 20, people: ClientPeopleIds | None = None
) -> tuple[list[TimelineItem], bool]:
    """Return one page of the card's timeline (interactions, tasks, changes; newest first) and whether more exist.

    Each source is read newest first up to the end of the page, then merged: a constant
    number of queries per page.
    """
    upto = page * per_page + 1
    interactions = list(
        Interaction.objects.filter(client=client)
        .select_related("author", "contact")
        .only(*TIMELINE_INTERACTION_FIELDS)
        .order_by("-occurred_at", "-pk")[:upto]
    )
    # Few interactions carry files: one plain query for them (prefetch_related costs more in Python).
    files: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(interaction_id__in=[i.pk for i in interactions]).order_by("pk"):
        files.setdefault(attachment.interaction_id, []).append(attachment)
    for interaction in interactions:
        interaction.files = files.get(interaction.pk, [])
    # One query for both task events: a task's latest event (created or done) ranks it, and
    # every task event in the page's top `upto` belongs to a task ranked in the top `upto`.
    tasks = list(
        Task.objects.filter(client=client)
        .select_related("assignee")
        .only(*TIMELINE_TASK_FIELDS)
        .annotate(last_event_at=Greatest("created_at", Coalesce("completed_at", "created_at")))
        .order_by("-last_event_at", "-pk")[:upto]
    )
    items: list[TimelineItem] = [TimelineItem("interaction", i.occurred_at, i) for i in interactions]
    items += [TimelineItem("task_created", t.created_at, t) for t in tasks]
    items += [
        TimelineItem("task_done", t.completed_at, t)
        for t in tasks
        if t.status == TaskStatus.DONE and t.completed_at is not None
    ]
    entries = list(client_history_entries(client, people=people)[:upto])
    for entry, rows in zip(entries, change_rows(entries), strict=True):
        items.append(TimelineItem("change", entry.timestamp, entry, changes=rows))
    items.sort(key=lambda item: item.at, reverse=True)
    start = (page - 1) * per_page
    selected = list(islice(items, start, start + per_page))
    return selected, len(items) > start + per_page


class CardPeople(NamedTuple):
    points: list[ContactPoint]  # the client's own contact details
    contacts: list[Contact]  # active contacts, each with its contact details prefetched
    ids: ClientPeopleIds  # every contact (archived too) and contact detail: for the history


def client_card_people(client: Client) -> CardPeople:
    """Return the client's own contact details and its active contacts with theirs, in two queries."""
    every = list(client.contacts.order_by("-is_decision_maker", "last_name", "first_name"))
    contacts = [contact for contact in every if not contact.is_archived]
    by_contact: dict[int, list[ContactPoint]] = {c.pk: [] for c in contacts}
    own: list[ContactPoint] = []
    points = list(
        ContactPoint.objects.filter(Q(client=client) | Q(contact_id__in=[c.pk for c in every])).order_by(
            "-is_primary", "pk"
        )
    )
    for point in points:
        if point.client_id == client.pk:
            own.append(point)
        elif point.contact_id in by_contact:
            by_contact[point.contact_id].append(point)
    for contact in contacts:
        # Fill the prefetch cache so templates can keep using contact.contact_points.all.
        contact._prefetched_objects_cache = {"contact_points": _as_prefetched(contact, by_contact[contact.pk])}
    return CardPeople(own, contacts, ClientPeopleIds([c.pk for c in every], [p.pk for p in points]))


def _as_prefetched(contact: Contact, points: list[ContactPoint]):
    qs = contact.contact_points.all()
    qs._result_cache = points
    qs._prefetch_done = True
    return qs


def client_abc_last_change(client: Client) -> AbcClassChange | None:
    """Return the client's latest ABC reclassification with its run: where its present class came from."""
    return (
        AbcClassChange.objects.filter(client=client)
        .select_related("run")
        .only("new_class", "run", "run__created_at")
        .order_by("-run_id")
        .first()
    )


def client_forgotten_queryset(*, user: User, days: int) -> QuerySet[Client]:
    return (
        Client.objects.visible_to(user)
        .forgotten(days=days)
        .select_related("responsible", "region")
        .order_by(F("last_interaction_at").asc(nulls_first=True), "pk")
    )


def client_statuses_default_excluded() -> list[str]:
    return [ClientStatus.ARCHIVED]

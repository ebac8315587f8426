"""Import tender results: a file in, competitors, customers, tenders, bids and equipment out.

The file is read by the pure parsers (:func:`integrations.parsers.tenders.iter_tender_file`)
as a stream, in a reader thread that also prepares each tender for writing (keys, parties,
item lines: everything that needs no database). The writer writes batches, each in one
transaction, set-based: parties are resolved once per file, what exists is looked up, and
new rows are streamed with COPY against unique constraints (a conflict-skipping insert when
a concurrent import wrote the same rows meanwhile), so a re-run, an overlapping file or a
restarted job after a crash creates nothing twice. The job's counters and heartbeat are
updated after every batch, and a cancel request is honoured between batches."""

from __future__ import annotations

import gc
import hashlib
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.models import ClientKind, User
from equipment.dates import add_months
from equipment.models import Equipment, EquipmentSource
from equipment.services.client_copies import client_copies_for
from equipment.services.equipment import compute_dates
from integrations.models import ImportJob, ImportJobKind, ImportJobStatus, ImportRowError
from integrations.models.tenders import MappingProfile, Tender, TenderBid, TenderItem
from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.tenders import ParsedTender, RowError, TenderItemData, iter_tender_file
from integrations.parsers.tenders.files import TenderStream
from integrations.services.bulk_copy import copy_insert, copy_lines, csv_line, is_postgres, reserve_ids
from integrations.services.tender_matching import (
    EquipmentGuess,
    EquipmentMatcher,
    PartyRef,
    RegionMatcher,
    party_ref,
    resolve_parties,
)

logger = logging.getLogger(__name__)

__all__ = [
    "IMPORT_PERMISSION",
    "TenderImportResult",
    "tender_file_import",
    "tender_import_job_run",
    "tender_job_create",
    "tender_jobs_recover_stale",
]

IMPORT_PERMISSION = "integrations.import_tenders"
BATCH_ROWS = 5000
# An item of 10,000 boxes of gloves is not 10,000 pieces of equipment: units are capped.
MAX_UNITS_PER_ITEM = 50
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 3
GC_THRESHOLD = 100_000
# Seconds a thread may hold the GIL while another waits for it (Python's default is 0.005).
SWITCH_INTERVAL = 0.0005
# A job whose columns the user has not confirmed yet carries this flag in its summary.
DRAFT = "awaiting_start"


def _max_bytes() -> int:
    return settings.IMPORT_MAX_BYTES


@dataclass
class _Tally:
    created: set[int] = field(default_factory=set)
    matched: set[int] = field(default_factory=set)

    def add(self, ids: Iterable[int], created: Iterable[int]) -> None:
        created = set(created)
        self.created |= created
        self.matched |= {i for i in ids if i not in self.created}

    def as_dict(self) -> dict[str, int]:
        return {"created": len(self.created), "matched": len(self.matched - self.created)}


@dataclass
class TenderImportResult:
    """What an import did; `as_summary` is stored on the job and printed by the command."""

    tenders: _Tally = field(default_factory=_Tally)
    competitors: _Tally = field(default_factory=_Tally)
    customers: _Tally = field(default_factory=_Tally)
    items_created: int = 0
    bids_created: int = 0
    equipment_created: int = 0
    errors: int = 0
    rows: int = 0
    skipped: list[str] = field(default_factory=list)
    cancelled: bool = False
    seconds: float = 0.0

    def as_summary(self) -> dict[str, Any]:
        return {
            "tenders": self.tenders.as_dict(),
            "competitors": self.competitors.as_dict(),
            "customers": self.customers.as_dict(),
            "items": {"created": self.items_created},
            "bids": {"created": self.bids_created},
            "equipment": {"created": self.equipment_created},
            "errors": self.errors,
            "rows": self.rows,
            "skipped": self.skipped[:100],
            "seconds": round(self.seconds, 2),
        }


# --- documents prepared for the writer --------------------------------------------------------


class _Line(NamedTuple):
    """An item of a prepared document: its identity and its CSV columns that need no database id."""

    key: str
    position: int
    name: str
    okpd2: str
    quantity: Decimal | None
    # How many equipment records the item becomes if it is equipment.
    units: int
    # "name","okpd2",quantity,"unit",unit_price,item_sum: the middle of the item's COPY line.
    csv: str
    item: TenderItemData


class _Doc:
    """A parsed tender with everything the writer needs of it that needs no database (see `_Preparer`)."""

    __slots__ = ("bidders", "customer", "lines", "match_key", "parsed", "region_id", "values", "winner")

    def __init__(self, parsed: ParsedTender, *, region_id: int | None, lines: list[_Line]) -> None:
        number, self.match_key = _tender_key(parsed)
        self.parsed = parsed
        self.customer = party_ref(parsed.customer)
        self.winner = party_ref(parsed.winner)
        self.bidders = [(bid, party_ref(bid.party)) for bid in parsed.bids]
        self.region_id = region_id
        # The keys in the order of the tender COPY columns (winner_id is added by the writer).
        self.values: dict[str, Any] = {
            "number": number,
            "law": str(parsed.law) if parsed.law else "",
            "region_id": region_id,
            "region_name": (parsed.region or "")[:255],
            "publish_date": parsed.publish_date,
            "contract_date": parsed.contract_date,
            "contract_sum": parsed.contract_sum,
            "contract_number": (parsed.contract_number or "")[:100],
            "registry_number": (parsed.registry_number or "")[:100],
        }
        self.lines = lines


class _Preparer:
    """Turn parsed tenders into `_Doc`s; needs no database, so it runs in the reader thread.

    Prepared while the writer waits for the database, so the writer itself only looks up,
    assigns ids and streams. Its caches live as long as the import and are bounded: the same
    goods, codes and units fill thousands of rows, but a file may also name a million goods.
    """

    CACHE_SIZE = 4096

    def __init__(self, regions: RegionMatcher) -> None:
        self.regions = regions
        self._normalized: dict[str, str] = {}
        self._keys: dict[tuple[str, str, int], str] = {}
        self._quoted: dict[str, str] = {}

    def __call__(self, parsed: ParsedTender) -> _Doc:
        return _Doc(parsed, region_id=self.regions.match(parsed.region), lines=self._lines(parsed))

    def _lines(self, parsed: ParsedTender) -> list[_Line]:
        """Return the items with their line keys and the id-free part of their COPY line."""
        quoted = self.quoted
        seen: dict[tuple[str, str], int] = {}
        lines = []
        for position, item in enumerate(parsed.items, start=1):
            name = item.name or ""
            okpd2 = item.okpd2 or ""
            pair = (self.normalized(name), okpd2)
            occurrence = seen.get(pair, 0)
            seen[pair] = occurrence + 1
            quantity, price, total = item.quantity, item.unit_price, item.sum
            csv = (
                f"{quoted(name[:1000])},{quoted(okpd2[:20])},{'' if quantity is None else quantity},"
                f"{quoted((item.unit or '')[:50])},{'' if price is None else price},{'' if total is None else total}"
            )
            key = self.line_key(*pair, occurrence)
            lines.append(_Line(key, position, name[:1000], okpd2[:20], quantity, _units(quantity), csv, item))
        return lines

    def normalized(self, name: str) -> str:
        """Return an item name as its line key sees it: lower case, ё as е, single spaces."""
        try:
            return self._normalized[name]
        except KeyError:
            pass
        value = " ".join(name.lower().replace("ё", "е").split())
        _remember(self._normalized, name, value, self.CACHE_SIZE)
        return value

    def line_key(self, normalized_name: str, okpd2: str, occurrence: int) -> str:
        """Return the line key of an item: normalized name + OKPD2 + occurrence of the pair in its tender."""
        key = (normalized_name, okpd2, occurrence)
        try:
            return self._keys[key]
        except KeyError:
            pass
        raw = f"{normalized_name}|{okpd2}|{occurrence}"
        value = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
        _remember(self._keys, key, value, self.CACHE_SIZE)
        return value

    def quoted(self, text: str) -> str:
        """Quote a text for a CSV COPY line."""
        try:
            return self._quoted[text]
        except KeyError:
            pass
        value = _csv_text(text)
        _remember(self._quoted, text, value, self.CACHE_SIZE)
        return value


def _remember(cache: dict, key: Any, value: Any, size: int) -> None:
    if len(cache) >= size:
        cache.clear()
    cache[key] = value


def _tender_key(parsed: ParsedTender) -> tuple[str, str]:
    """Return (display number, match key) of a parsed tender."""
    number = parsed.number or parsed.registry_number or parsed.contract_number or ""
    if number:
        return number[:100], number[:120]
    fingerprint = "|".join(
        str(part or "")
        for part in (
            parsed.winner and (parsed.winner.inn or parsed.winner.name),
            parsed.contract_date,
            parsed.publish_date,
            parsed.contract_sum,
            parsed.items[0].name if parsed.items else "",
        )
    )
    return "", "~" + hashlib.sha1(fingerprint.encode(), usedforsecurity=False).hexdigest()


def _csv_text(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _bid_key(bid, ref: PartyRef | None) -> str | None:
    if bid.journal_number:
        return f"j:{bid.journal_number}"[:200]
    if ref is not None:
        return ref.key[:200]
    return None


def _units(quantity: Decimal | None) -> int:
    """How many equipment records an item of this quantity becomes (whole pieces, capped)."""
    if quantity is None or quantity <= 0 or quantity != quantity.to_integral_value():
        return 1
    return int(min(quantity, MAX_UNITS_PER_ITEM))


# --- the writer ------------------------------------------------------------------------------

_TENDER_SOURCE = EquipmentSource.TENDER.value


class _NewTender:
    """A tender this batch has just written: what items, equipment and bids need of it (a model is slow to build)."""

    __slots__ = ("contract_date", "contract_number", "customer_id", "number", "pk", "winner_id")

    def __init__(self, pk: int, row: dict[str, Any]) -> None:
        self.pk = pk
        self.customer_id = row["customer_id"]
        self.number = row["number"]
        self.contract_number = row["contract_number"]
        self.winner_id = row["winner_id"]
        self.contract_date = row["contract_date"]


# The columns of the item COPY lines, in the order `_NewItem.csv_line` renders them.
_ITEM_COLUMNS = (
    "tender_id",
    "line_key",
    "position",
    "name",
    "okpd2",
    "quantity",
    "unit",
    "unit_price",
    "item_sum",
    "equipment_type_id",
    "manufacturer",
)


class _NewItem:
    """An item line to add to a tender, with the equipment it was recognised as (if any)."""

    __slots__ = ("guess", "line", "tender_id")

    def __init__(self, tender_id: int, line: _Line, guess: EquipmentGuess | None) -> None:
        self.tender_id = tender_id
        self.line = line
        self.guess = guess

    def csv_line(self) -> str:
        """Render the item's COPY line (see `_ITEM_COLUMNS`)."""
        line, guess = self.line, self.guess
        recognised = ',""' if guess is None else f"{guess.equipment_type.pk},{_csv_text(guess.manufacturer[:200])}"
        return f'{self.tender_id},"{line.key}",{line.position},{line.csv},{recognised}'

    def row(self) -> dict[str, Any]:
        """Return the item's field values (for the conflict-skipping and non-PostgreSQL inserts)."""
        line, guess = self.line, self.guess
        return {
            "tender_id": self.tender_id,
            "line_key": line.key,
            "position": line.position,
            "name": line.name,
            "okpd2": line.okpd2,
            "quantity": line.quantity,
            "unit": (line.item.unit or "")[:50],
            "unit_price": line.item.unit_price,
            "item_sum": line.item.sum,
            "equipment_type_id": guess.equipment_type.pk if guess else None,
            "manufacturer": (guess.manufacturer if guess else "")[:200],
        }


_FILLABLE = (
    "number",
    "region_id",
    "region_name",
    "winner_id",
    "law",
    "publish_date",
    "contract_date",
    "contract_sum",
    "contract_number",
    "registry_number",
)


class _Writer:
    """Write batches of parsed tenders; holds the caches of one import."""

    def __init__(self, *, job: ImportJob | None, by: User | None, result: TenderImportResult) -> None:
        self.job = job
        self.by_id = by.pk if by is not None else None
        self.result = result
        # Used by the reader thread only, through `prepare`.
        self.prepare = _Preparer(RegionMatcher())
        self.equipment = EquipmentMatcher()
        # {party key: client id} of every party met so far in the file.
        self.parties: dict[str, int] = {}
        # Ids of the tenders of the current batch that existed before it.
        self.known_tenders: set[int] = set()
        self.language = (by.language if by is not None else None) or settings.LANGUAGE_CODE
        # Who of the writer and the reader thread runs Python now (see `_read_ahead`).
        self.turns = _Turns()

    # errors

    def write_errors(self, errors: list[RowError]) -> None:
        if not errors:
            return
        self.result.errors += len(errors)
        if self.job is None:
            return
        with translation.override(self.language):
            rows = [
                ImportRowError(
                    job=self.job,
                    row_number=error.row_number,
                    location=" / ".join(part for part in (error.filename, error.sheet or "") if part)[:255],
                    reason=str(error.reason),
                    raw={"sheet": error.sheet or "", "file": error.filename},
                )
                for error in errors
            ]
        ImportRowError.objects.bulk_create(rows, batch_size=2000)

    # tenders

    def write(self, batch: list[_Doc | ParsedTender]) -> None:
        """Write one batch of (prepared) parsed tenders in one transaction."""
        if batch:
            docs = [doc if isinstance(doc, _Doc) else self.prepare(doc) for doc in batch]
            # The reader waits while the batch is prepared and streamed, and reads while it commits
            # (the commit checks every foreign key of the batch). Inside a surrounding transaction
            # (a dry run) no batch commits: then both run as they can.
            commits = not transaction.get_connection().in_atomic_block
            with transaction.atomic(), self.turns.writer_computes() if commits else nullcontext():
                self._write(docs)

    def _write(self, docs: list[_Doc]) -> None:
        clients = self._resolve(docs)
        merged: dict[tuple[str, int | None], dict[str, Any]] = {}
        for doc in docs:
            customer_id = clients.get(doc.customer.key) if doc.customer else None
            winner_id = clients.get(doc.winner.key) if doc.winner else None
            if winner_id is None:
                winner_id = self._winner_from_bids(doc, clients)
            doc.values["winner_id"] = winner_id
            _merge_entry(merged, (doc.match_key, customer_id), doc.values, [doc])
        # A protocol names no customer: it joins the contract of the same purchase number.
        with_customer = {match_key: key for key in merged if (match_key := key[0]) and key[1] is not None}
        for key in [key for key in merged if key[1] is None and key[0] in with_customer]:
            entry = merged.pop(key)
            _merge_entry(merged, with_customer[key[0]], entry["values"], entry["docs"])
        tenders = self._upsert_tenders(merged)
        self._upsert_items(merged, tenders)
        self._upsert_bids(merged, tenders, clients)

    def _winner_from_bids(self, doc: _Doc, clients: Mapping[str, int]) -> int | None:
        for bid, ref in doc.bidders:
            if bid.rating == 1 and ref is not None:
                return clients.get(ref.key)
        return None

    def _resolve(self, docs: list[_Doc]) -> dict[str, int]:
        customers: dict[str, tuple[PartyRef, str, int | None]] = {}
        competitors: dict[str, tuple[PartyRef, str, int | None]] = {}
        for doc in docs:
            ref = doc.customer
            if ref is not None:
                customers.setdefault(ref.key, (ref, ClientKind.CUSTOMER, doc.region_id))
            for ref in (doc.winner, *(bid_ref for _bid, bid_ref in doc.bidders)):
                if ref is not None and ref.key not in customers:
                    competitors.setdefault(ref.key, (ref, ClientKind.COMPETITOR, doc.region_id))
        # Parties are resolved once per file: the same customers and winners fill thousands of rows.
        wanted = {key: value for key, value in {**competitors, **customers}.items() if key not in self.parties}
        found, created = resolve_parties(wanted, by_id=self.by_id)
        self.parties.update(found)
        found = self.parties
        self.result.customers.add(
            (found[k] for k in customers if k in found), created & {found.get(k) for k in customers}
        )
        self.result.competitors.add(
            (found[k] for k in competitors if k in found), created & {found.get(k) for k in competitors}
        )
        return found

    def _upsert_tenders(self, merged: dict[tuple[str, int | None], dict[str, Any]]) -> dict[Any, Tender]:
        """Create the new tenders, fill the blanks of known ones; return `{merged key: tender}`."""
        match_keys = {match_key for match_key, _customer in merged}
        targets = self._targets(merged, match_keys)
        new = [
            {
                "match_key": key[0],
                "customer_id": key[1],
                "job_id": self.job.pk if self.job else None,
                **merged[key]["values"],
            }
            for key in merged
            if key not in targets
        ]
        created_now = self._insert_tenders(new) if new else None
        existing_ids = {tender.pk for tender in targets.values()}
        changed: dict[int, Tender] = {}
        for key, tender in targets.items():
            values = merged[key]["values"]
            if tender.customer_id is None and key[1] is not None:
                tender.customer_id = key[1]  # the contract tells the customer of an earlier protocol
                changed[tender.pk] = tender
            for name in _FILLABLE:
                if getattr(tender, name) in (None, "") and values.get(name) not in (None, ""):
                    setattr(tender, name, values[name])
                    changed[tender.pk] = tender
        if changed:
            Tender.objects.bulk_update(list(changed.values()), ["customer_id", *_FILLABLE], batch_size=1000)
        if created_now is not None:
            tenders = {**targets, **created_now}
        else:
            tenders = self._targets(merged, match_keys) if new else targets
        created_ids = {tender.pk for tender in tenders.values() if tender.pk not in existing_ids}
        self.result.tenders.add((t.pk for t in tenders.values()), created_ids)
        # A tender written by a concurrent import may have items already: look them all up then.
        self.known_tenders = existing_ids if created_now is not None else {t.pk for t in tenders.values()}
        return tenders

    @staticmethod
    def _insert_tenders(rows: list[dict[str, Any]]) -> dict[Any, Tender] | None:
        """Insert new tenders; return `{merged key: tender}` when written straight (PostgreSQL), else None.

        The rows were looked up first, so they are new unless a concurrent import has just written
        some: then the COPY fails in its savepoint and the rows go through a conflict-skipping insert.
        """
        if is_postgres():
            attnames = list(rows[0])
            try:
                with transaction.atomic():
                    ids = reserve_ids(Tender, len(rows))
                    copy_lines(
                        Tender,
                        ["id", *attnames],
                        (
                            f"{pk},{csv_line([row[name] for name in attnames])}"
                            for pk, row in zip(ids, rows, strict=True)
                        ),
                    )
            except IntegrityError:
                copy_insert(Tender, rows, ignore_conflicts=True)
                return None
            return {
                (row["match_key"], row["customer_id"]): _NewTender(pk, row) for pk, row in zip(ids, rows, strict=True)
            }
        Tender.objects.bulk_create([Tender(**row) for row in rows], ignore_conflicts=True, batch_size=1000)
        return None

    @staticmethod
    def _targets(merged, match_keys: set[str]) -> dict[Any, Tender]:
        """Find the stored tender of each merged key: same number and customer, or a customer-less one."""
        by_key: dict[str, list[Tender]] = {}
        for tender in Tender.objects.filter(match_key__in=match_keys).order_by("pk"):
            by_key.setdefault(tender.match_key, []).append(tender)
        targets: dict[Any, Tender] = {}
        for key in merged:
            match_key, customer_id = key
            candidates = by_key.get(match_key, [])
            exact = [t for t in candidates if t.customer_id == customer_id]
            orphan = [t for t in candidates if t.customer_id is None]
            if exact:
                targets[key] = exact[0]
            elif customer_id is None and candidates:
                targets[key] = candidates[0]
            elif orphan:
                targets[key] = orphan[0]
        return targets

    def _upsert_items(self, merged, tenders: dict[Any, Tender]) -> None:
        lines: dict[tuple[int, str], _Line] = {}
        by_pk: dict[int, Tender] = {}
        for key, entry in merged.items():
            tender = tenders.get(key)
            if tender is None:
                continue
            pk = tender.pk
            by_pk[pk] = tender
            for doc in entry["docs"]:
                for line in doc.lines:
                    lines.setdefault((pk, line.key), line)
        if not lines:
            return
        # Tenders created by this batch have no items yet: only the others are looked up.
        known = [pk for pk in by_pk if pk in self.known_tenders]
        existing = (
            set(TenderItem.objects.filter(tender_id__in=known).values_list("tender_id", "line_key").iterator())
            if known
            else set()
        )
        match = self.equipment.match
        new = [
            _NewItem(tender_id, line, match(line.name, line.okpd2))
            for (tender_id, line_key), line in lines.items()
            if (tender_id, line_key) not in existing
        ]
        if not new:
            return
        inserted = self._insert_items(new)
        self.result.items_created += len(inserted)
        equipment_items = [item for item in inserted if item.guess is not None]
        if equipment_items:
            self._create_equipment(equipment_items, by_pk)

    @staticmethod
    def _insert_items(items: list[_NewItem]) -> list[_NewItem]:
        """Insert new items, skipping lines already there; return those inserted."""
        if is_postgres():
            # Looked up first, so new unless a concurrent import has just written some: then the
            # straight COPY fails in its savepoint and the rows go through a conflict-skipping insert.
            try:
                with transaction.atomic():
                    copy_lines(TenderItem, _ITEM_COLUMNS, map(_NewItem.csv_line, items))
            except IntegrityError:
                by_key = {(item.tender_id, item.line.key): item for item in items}
                inserted = copy_insert(
                    TenderItem,
                    [item.row() for item in items],
                    ignore_conflicts=True,
                    returning=("tender_id", "line_key"),
                )
                return [by_key[key] for key in inserted]
            return items
        # SQLite (development): the same, with bulk_create, and one line at a time after a conflict.
        try:
            with transaction.atomic():
                TenderItem.objects.bulk_create([TenderItem(**item.row()) for item in items], batch_size=1000)
        except IntegrityError:
            inserted = []
            for item in items:
                try:
                    with transaction.atomic():
                        TenderItem.objects.create(**item.row())
                except IntegrityError:
                    continue
                inserted.append(item)
            return inserted
        return items

    def _create_equipment(self, items: list[_NewItem], tenders: dict[int, Tender]) -> None:
        """Create one equipment record per unit of each newly inserted equipment item.

        An item is inserted once (tender + line key are unique), in the same transaction as its
        units: so each unit is created once, however often the file is imported."""
        units: list[dict[str, Any]] = []
        types = self.equipment.types_by_pk()
        # Each unit carries copies of its client's region and responsible (the journal filters on them).
        copies = client_copies_for({tenders[item.tender_id].customer_id for item in items})
        note_format = _("Tender %(number)s")
        # Items of one tender and type mostly give the same record: build (and render) it once.
        # The matcher hands out one guess object per kind of goods: its identity is a cheap key.
        records: dict[tuple[int, int], dict[str, Any]] = {}
        for item in items:
            guess = item.guess
            record_key = (item.tender_id, id(guess))
            values = records.get(record_key)
            if values is None:
                values = records[record_key] = self._equipment_values(
                    tenders[item.tender_id], guess, types, note_format=note_format
                )
                values["client_region_id"], values["client_responsible_id"] = copies.get(
                    tenders[item.tender_id].customer_id, (None, None)
                )
            units.extend([values] * item.line.units)
        if not units:
            return
        if is_postgres():
            rendered: dict[int, str] = {}
            attnames = list(next(iter(records.values())))

            def equipment_lines() -> Iterator[str]:
                for values in units:
                    line = rendered.get(id(values))
                    if line is None:
                        line = rendered[id(values)] = csv_line(list(values.values()))
                    yield line

            copy_lines(Equipment, attnames, equipment_lines())
        else:
            Equipment.objects.bulk_create([Equipment(**values) for values in units], batch_size=2000)
        self.result.equipment_created += len(units)

    def _equipment_values(
        self, tender: Tender, guess: EquipmentGuess, types: dict[int, Any], *, note_format: str
    ) -> dict[str, Any]:
        """Return the field values of the equipment records of an item (the same for every unit)."""
        note = note_format % {"number": tender.number or tender.contract_number or "—"}
        product_id = guess.product_id
        type_id = guess.equipment_type.pk
        values = {
            "client_id": tender.customer_id,
            "equipment_type_id": type_id,
            "product_id": product_id,
            "manufacturer": guess.manufacturer[:200],
            "model": guess.model[:200],
            "source": _TENDER_SOURCE,
            "competitor_id": tender.winner_id,
            "source_note": note[:255],
            "shipped_on": tender.contract_date,
            "created_by_id": self.by_id,
            "warranty_until": None,
            "end_of_life_on": None,
            "next_maintenance_on": None,
        }
        if product_id is not None:
            # The catalogue knows warranty and service life: let the equipment app compute the dates.
            equipment = Equipment(equipment_type=types[type_id], **values)
            compute_dates(equipment)
            values.update(
                warranty_until=equipment.warranty_until,
                end_of_life_on=equipment.end_of_life_on,
                next_maintenance_on=equipment.next_maintenance_on,
            )
        else:
            interval = types[type_id].maintenance_interval_months
            if interval and tender.contract_date:
                values["next_maintenance_on"] = add_months(tender.contract_date, interval)
        return values

    def _upsert_bids(self, merged, tenders: dict[tuple[str, int], Tender], clients: Mapping[str, int]) -> None:
        bids: dict[tuple[int, str], TenderBid] = {}
        for key, entry in merged.items():
            tender = tenders.get(key)
            if tender is None:
                continue
            for doc in entry["docs"]:
                for bid, ref in doc.bidders:
                    bid_key = _bid_key(bid, ref)
                    if bid_key is None:
                        continue
                    candidate = TenderBid(
                        tender_id=tender.pk,
                        bid_key=bid_key,
                        participant_id=clients.get(ref.key) if ref else None,
                        participant_name=(ref.name if ref else "")[:500],
                        journal_number=(bid.journal_number or "")[:50],
                        price=bid.price,
                        rating=bid.rating,
                        admitted=bid.admitted,
                    )
                    current = bids.get((tender.pk, bid_key))
                    if current is None:
                        bids[(tender.pk, bid_key)] = candidate
                    else:
                        _fill_bid(current, candidate)
        if not bids:
            return
        existing = {
            (bid.tender_id, bid.bid_key): bid
            for bid in TenderBid.objects.filter(tender_id__in={tender_id for tender_id, _k in bids})
        }
        new = [bid for key, bid in bids.items() if key not in existing]
        if new:
            TenderBid.objects.bulk_create(new, ignore_conflicts=True, batch_size=2000)
            self.result.bids_created += len(new)
        changed = [bid for key, candidate in bids.items() if (bid := existing.get(key)) and _fill_bid(bid, candidate)]
        if changed:
            TenderBid.objects.bulk_update(
                changed, ["participant_id", "participant_name", "price", "rating", "admitted"]
            )


def _merge_entry(merged: dict, key: tuple[str, int | None], values: dict[str, Any], docs: list[_Doc]) -> None:
    """Add documents to the merged entry of a tender, filling its blank values."""
    entry = merged.get(key)
    if entry is None:
        merged[key] = {"values": dict(values), "docs": list(docs)}
        return
    for name, value in values.items():
        if value not in (None, "") and entry["values"].get(name) in (None, ""):
            entry["values"][name] = value
    entry["docs"].extend(docs)


def _fill_bid(bid: TenderBid, other: TenderBid) -> bool:
    """Fill the blanks of `bid` from `other` (a later document names who bid); tell if changed."""
    dirty = False
    for name in ("participant_id", "participant_name", "price", "rating", "admitted"):
        if getattr(bid, name) in (None, "") and getattr(other, name) not in (None, ""):
            setattr(bid, name, getattr(other, name))
            dirty = True
    return dirty


# --- running a file --------------------------------------------------------------------------


def tender_stream_open(
    source: str | Path | IO[bytes], *, filename: str, mapping: Mapping[str, str | int] | None = None
) -> TenderStream:
    """Open a tender file (raises FileRejected for a file that cannot be imported at all)."""
    return iter_tender_file(source, filename=filename, max_bytes=_max_bytes(), mapping=mapping or None)


def tender_file_import(
    *,
    source: str | Path | IO[bytes],
    filename: str,
    by: User | None,
    mapping: Mapping[str, str | int] | None = None,
    job: ImportJob | None = None,
    dry_run: bool = False,
    batch_rows: int | None = None,
    stream: TenderStream | None = None,
) -> TenderImportResult:
    """Import one file; raise FileRejected (before writing anything) when it cannot be read at all.

    With `job`, progress, heartbeat and row errors are recorded on it and a cancel
    request stops the import between batches. With `dry_run`, everything is done and
    then rolled back, so the summary tells what the import would do.
    """
    started = time.monotonic()
    batch_rows = batch_rows or BATCH_ROWS
    if stream is None:
        stream = tender_stream_open(source, filename=filename, mapping=mapping)
    result = TenderImportResult()
    if dry_run:
        with transaction.atomic():
            _run(stream, job=None, by=by, result=result, batch_rows=batch_rows)
            transaction.set_rollback(True)
    else:
        _run(stream, job=job, by=by, result=result, batch_rows=batch_rows)
    result.skipped = [f"{doc.filename}: {doc.reason}" for doc in stream.skipped]
    result.rows = stream.processed
    result.seconds = time.monotonic() - started
    return result


def _run(stream: TenderStream, *, job: ImportJob | None, by: User | None, result: TenderImportResult, batch_rows: int):
    # An import allocates millions of short-lived objects that form no cycles: with the default
    # thresholds the cyclic collector would rescan the read-ahead and the caches hundreds of times.
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
    # The writer waits for the database hundreds of times a file (queries, COPY chunks, commits)
    # and gets the GIL back only when the reader thread's time slice ends: keep the slices short.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        _run_batches(stream, job=job, by=by, result=result, batch_rows=batch_rows)
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(interval)


def _run_batches(
    stream: TenderStream, *, job: ImportJob | None, by: User | None, result: TenderImportResult, batch_rows: int
):
    writer = _Writer(job=job, by=by, result=result)
    if job is not None:
        ImportJob.objects.filter(pk=job.pk).update(total_rows=stream.estimated_total)
    batch: list[_Doc] = []
    errors: list[RowError] = []
    last_flush = 0
    for events, counters in _read_ahead(stream, prepare=writer.prepare, turns=writer.turns):
        for event in events:
            if isinstance(event, RowError):
                errors.append(event)
            else:
                batch.append(event)
        if counters.processed - last_flush >= batch_rows:
            last_flush = counters.processed
            writer.write(batch)
            writer.write_errors(errors)
            batch, errors = [], []
            if job is not None and _progress(job, counters, result):
                result.cancelled = True
                return
    writer.write(batch)
    writer.write_errors(errors)
    if job is not None:
        _progress(job, stream, result)


@dataclass(frozen=True)
class _Counters:
    processed: int
    estimated_total: int


_END = object()
READ_AHEAD_EVENTS = 200
# How far the reader may run ahead of the writer (about 5 batches): it reads while the writer waits
# for the database (commits check every foreign key), and not while the writer itself needs the CPU.
READ_AHEAD_CHUNKS = 32


class _Turns:
    """Let the reader thread run Python only while the writer waits: for a commit, or for the reader.

    Both threads share one GIL: a reader parsing while the writer prepares or streams a batch
    would only slow the writer down, and the database with it.
    """

    def __init__(self) -> None:
        self._reader_may_run = threading.Event()
        self._reader_may_run.set()

    @contextmanager
    def writer_computes(self) -> Iterator[None]:
        self._reader_may_run.clear()
        try:
            yield
        finally:
            self._reader_may_run.set()

    def reader_waits(self) -> None:
        self._reader_may_run.wait()


def _read_ahead(
    stream: TenderStream, *, prepare: Callable[[ParsedTender], _Doc], turns: _Turns | None = None
) -> Iterator[tuple[list[_Doc | RowError], _Counters]]:
    """Read the file and `prepare` its tenders in a thread while this one writes: no database there.

    The reader works while the writer waits for the database (see `_Turns`), so reading and
    preparing the next batches overlaps committing the last one. Yield chunks of events with the
    counters at their end.
    """
    chunks: queue.Queue = queue.Queue(maxsize=READ_AHEAD_CHUNKS)
    stop = threading.Event()
    turns = turns or _Turns()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            events: list[_Doc | RowError] = []
            for event in _taking_turns(stream, turns):
                events.append(event if isinstance(event, RowError) else prepare(event))
                if len(events) >= READ_AHEAD_EVENTS:
                    if not put((events, _Counters(stream.processed, stream.estimated_total))):
                        return
                    events = []
            put((events, _Counters(stream.processed, stream.estimated_total)))
            put(_END)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)

    reader = threading.Thread(target=produce, name="tender-file-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(timeout=5)


def _taking_turns(events: Iterator[ParsedTender | RowError], turns: _Turns) -> Iterator[ParsedTender | RowError]:
    """Yield events, reading each one only when it is the reader's turn."""
    while True:
        turns.reader_waits()
        event = next(events, _END)
        if event is _END:
            return
        yield event


def _progress(job: ImportJob, stream: TenderStream | _Counters, result: TenderImportResult) -> bool:
    """Record progress and heartbeat; return True when a cancel was requested."""
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=stream.processed,
        total_rows=max(stream.estimated_total, stream.processed),
        error_count=result.errors,
        heartbeat_at=timezone.now(),
    )
    return ImportJob.objects.filter(pk=job.pk, cancel_requested=True).exists()


# --- jobs ------------------------------------------------------------------------------------


def _require(by: User) -> None:
    if not by.has_perm(IMPORT_PERMISSION):
        raise PermissionDenied


def tender_job_create(
    *,
    upload: UploadedFile,
    by: User,
    mapping: Mapping[str, str | int] | None = None,
    profile: MappingProfile | None = None,
) -> ImportJob:
    """Store an uploaded file as a tender import job awaiting the user's check of the columns.

    Raise FileRejected (and store nothing) for a file too large, not a spreadsheet/XML/zip,
    encrypted, a zip bomb, or without recognisable columns.
    """
    _require(by)
    if upload.size is not None and upload.size > _max_bytes():
        raise FileRejected(
            _("The file is larger than %(limit)s MB; it was refused.") % {"limit": _max_bytes() // (1024 * 1024)}
        )
    upload.seek(0)
    tender_stream_open(upload, filename=upload.name, mapping=mapping or (profile.mapping if profile else None))
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        kind=ImportJobKind.TENDERS,
        source="file",
        original_name=upload.name[:255],
        file_sha256=digest.hexdigest(),
        status=ImportJobStatus.QUEUED,
        created_by=by,
        summary={
            "mapping": dict(mapping or (profile.mapping if profile else {})),
            "profile": profile.name if profile else "",
        },
    )
    # The job waits for the user to check the columns; tender_job_start hands it to the worker.
    job.summary[DRAFT] = True
    job.file.save(Path(upload.name).name, upload, save=False)
    job.save()
    return job


def tender_job_is_draft(job: ImportJob) -> bool:
    """Tell whether the job still waits for the user to confirm its columns."""
    return job.status == ImportJobStatus.QUEUED and bool((job.summary or {}).get(DRAFT))


def tender_job_start(*, job: ImportJob, by: User, mapping: Mapping[str, str | int] | None = None) -> ImportJob:
    """Confirm the columns of a draft job and queue it for the worker (on commit)."""
    from integrations.tasks import tender_import_task

    _require(by)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if not tender_job_is_draft(job):
            return job
        job.summary.pop(DRAFT, None)
        if mapping is not None:
            job.summary["mapping"] = dict(mapping)
        job.save(update_fields=["summary"])
        transaction.on_commit(lambda: tender_import_task.delay(job.pk))
    return job


def tender_import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued tender job; claim it atomically so two workers never run it at once.

    A job restarted after a crash starts over: the unique constraints make the rows
    already written count as matched, and its row errors are written anew.
    """
    candidate = ImportJob.objects.filter(pk=job_id, kind=ImportJobKind.TENDERS).first()
    if candidate is None or tender_job_is_draft(candidate):
        return None
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.QUEUED, cancel_requested=False).update(
        status=ImportJobStatus.RUNNING, started_at=now, heartbeat_at=now, processed_rows=0, error_count=0
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    ImportRowError.objects.filter(job=job).delete()
    summary = dict(job.summary or {})
    try:
        with job.file.open("rb") as handle:
            result = tender_file_import(
                source=handle,
                filename=job.original_name,
                by=job.created_by,
                mapping=summary.get("mapping") or None,
                job=job,
            )
    except FileRejected as exc:
        with translation.override(job.created_by.language if job.created_by else None):
            message = str(exc)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.FAILED, message=message, finished_at=timezone.now(), heartbeat_at=timezone.now()
        )
        job.refresh_from_db()
        return job
    except Exception:
        logger.exception("Tender import job %s failed", job_id)
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.FAILED,
            message=_("The import failed unexpectedly. Rows imported before the failure are kept; run it again."),
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
        job.refresh_from_db()
        return job
    summary.update(result.as_summary())
    status = ImportJobStatus.CANCELLED if result.cancelled else ImportJobStatus.DONE
    finished = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        status=status,
        summary=summary,
        error_count=result.errors,
        processed_rows=F("total_rows") if status == ImportJobStatus.DONE else F("processed_rows"),
        finished_at=finished,
        heartbeat_at=finished,
    )
    job.refresh_from_db()
    return job


def tender_jobs_recover_stale(*, after: timedelta = STALE_AFTER) -> int:
    """Re-queue tender jobs whose worker died (no heartbeat); fail them after a few attempts.

    A restarted job starts over safely: the unique constraints skip what is written.
    """
    from integrations.tasks import tender_import_task

    recovered = 0
    for job in ImportJob.objects.filter(kind=ImportJobKind.TENDERS).stale(after=after):
        summary = dict(job.summary or {})
        attempts = int(summary.get("attempts", 1)) + 1
        summary["attempts"] = attempts
        if attempts > MAX_ATTEMPTS:
            ImportJob.objects.filter(pk=job.pk, status=ImportJobStatus.RUNNING).update(
                status=ImportJobStatus.FAILED,
                summary=summary,
                message=_("The import stopped several times and was given up. Rows already imported are kept."),
                finished_at=timezone.now(),
            )
            continue
        requeued = ImportJob.objects.filter(
            pk=job.pk, status=ImportJobStatus.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(status=ImportJobStatus.QUEUED, summary=summary, heartbeat_at=timezone.now())
        if requeued:
            recovered += 1
            transaction.on_commit(lambda pk=job.pk: tender_import_task.delay(pk))
    return recovered


def tender_path_import(
    *,
    path: Path,
    by: User | None,
    mapping: Mapping[str, str | int] | None = None,
    profile_name: str = "",
    dry_run: bool = False,
) -> tuple[ImportJob | None, TenderImportResult]:
    """Import a file from disk (the management command): recorded as a job unless a dry run.

    Raise FileRejected before anything is written when the file cannot be imported at all.
    """
    if dry_run:
        return None, tender_file_import(source=path, filename=path.name, by=by, mapping=mapping, dry_run=True)
    started = time.monotonic()
    # Refuse a bad file before recording a job; the stream opened for that is the one imported.
    stream = tender_stream_open(path, filename=path.name, mapping=mapping)
    now = timezone.now()
    job = ImportJob.objects.create(
        kind=ImportJobKind.TENDERS,
        source="command",
        original_name=path.name[:255],
        status=ImportJobStatus.RUNNING,
        created_by=by,
        started_at=now,
        heartbeat_at=now,
        summary={"mapping": dict(mapping or {}), "profile": profile_name},
    )
    try:
        result = tender_file_import(source=path, filename=path.name, by=by, mapping=mapping, job=job, stream=stream)
        result.seconds = time.monotonic() - started  # reading the file once, from its opening
    except BaseException:
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJobStatus.FAILED,
            message=_("The import failed unexpectedly. Rows imported before the failure are kept; run it again."),
            finished_at=timezone.now(),
        )
        raise
    summary = {**job.summary, **result.as_summary()}
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.CANCELLED if result.cancelled else ImportJobStatus.DONE,
        summary=summary,
        error_count=result.errors,
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    job.refresh_from_db()
    return job, result


# --- checking a file before the import (nothing is written) ---------------------------------

PREVIEW_ROWS = 20


@dataclass
class PreviewRow:
    """A row of the preview: an item as it will be imported, or a row that will be rejected."""

    location: str
    number: str = ""
    customer: str = ""
    winner: str = ""
    item: str = ""
    quantity: Decimal | None = None
    unit_price: Decimal | None = None
    item_sum: Decimal | None = None
    contract_sum: Decimal | None = None
    problem: str = ""


@dataclass
class TenderInspection:
    """What a file holds: its columns, the mapping in force and the first rows as they will be imported."""

    columns: list[tuple[str, str]] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    rows: list[PreviewRow] = field(default_factory=list)
    total: int = 0
    is_spreadsheet: bool = False
    error: str = ""


def _party_text(party) -> str:
    if party is None:
        return ""
    return " · ".join(part for part in (party.name, party.inn and f"ИНН {party.inn}") if part)


def tender_job_inspect(*, job: ImportJob, mapping: Mapping[str, str | int] | None = None) -> TenderInspection:
    """Read the columns and the first rows of a job's file with `mapping` (or the job's own)."""
    from integrations.parsers.tenders.columns import column_letter

    inspection = TenderInspection()
    mapping = mapping if mapping is not None else (job.summary or {}).get("mapping") or None
    try:
        with job.file.open("rb") as handle:
            stream = tender_stream_open(handle, filename=job.original_name, mapping=mapping)
            inspection.total = stream.estimated_total
            plan = next((p for p in stream.sheets if p.detection is not None), None)
            if plan is not None:
                inspection.is_spreadsheet = True
                detection = plan.detection
                inspection.columns = [
                    (column_letter(index), text) for index, text in sorted(detection.mapping.headers.items())
                ]
                width = max((len(row) for row in plan.buffered), default=0)
                known = {letter for letter, _text in inspection.columns}
                inspection.columns += [(column_letter(i), "") for i in range(width) if column_letter(i) not in known]
                inspection.columns.sort(key=lambda pair: (len(pair[0]), pair[0]))
                inspection.mapping = detection.mapping.as_profile()
            for event in stream:
                inspection.rows.extend(_preview_rows(event))
                if len(inspection.rows) >= PREVIEW_ROWS:
                    break
    except FileRejected as exc:
        inspection.error = str(exc)
    inspection.rows = inspection.rows[:PREVIEW_ROWS]
    return inspection


def _preview_rows(event: ParsedTender | RowError) -> list[PreviewRow]:
    if isinstance(event, RowError):
        where = event.filename if event.row_number is None else str(event.row_number)
        return [PreviewRow(location=where, problem=str(event.reason))]
    rows_of = event.source.rows or ()
    number = event.number or event.contract_number or event.registry_number or ""
    common = {
        "number": number,
        "customer": _party_text(event.customer),
        "winner": _party_text(event.winner),
        "contract_sum": event.contract_sum,
    }
    problems = []
    if party_ref(event.customer) is None:
        problems.append(_("No customer: the tender will join the contract of the same number when it is imported."))
    if event.winner is None and not event.bids:
        problems.append(_("No supplier: the tender is kept with its customer and items."))
    problem = " ".join(problems)
    if not event.items:
        location = str(rows_of[0]) if rows_of else event.source.filename
        return [PreviewRow(location=location, problem=problem, **common)]
    result = []
    for index, item in enumerate(event.items):
        location = str(rows_of[index]) if index < len(rows_of) else (str(rows_of[-1]) if rows_of else "")
        result.append(
            PreviewRow(
                location=location or event.source.filename,
                item=item.name or "",
                quantity=item.quantity,
                unit_price=item.unit_price,
                item_sum=item.sum,
                problem=problem if index == 0 else "",
                **common,
            )
        )
    return result


def mapping_profile_save(*, name: str, mapping: Mapping[str, str], by: User) -> MappingProfile:
    """Save (or replace) a named column mapping for a source of files."""
    _require(by)
    profile, _created = MappingProfile.objects.update_or_create(
        name=name.strip()[:200], defaults={"mapping": dict(mapping), "created_by": by}
    )
    return profile


def tender_rejected_rows(*, job: ImportJob) -> tuple[int, list[list[Any]]]:
    """Return the rejected rows of a job: (number of cells, [row, where, reason, *original cells]).

    The original cells are read again from the stored spreadsheet (nothing else keeps them).
    """
    from integrations.parsers.spreadsheet import FileKind, detect_kind, read_table

    errors = list(job.row_errors.all())
    wanted: dict[str, set[int]] = {}
    for error in errors:
        if error.row_number and error.raw.get("file") == job.original_name:
            wanted.setdefault(error.raw.get("sheet") or "", set()).add(error.row_number)
    cells: dict[tuple[str, int], list[Any]] = {}
    if wanted and job.file:
        try:
            with job.file.open("rb") as handle:
                if detect_kind(handle, filename=job.original_name) not in (FileKind.XML, FileKind.ZIP):
                    for sheet in read_table(handle, filename=job.original_name):
                        numbers = wanted.get(sheet.name) or (wanted.get("") if sheet.index == 0 else None)
                        if not numbers:
                            continue
                        last = max(numbers)
                        for number, row in enumerate(sheet.rows, start=1):
                            if number in numbers:
                                cells[(sheet.name, number)] = ["" if value is None else value for value in row]
                            if number >= last:
                                break
        except (FileRejected, OSError):
            cells = {}
    width = max((len(row) for row in cells.values()), default=0)
    rows = []
    for error in errors:
        sheet = error.raw.get("sheet") or ""
        original = cells.get((sheet, error.row_number or 0))
        if original is None and not sheet:
            original = next((v for (s, n), v in cells.items() if n == error.row_number), None)
        rows.append([error.row_number or "", error.location, error.reason, *(original or [])])
    return width, rows


def equipment_rule_save(*, form, by: User):
    """Save an equipment rule from its validated form (rules apply to the next imports)."""
    _require(by)
    return form.save()

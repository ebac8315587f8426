"""Match the parties and items of tender files against what the CRM already knows.

Parties (customers, winners, bidders) are matched by INN first, then by normalized name,
in bulk for a batch; items are recognised as equipment by the administrator's rules
first, then by the catalogue (models, equipment types and manufacturers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.db import IntegrityError, transaction

from crm.models import Client, Product, Region
from crm.normalize import name_key
from equipment.models import Equipment, EquipmentType

__all__ = ["EquipmentGuess", "EquipmentMatcher", "PartyRef", "RegionMatcher", "party_ref", "resolve_parties"]

_REGION_NOISE = frozenset(
    {
        "республика",
        "респ",
        "край",
        "область",
        "обл",
        "г",
        "город",
        "автономный",
        "округ",
        "ао",
        "автономная",
        "федерального",
        "значения",
    }
)
_WORD_RE = re.compile(r"[\w-]+")
# Russian tender item names write the make and model in Latin: "Аппарат УЗИ Mindray DC-70".
_LATIN_MAKE_RE = re.compile(
    r"(?<![\w-])([A-Z][A-Za-z]{2,})(?:\s+([A-Za-z0-9][A-Za-z0-9\-/.]*(?:\s+[A-Za-z0-9\-/.]+)*))?"
)

# The Latin model right after a known make's name: "Cardiovit AT-102" in "Schiller Cardiovit AT-102, 2 шт".
_LATIN_MODEL_RE = re.compile(r"\s+([A-Za-z0-9][A-Za-z0-9\-/.]*(?:\s+[A-Za-z0-9\-/.]+)*)")


@dataclass(frozen=True)
class PartyRef:
    """What identifies a party in the CRM: its INN, else its normalized name."""

    key: str
    inn: str
    name: str
    name_key: str


def party_ref(party) -> PartyRef | None:
    """Build the reference of a parsed party, or ``None`` when it has neither name nor INN."""
    if party is None:
        return None
    return _party_ref(party.inn or "", party.name or "")


@lru_cache(maxsize=65536)
def _party_ref(inn: str, name: str) -> PartyRef | None:
    """Build a party reference from its raw INN and name (cached: the same parties fill whole files)."""
    inn = inn.strip()
    name = name.strip()
    key_of_name = name_key(name)
    if inn:
        return PartyRef(key=f"inn:{inn}", inn=inn, name=name or inn, name_key=key_of_name or inn)
    if not key_of_name:
        return None
    return PartyRef(key=f"name:{key_of_name}", inn="", name=name, name_key=key_of_name)


class RegionMatcher:
    """Find a region of the CRM by the name a file uses ("Респ Адыгея" is "Республика Адыгея")."""

    def __init__(self) -> None:
        self._by_key: dict[str, int] = {}
        for region_id, name in Region.objects.values_list("id", "name"):
            self._by_key.setdefault(self._key(name), region_id)
            self._by_key.setdefault(name.strip().lower(), region_id)
        self._cache: dict[str, int | None] = {}

    @staticmethod
    def _key(name: str) -> str:
        words = [w for w in _WORD_RE.findall(name.lower().replace("ё", "е")) if w not in _REGION_NOISE]
        return " ".join(words)

    def match(self, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self._cache:
            self._cache[name] = self._by_key.get(name.strip().lower()) or self._by_key.get(self._key(name))
        return self._cache[name]


def resolve_parties(
    wanted: dict[str, tuple[PartyRef, str, int | None]],
    *,
    by_id: int | None,
) -> tuple[dict[str, int], set[int]]:
    """Return `{party key: client id}` for every wanted party and the ids created now.

    `wanted` maps a party key to (reference, kind for a new client, region id for a new
    client). Matching is by INN, then by normalized name (only onto a client without an
    INN or with the same one); missing clients are created in one bulk insert.
    """
    found: dict[str, int] = {}
    if not wanted:
        return found, set()
    inns = {ref.inn for ref, _kind, _region in wanted.values() if ref.inn}
    by_inn = dict(Client.objects.filter(inn__in=inns).values_list("inn", "id")) if inns else {}
    for key, (ref, _kind, _region) in wanted.items():
        if ref.inn and ref.inn in by_inn:
            found[key] = by_inn[ref.inn]
    pending = {key: value for key, value in wanted.items() if key not in found}
    names = {ref.name_key for ref, _kind, _region in pending.values()}
    by_name: dict[str, tuple[int, str]] = {}
    if names:
        for client_id, key_of_name, inn in (
            Client.objects.filter(name_key__in=names).order_by("id").values_list("id", "name_key", "inn")
        ):
            if key_of_name not in by_name or (not by_name[key_of_name][1] and inn):
                by_name.setdefault(key_of_name, (client_id, inn))
    fill_inn: list[tuple[int, str]] = []
    for key, (ref, _kind, _region) in pending.items():
        match = by_name.get(ref.name_key)
        if match is None:
            continue
        client_id, inn = match
        if ref.inn and inn and inn != ref.inn:
            continue  # same name, another company
        found[key] = client_id
        if ref.inn and not inn:
            fill_inn.append((client_id, ref.inn))
    for client_id, inn in fill_inn:
        # A client first seen without an INN (a protocol) learns it from a contract.
        try:
            with transaction.atomic():
                Client.objects.filter(pk=client_id, inn="").update(inn=inn)
        except IntegrityError:
            pass
    missing = {key: value for key, value in wanted.items() if key not in found}
    created: set[int] = set()
    if missing:
        new_clients = []
        seen_names: set[str] = set()
        for ref, kind, region_id in missing.values():
            if not ref.inn:
                if ref.name_key in seen_names:
                    continue
                seen_names.add(ref.name_key)
            new_clients.append(
                Client(
                    kind=kind,
                    name=ref.name[:500],
                    name_key=ref.name_key[:500],
                    inn=ref.inn,
                    region_id=region_id,
                    created_by_id=by_id,
                )
            )
        Client.objects.bulk_create(new_clients, ignore_conflicts=True)
        new_inns = {ref.inn for ref, _k, _r in missing.values() if ref.inn}
        new_names = {ref.name_key for ref, _k, _r in missing.values() if not ref.inn}
        created_by_inn = dict(Client.objects.filter(inn__in=new_inns).values_list("inn", "id")) if new_inns else {}
        created_by_name: dict[str, int] = {}
        if new_names:
            for client_id, key_of_name in (
                Client.objects.filter(name_key__in=new_names, inn="").order_by("id").values_list("id", "name_key")
            ):
                created_by_name.setdefault(key_of_name, client_id)
        for key, (ref, _kind, _region) in missing.items():
            client_id = created_by_inn.get(ref.inn) if ref.inn else created_by_name.get(ref.name_key)
            if client_id is not None:
                found[key] = client_id
                created.add(client_id)
    return found, created


@dataclass(frozen=True)
class EquipmentGuess:
    equipment_type: EquipmentType
    manufacturer: str = ""
    model: str = ""
    product_id: int | None = None


def _alternation(words: Iterable[str]) -> re.Pattern | None:
    """Compile a case-insensitive pattern matching any of `words` as whole words, longest first."""
    unique = sorted({w.strip().lower() for w in words if w and len(w.strip()) >= 2}, key=len, reverse=True)
    if not unique:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in unique) + r")(?!\w)", re.IGNORECASE)


class EquipmentMatcher:
    """Recognise equipment among tender items: rules, then catalogue models, types, makes.

    Built once per import (a few queries), then pure Python with a cache per
    (name, OKPD2): the same goods repeat across thousands of rows.
    """

    def __init__(self) -> None:
        from integrations.models import EquipmentRule

        self._rules = []
        for rule in EquipmentRule.objects.filter(is_active=True).select_related("equipment_type"):
            try:
                pattern = re.compile(rule.pattern, re.IGNORECASE) if rule.pattern else None
            except re.error:
                continue
            self._rules.append((rule, pattern))
        self._types: dict[str, EquipmentType] = {
            t.name.lower(): t for t in EquipmentType.objects.filter(is_active=True)
        }
        products = list(
            Product.objects.filter(kind="equipment", is_active=True)
            .exclude(equipment_type_name="")
            .values("id", "equipment_type_name", "manufacturer", "model_name")
        )
        self._type_names = {p["equipment_type_name"].lower(): p["equipment_type_name"] for p in products}
        for name in self._types:
            self._type_names.setdefault(name, self._types[name].name)
        self._models = {p["model_name"].lower(): p for p in products if len(p["model_name"].strip()) >= 3}
        makers = {p["manufacturer"] for p in products if p["manufacturer"]}
        makers |= set(
            Equipment.objects.exclude(manufacturer="")
            .order_by()
            .values_list("manufacturer", flat=True)
            .distinct()[:5000]
        )
        makers |= {rule.manufacturer for rule, _p in self._rules if rule.manufacturer}
        self._makers = {m.lower(): m for m in makers}
        self._model_re = _alternation(self._models)
        self._type_re = _alternation(self._type_names)
        self._maker_re = _alternation(self._makers)
        self._cache: dict[tuple[str, str], EquipmentGuess | None] = {}

    def types_by_pk(self) -> dict[int, EquipmentType]:
        """Return every equipment type this matcher may answer with, by primary key."""
        found = {t.pk: t for t in self._types.values()}
        found.update({rule.equipment_type.pk: rule.equipment_type for rule, _p in self._rules if rule.equipment_type})
        return found

    def _type(self, name: str) -> EquipmentType:
        found = self._types.get(name.lower())
        if found is None:
            found, _created = EquipmentType.objects.get_or_create(name=name[:200])
            self._types[name.lower()] = found
        return found

    def _maker(self, text: str) -> tuple[str, int]:
        """The known make named in `text` and where its name ends there, else ("", -1)."""
        if self._maker_re is None:
            return "", -1
        match = self._maker_re.search(text)
        return (self._makers[match.group(1).lower()], match.end(1)) if match else ("", -1)

    def _make_and_model(self, name: str, manufacturer: str) -> tuple[str, str]:
        """Return the make (a known one, else the first Latin word) and the Latin model after it."""
        if manufacturer:
            return manufacturer, ""
        known, end = self._maker(name)
        if known:
            # The model is the Latin text right after the make ("Schiller Cardiovit AT-102").
            after = _LATIN_MODEL_RE.match(name, end)
            return known, (after.group(1).strip() if after else "")
        latin = _LATIN_MAKE_RE.search(name)
        if latin:
            return latin.group(1), (latin.group(2) or "").strip()
        return "", ""

    def match(self, name: str, okpd2: str) -> EquipmentGuess | None:
        key = (name, okpd2)
        if key not in self._cache:
            self._cache[key] = self._match(name, okpd2)
        return self._cache[key]

    def _match(self, name: str, okpd2: str) -> EquipmentGuess | None:
        for rule, pattern in self._rules:
            if rule.okpd2_prefix and not okpd2.startswith(rule.okpd2_prefix):
                continue
            if pattern is not None and not pattern.search(name):
                continue
            if rule.equipment_type is None:
                return None  # an exclusion: not equipment
            maker, model = self._make_and_model(name, rule.manufacturer)
            return EquipmentGuess(rule.equipment_type, manufacturer=maker, model=model)
        if not name:
            return None
        if self._model_re is not None and (match := self._model_re.search(name)):
            product = self._models[match.group(1).lower()]
            return EquipmentGuess(
                self._type(product["equipment_type_name"]),
                manufacturer=product["manufacturer"],
                model=product["model_name"],
                product_id=product["id"],
            )
        if self._type_re is not None and (match := self._type_re.search(name)):
            maker, model = self._make_and_model(name, "")
            return EquipmentGuess(self._type(self._type_names[match.group(1).lower()]), manufacturer=maker, model=model)
        return None

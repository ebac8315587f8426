"""Generators of realistic Russian demo values: people, companies, INN/KPP, phones, emails, addresses.

Every function takes the random generator it draws from, so a seed gives the same data every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from crm.demo import words

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10)


def inn_10(rng: random.Random, tax_office: str) -> str:
    """Return a valid INN of an organization registered at `tax_office` (four digits)."""
    body = tax_office + f"{rng.randrange(100000):05d}"
    return body + _check_digit(body, _INN10_WEIGHTS)


def inn_12(rng: random.Random, tax_office: str) -> str:
    """Return a valid INN of an individual (sole proprietor)."""
    body = tax_office + f"{rng.randrange(1000000):06d}"
    body += _check_digit(body, _INN12_WEIGHTS_1)
    return body + _check_digit(body, _INN12_WEIGHTS_2)


def kpp_for(inn: str, rng: random.Random) -> str:
    """Return a KPP of the head office: tax office of the INN, reason 01, serial 001 (sometimes 002)."""
    return f"{inn[:4]}01{'001' if rng.random() < 0.9 else '002'}"


@dataclass(frozen=True)
class Person:
    last_name: str
    first_name: str
    middle_name: str
    female: bool

    @property
    def full_name(self) -> str:
        return f"{self.last_name} {self.first_name} {self.middle_name}"

    @property
    def short_name(self) -> str:
        return f"{self.last_name} {self.first_name[0]}. {self.middle_name[0]}."


def female_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname  # Черных, Шевченко: the same for both


def person(rng: random.Random) -> Person:
    female = rng.random() < 0.5
    surname = rng.choice(words.SURNAMES)
    male_patronymic, female_patronymic = rng.choice(words.PATRONYMICS)
    if female:
        return Person(female_surname(surname), rng.choice(words.FEMALE_FIRST), female_patronymic, True)
    return Person(surname, rng.choice(words.MALE_FIRST), male_patronymic, False)


def translit(text: str) -> str:
    return "".join(words.TRANSLIT.get(ch, ch) for ch in text.lower() if ch.isalnum() or ch in "-")


@dataclass(frozen=True)
class Company:
    legal_form: str
    name: str  # the full legal name, e.g. Общество с ограниченной ответственностью «Медтехника»
    short_name: str  # e.g. ООО «Медтехника»
    kind_hint: str  # company, plant, person, hospital, state, education
    domain: str  # for emails and the website; "" for those without a site
    owner: Person | None = None  # sole proprietors


_LEGAL_FORM_WEIGHTS = [form[3] for form in words.LEGAL_FORMS]


def brand(rng: random.Random) -> str:
    root = rng.choice(words.NAME_ROOTS)
    ending = rng.choice(words.NAME_ENDINGS)
    word = root + ending if ending else root
    return word[0].upper() + word[1:] + rng.choice(words.NAME_TAILS)


def company(rng: random.Random, city: str) -> Company:
    short, full, hint, _weight = rng.choices(words.LEGAL_FORMS, weights=_LEGAL_FORM_WEIGHTS)[0]
    n = rng.randint(1, 220)
    if hint == "person":
        owner = person(rng)
        return Company(short, f"{full} {owner.full_name}", f"{short} {owner.short_name}", hint, "", owner)
    if hint == "hospital":
        title = rng.choice(words.HOSPITAL_NAMES).format(n=n, city=city)
    elif hint == "state":
        title = rng.choice(words.STATE_NAMES).format(n=n, city=city)
    elif hint == "education":
        title = rng.choice(words.EDUCATION_NAMES).format(n=n, city=city)
    elif hint == "plant":
        title = rng.choice(words.PLANT_NAMES).format(word=brand(rng))
    else:
        title = brand(rng)
    title = title if title.count("«") else f"«{title}»"
    if hint in ("hospital", "state", "education"):
        slug = translit(short) + str(n)
        domain = f"{slug}.ru" if rng.random() < 0.8 else ""
    else:
        slug = translit(title.split("«", 1)[-1].split("»", 1)[0]).replace("--", "-").strip("-")
        domain = f"{slug}.{rng.choice(('ru', 'ru', 'ru', 'com', 'su'))}" if slug else ""
    return Company(short, f"{full} {title}", f"{short} {title}", hint, domain)


def segment_for(rng: random.Random, kind_hint: str) -> str:
    if kind_hint == "hospital":
        return "Медицина"
    if kind_hint == "education":
        return "Образование"
    if kind_hint == "state":
        return rng.choice(("Госзаказчики", "Госзаказчики", "Лаборатории"))
    if kind_hint == "plant":
        return "Промышленность"
    return rng.choice(("Медицина", "Промышленность", "Дилеры", "Лаборатории", "Сервисные центры", "Промышленность"))


def address(rng: random.Random, city: str, region_code: str) -> str:
    index = {"MOW": "1", "SPE": "19", "PRI": "69"}[region_code]
    postcode = index + "".join(str(rng.randrange(10)) for _ in range(6 - len(index)))
    office = f", офис {rng.randint(1, 540)}" if rng.random() < 0.6 else ""
    return f"{postcode}, г. {city}, {rng.choice(words.STREETS)}, д. {rng.randint(1, 160)}{office}"


def landline(rng: random.Random, area_codes: tuple[str, ...]) -> tuple[str, str]:
    """Return an office phone as people write it and its E.164 form."""
    area = rng.choice(area_codes)
    rest = "".join(str(rng.randrange(10)) for _ in range(10 - len(area)))
    rest = str(rng.randint(2, 9)) + rest[1:]
    if len(rest) == 7:
        shown = f"+7 ({area}) {rest[:3]}-{rest[3:5]}-{rest[5:]}"
    else:
        shown = f"+7 ({area}) {rest[:2]}-{rest[2:4]}-{rest[4:]}"
    return shown, f"+7{area}{rest}"


_MOBILE_PREFIXES = (
    "903",
    "905",
    "909",
    "915",
    "916",
    "917",
    "919",
    "921",
    "925",
    "926",
    "929",
    "951",
    "960",
    "977",
    "985",
    "999",
)


def mobile(rng: random.Random) -> tuple[str, str]:
    """Return a mobile phone as people write it (+7 9xx …, 8 9xx …) and its E.164 form."""
    prefix = rng.choice(_MOBILE_PREFIXES)
    rest = f"{rng.randrange(10_000_000):07d}"
    style = rng.random()
    if style < 0.6:
        shown = f"+7 {prefix} {rest[:3]}-{rest[3:5]}-{rest[5:]}"
    elif style < 0.85:
        shown = f"8 ({prefix}) {rest[:3]}-{rest[3:5]}-{rest[5:]}"
    else:
        shown = f"+7{prefix}{rest}"
    return shown, f"+7{prefix}{rest}"


def person_email(rng: random.Random, who: Person, domain: str) -> str:
    first = translit(who.first_name)
    last = translit(who.last_name)
    if domain and rng.random() < 0.75:
        local = rng.choice((f"{first[0]}.{last}", f"{last}", f"{first}.{last}", f"{last}{first[0]}"))
        return f"{local}@{domain}"
    return f"{last}.{first}{rng.randint(1, 99)}@{rng.choice(words.MAIL_DOMAINS)}"


def company_email(rng: random.Random, domain: str, who: Person | None = None) -> str:
    if not domain:
        return person_email(rng, who or person(rng), "")
    return f"{rng.choice(('info', 'info', 'office', 'zakupki', 'mail', 'sales'))}@{domain}"

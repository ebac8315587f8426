"""Demo tender results: a messy spreadsheet like the exports administrators get, and its import.

`build_tender_rows` makes the rows (deterministic for a seed); `write_tender_workbook`
writes them as xlsx; `demo_workbook_bytes` is the file offered on the upload page;
`seed_tenders` imports it into the demo database (called from the app's demo seeder).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from crm.demo.generators import inn_10

HEADER = [
    "Реестровый номер закупки",
    "ФЗ",
    "Заказчик",
    "ИНН заказчика",
    "Победитель",
    "ИНН победителя",
    "Дата заключения контракта",
    "Наименование товара",
    "ОКПД2",
    "Кол-во",
    "Ед. изм.",
    "Цена за ед., руб.",
    "Сумма, руб.",
    "Цена контракта",
    "Регион",
]
# (name, OKPD2, unit, price range, is equipment)
GOODS = (
    ("Аппарат ультразвуковой диагностики Mindray DC-70", "26.60.12.132", "шт", (2_500_000, 6_000_000)),
    ("Анализатор гематологический Sysmex XN-350", "26.51.53.140", "шт", (1_200_000, 2_400_000)),
    ("Монитор пациента Philips IntelliVue MX450", "26.60.12.129", "шт", (350_000, 700_000)),
    ("Аппарат ИВЛ Hamilton C1", "32.50.21.121", "шт", (1_800_000, 3_200_000)),
    ("Центрифуга лабораторная Eppendorf 5702", "28.29.50.000", "шт", (180_000, 320_000)),
    ("Электрокардиограф Schiller Cardiovit AT-102", "26.60.12.111", "шт", (150_000, 300_000)),
    ("Перчатки смотровые нитриловые, размер M", "22.19.60.113", "пар", (8, 15)),
    ("Шприц инъекционный трёхкомпонентный 5 мл", "32.50.13.110", "шт", (3, 9)),
    ("Бумага для ЭКГ 110 мм x 30 м", "17.12.14.129", "рул", (120, 260)),
    ("Реагент для анализатора гематологического, 20 л", "20.59.52.199", "уп", (18_000, 42_000)),
)
CUSTOMERS = (
    "ГБУЗ «Городская клиническая больница № {n}»",
    "ГБУЗ «Областная клиническая больница № {n}»",
    "ФГБУ «Национальный медицинский исследовательский центр № {n}»",
    "МБУЗ «Центральная районная больница № {n}»",
    "ГБУЗ «Детская городская поликлиника № {n}»",
)
COMPETITORS = (
    "ООО «МедТехника Плюс»",
    "ООО «Диагностические системы»",
    "АО «БиоМедСнаб»",
    "ООО «Лабтрейд»",
    "ООО «Альфа Медикал»",
    "ООО «Северная медицинская компания»",
    "ООО «ВитаМед»",
    "АО «Медицинские технологии»",
)
REGIONS = ("Москва и Московская область", "Санкт-Петербург и Ленинградская область", "Приморский край")
# The rules that tell equipment from consumables in the demo goods.
DEMO_RULES = (
    ("Ultrasound", r"ультразвук|узи", "", "Аппарат УЗИ"),
    ("Haematology analysers", r"^анализатор", "", "Анализатор гематологический"),
    ("Patient monitors", r"монитор пациента", "", "Монитор пациента"),
    ("Ventilators", r"\bивл\b", "", "Аппарат ИВЛ"),
    ("Centrifuges", r"центрифуг", "", "Центрифуга"),
    ("ECG", r"электрокардиограф", "", "Электрокардиограф"),
    ("Reagents are not equipment", r"реагент|бумага", "", ""),
)
DEMO_MAKERS = ("Mindray", "Sysmex", "Philips", "Hamilton", "Eppendorf", "Schiller")


def _money_text(value: Decimal) -> str:
    """Write money the way exports do: "1 234 567,89"."""
    whole, _dot, cents = f"{value:.2f}".partition(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return " ".join(groups) + "," + cents


def build_tender_rows(
    *, tenders: int, seed: int = 1, items_per_tender: int = 4, messy: bool = True
) -> Iterator[list[Any]]:
    """Yield data rows of `tenders` tenders with `items_per_tender` items each (rows = tenders × items).

    With `messy`, tender columns are filled on the first row of a tender only, amounts and
    dates come as text half of the time, INNs with a leading zero lose it.
    """
    rng = random.Random(seed)  # noqa: S311 (demo data)
    customers = [
        (CUSTOMERS[i % len(CUSTOMERS)].format(n=i + 1), inn_10(rng, f"{rng.randint(1, 99):02d}{rng.randint(10, 99)}"))
        for i in range(max(20, tenders // 20))
    ]
    competitors = [(name, inn_10(rng, f"{rng.randint(1, 99):02d}{rng.randint(10, 99)}")) for name in COMPETITORS]
    start = date(2024, 1, 10)
    for number in range(tenders):
        customer, customer_inn = customers[rng.randrange(len(customers))]
        winner, winner_inn = competitors[rng.randrange(len(competitors))]
        signed = start + timedelta(days=rng.randrange(700))
        region = REGIONS[rng.randrange(len(REGIONS))]
        law = "44-ФЗ" if rng.random() < 0.7 else "223-ФЗ"
        tender_number = f"{'0' if law == '44-ФЗ' else '3'}{1_000_000_000_000_000_000 + seed * 10_000_000 + number}"
        items = []
        for _ in range(items_per_tender):
            name, okpd2, unit, (low, high) = GOODS[rng.randrange(len(GOODS))]
            quantity = rng.randint(1, 3) if high > 100_000 else rng.randint(10, 500)
            price = Decimal(rng.randint(low * 100, high * 100)) / 100
            items.append((name, okpd2, unit, quantity, price, price * quantity))
        total = sum(item[5] for item in items)
        for index, (name, okpd2, unit, quantity, price, line_sum) in enumerate(items):
            first = index == 0 or not messy
            as_text = messy and rng.random() < 0.5
            yield [
                tender_number if first else None,
                law if first else None,
                customer if first else None,
                (int(customer_inn) if messy and customer_inn.startswith("0") else customer_inn) if first else None,
                winner if first else None,
                winner_inn if first else None,
                (signed.strftime("%d.%m.%Y") if as_text else signed) if first else None,
                name,
                okpd2,
                quantity,
                unit,
                _money_text(price) if as_text else float(price),
                _money_text(line_sum) if as_text else float(line_sum),
                (_money_text(total) if as_text else float(total)) if first else None,
                region if first else None,
            ]


def write_tender_workbook(target: str | Path | IO[bytes], *, rows: Iterator[list[Any]], messy: bool = True) -> None:
    """Write rows as an xlsx export: a title above the header and a totals row at the end when messy."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Результаты")
    if messy:
        sheet.append(["Выгрузка результатов закупок (демонстрационные данные)"])
        sheet.append([])
    sheet.append(HEADER)
    previous = None
    for count, row in enumerate(rows):
        sheet.append(row)
        if messy and count % 97 == 5 and previous is not None:
            sheet.append([])  # a blank row between blocks
        previous = row
    if messy:
        sheet.append(["Итого", *([None] * (len(HEADER) - 1))])
    workbook.save(target)


def demo_workbook_bytes() -> bytes:
    """The demo file offered on the upload page: 40 tenders, 4 items each, with the usual mess."""
    buffer = io.BytesIO()
    write_tender_workbook(buffer, rows=build_tender_rows(tenders=40, seed=7))
    return buffer.getvalue()


def demo_rules_ensure() -> None:
    """Create the demo equipment types and rules (idempotent)."""
    from equipment.models import EquipmentType
    from integrations.models import EquipmentRule

    for priority, (name, pattern, okpd2, type_name) in enumerate(DEMO_RULES, start=10):
        equipment_type = EquipmentType.objects.get_or_create(name=type_name)[0] if type_name else None
        EquipmentRule.objects.get_or_create(
            name=name,
            defaults={
                "pattern": pattern,
                "okpd2_prefix": okpd2,
                "equipment_type": equipment_type,
                "priority": priority,
            },
        )


def seed_tenders(ctx) -> None:
    """Import the demo file once, as the demo administrator, so the pages have something to show."""
    from integrations.models import ImportJob, ImportJobKind, ImportJobStatus
    from integrations.services.tender_import import tender_file_import

    if ImportJob.objects.filter(kind=ImportJobKind.TENDERS, original_name="tenders-demo.xlsx").exists():
        return
    demo_rules_ensure()
    by = ctx.users.get("admin") or next(iter(ctx.users.values()), None)
    job = ImportJob.objects.create(
        kind=ImportJobKind.TENDERS,
        source="demo",
        original_name="tenders-demo.xlsx",
        status=ImportJobStatus.RUNNING,
        created_by=by,
    )
    from django.core.files.base import ContentFile
    from django.utils import timezone

    data = demo_workbook_bytes()
    job.file.save("tenders-demo.xlsx", ContentFile(data), save=True)
    result = tender_file_import(source=io.BytesIO(data), filename=job.original_name, by=by, job=job)
    summary = result.as_summary()
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.DONE,
        summary=summary,
        processed_rows=result.rows,
        total_rows=result.rows,
        error_count=result.errors,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    ctx.log(
        f"tenders: {summary['tenders']['created']} tenders, {summary['competitors']['created']} competitors, "
        f"{summary['equipment']['created']} equipment records imported from the demo file."
    )

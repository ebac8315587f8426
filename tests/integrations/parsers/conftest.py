"""Fixtures for the parser tests: the real EIS sample files and a workbook builder."""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.samples import SAMPLES as SHARED_SAMPLES

# Real public EIS files (see /work/shared/samples/SOURCES.md for where each comes from).
SAMPLES = SHARED_SAMPLES / "tenders"


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def make_xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Return a builder: ``make_xlsx({"Sheet": rows}, hidden=("Other",))`` -> path."""

    def build(
        sheets: dict[str, Sequence[Sequence[Any]]],
        *,
        hidden: Sequence[str] = (),
        merges: dict[str, Sequence[str]] | None = None,
        name: str = "book.xlsx",
    ) -> Path:
        workbook = openpyxl.Workbook()
        workbook.remove(workbook.active)
        for title, rows in sheets.items():
            sheet = workbook.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            if title in hidden:
                sheet.sheet_state = "hidden"
            for cell_range in (merges or {}).get(title, ()):
                sheet.merge_cells(cell_range)
        path = tmp_path / name
        workbook.save(path)
        return path

    return build

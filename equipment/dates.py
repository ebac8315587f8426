"""Calendar arithmetic for equipment dates."""

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the month's last day (31.01 + 1 month = 28/29.02)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)

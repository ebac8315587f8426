"""Localized formatting of money, phones and traffic lights."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.forms.utils import flatatt
from django.utils import translation
from django.utils.html import format_html, format_html_join

from crm.display import pk_url as display_pk_url
from crm.normalize import format_phone

register = template.Library()
NBSP = "\u00a0"


def format_money(value, *, currency: bool = True) -> str:
    """Format roubles: "1 234 567,89 ₽" in Russian, "1,234,567.89 ₽" in English."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    if (translation.get_language() or "ru").startswith("ru"):
        text = sign + NBSP.join(groups) + "," + frac
    else:
        text = sign + ",".join(groups) + "." + frac
    return f"{text}{NBSP}₽" if currency else text


@register.filter
def money(value) -> str:
    return format_money(value)


@register.filter
def amount(value) -> str:
    return format_money(value, currency=False)


@register.filter
def phone(value: str) -> str:
    return format_phone(value) if value else ""


@register.simple_tag
def pk_url(name: str, pk: int) -> str:
    """`{% url name pk %}` for list rows, reversed once per URL name (see crm.display.pk_url)."""
    return display_pk_url(name, pk)


@register.simple_tag
def select_options(field) -> str:
    """The <option>s of a bound select field, the current value selected.

    A list filter offers every user of the CRM as "responsible": hundreds of options, which a
    template loop renders node by node on every page; this builds them in one pass, escaped.
    """
    value = field.value()
    current = "" if value is None else str(value)
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((key, " selected" if str(key) == current else "", label) for key, label in field.field.choices),
    )


@register.simple_tag
def input_tag(field) -> str:
    """A bound text, number, hidden or checkbox field of a list filter as one <input>, without the widget templates.

    Django renders a widget through two templates (input and attrs), which costs more than the
    rest of a filter row; the attributes are the widget's own (class, placeholder, min, max, type).
    """
    widget = field.field.widget
    attrs = field.build_widget_attrs({**widget.attrs, "id": field.auto_id})
    kind = attrs.pop("type", widget.input_type)
    if kind == "checkbox":
        attrs["checked"] = widget.check_test(field.value())
        value = None
    else:
        value = widget.format_value(field.value())
    if value not in (None, ""):
        attrs["value"] = value
    return format_html('<input type="{}" name="{}"{}>', kind, field.html_name, flatatt(attrs))

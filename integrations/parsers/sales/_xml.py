"""Safe XML loading and namespace-blind element access for CommerceML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from integrations.parsers.spreadsheet import FileRejected
from integrations.parsers.values import clean_text

__all__ = ["child", "children", "descendants", "load_xml", "local_name", "text_of"]


def load_xml(data: bytes, *, filename: str) -> Element:
    """Parse ``data`` with entity expansion, external entities and DTDs forbidden.

    CommerceML never needs a DTD, so any ``<!DOCTYPE``/``<!ENTITY`` is refused
    outright rather than expanded (billion laughs, XXE). Raise :class:`FileRejected`
    for that and for XML that is not well-formed.
    """
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise FileRejected(
            format_lazy(
                _("“{name}” declares a DTD or entities, which is not allowed in an exchange file."), name=filename
            )
        ) from exc
    except ParseError as exc:
        raise FileRejected(
            format_lazy(_("“{name}” is not well-formed XML: {error}"), name=filename, error=str(exc))
        ) from exc


def local_name(tag: Any) -> str:
    """Return a tag without its ``{namespace}``: CommerceML 2.x and 3.x differ only there."""
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    """Return the direct children called ``name`` in any namespace."""
    return [item for item in element if local_name(item.tag) == name]


def child(element: Element | None, *path: str) -> Element | None:
    """Follow ``path`` of child names (any namespace), returning ``None`` if a step is missing."""
    current = element
    for name in path:
        if current is None:
            return None
        current = next((item for item in current if local_name(item.tag) == name), None)
    return current


def descendants(element: Element, name: str) -> Iterator[Element]:
    """Yield every element called ``name`` below ``element`` (any namespace, any depth)."""
    for item in element.iter():
        if local_name(item.tag) == name:
            yield item


def text_of(element: Element | None, *names: str) -> str | None:
    """Return the first non-blank value of ``names`` as a child element or an attribute.

    Exchange modules write the same field either way (``<БазоваяЕдиница Код="796">``
    versus ``<Единица><Код>796</Код>``), so both are looked at.
    """
    if element is None:
        return None
    for name in names:
        found = child(element, name)
        value = clean_text(found.text) if found is not None else None
        if value is None:
            value = clean_text(_attribute(element, name))
        if value is not None:
            return value
    return None


def _attribute(element: Element, name: str) -> str | None:
    """Return attribute ``name`` of ``element``, ignoring any namespace on it."""
    for key, value in element.attrib.items():
        if local_name(key) == name:
            return value
    return None

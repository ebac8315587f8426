"""Russian is complete: every message of the catalogue is translated, none is fuzzy."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("locale/ru/LC_MESSAGES/*.po"))


def test_there_is_a_russian_catalogue():
    assert CATALOGUES, "locale/ru/LC_MESSAGES/django.po is missing"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_every_message_is_translated(path):
    po = polib.pofile(str(path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated, e.g. {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:10]}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_placeholders_survive_translation(path):
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    po = polib.pofile(str(path))
    broken = []
    for entry in po.translated_entries():
        expected = set(placeholder.findall(entry.msgid))
        for msgstr in [entry.msgstr, *entry.msgstr_plural.values()]:
            if msgstr and set(placeholder.findall(msgstr)) - expected:
                broken.append(entry.msgid)
            if msgstr and not entry.msgid_plural and set(placeholder.findall(msgstr)) != expected:
                broken.append(entry.msgid)
    assert not broken, broken[:10]


def test_the_interface_speaks_russian():
    with translation.override("ru"):
        assert translation.gettext("Clients") == "Клиенты"
        assert translation.gettext("Log in") == "Войти"

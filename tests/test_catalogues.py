"""Catalogues: complete in kk, ky and ru, and covering every message the code uses."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, Translator
from insurance.consent import LANGUAGES as CONSENT_LANGUAGES, PERSONAL_DATA, consent_text

ROOT = Path(__file__).resolve().parents[1]
PO_CHECK = ROOT.parent / "shared" / "tools" / "po_check.py"
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
WORD = re.compile(r"[^\W\d_]{2,}")
TAG = re.compile(r"</?\w+>")
SCRIPT = {"kk": re.compile("[әғқңөұүһі]", re.I), "ky": re.compile("[ңөү]", re.I)}


def catalogue(language: str):
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def used_messages() -> set[str]:
    found = set()
    for folder in ("bot", "handlers", "insurance"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_not_fuzzy_and_keeps_placeholders(language):
    problems = []
    for message in catalogue(language):
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {message.id!r}")
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = sorted(PLACEHOLDER.findall(ids[0]))
        for string in strings:
            if sorted(PLACEHOLDER.findall(string)) != wanted:
                problems.append(f"placeholders differ: {message.id!r}")
            if string.count("<b>") != string.count("</b>") or string.count("<i>") != string.count("</i>"):
                problems.append(f"unbalanced tags: {message.id!r}")
    assert problems == []


@pytest.mark.parametrize("language", ["kk", "ky"])
def test_nothing_is_left_in_russian_or_english(language):
    def first(value: str | tuple[str, ...]) -> str:  # plural entries: the singular
        return value if isinstance(value, str) else value[0]

    russian = {first(m.id): first(m.string) for m in catalogue("ru") if m.id}
    left = [
        first(m.id) for m in catalogue(language)
        if m.id and len(WORD.findall(TAG.sub("", PLACEHOLDER.sub("", first(m.id))))) >= 3
        and first(m.string) in (first(m.id), russian.get(first(m.id)))
    ]
    assert left == []
    texts = " ".join(first(m.string) for m in catalogue(language) if m.id)
    assert SCRIPT[language].search(texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_in_the_code_is_in_the_catalogue(language):
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue(language) if m.id}
    assert sorted(used_messages() - have) == []


@pytest.mark.skipif(not PO_CHECK.is_file(), reason="shared/tools is beside the repository only in CI and dev")
def test_the_shared_po_check_passes():
    result = subprocess.run([sys.executable, str(PO_CHECK), str(ROOT / "locales"), *LANGUAGES],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("language", LANGUAGES)
def test_money_dates_and_numbers_follow_the_language(language):
    from datetime import date
    from decimal import Decimal

    t = Translator(language)
    assert t.money(Decimal("12345.5"), "KZT").replace("\xa0", " ").startswith("12 345,50")
    assert "2026" in t.date(date(2026, 3, 21))
    assert t.number(5000).replace("\xa0", " ") == "5 000"


def test_consent_text_exists_in_each_language_with_its_recorded_hash():
    texts = [consent_text(PERSONAL_DATA, language) for language in CONSENT_LANGUAGES]
    assert len({t.version for t in texts}) == 1
    assert len({t.sha256 for t in texts}) == 3
    assert SCRIPT["kk"].search(texts[0].body) and SCRIPT["ky"].search(texts[1].body)
    for text in texts:
        # What the consent must say (domain brief, "Consent"): who, why, how long, withdrawal.
        assert "Nomad Life" in text.body and "САКБОЛ" in text.body
        assert "Qamqor" in text.body

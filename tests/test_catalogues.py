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


def first(value: str | tuple[str, ...]) -> str:
    """The singular of a message with plural forms, or the message itself."""
    return value[0] if isinstance(value, tuple) else value


@pytest.mark.parametrize("language", ["kk", "ky"])
def test_nothing_is_left_in_russian_or_english(language):
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


# Issue 14: "form 5" and "Appendix 1" must not reach a Kazakh or Kyrgyz reader in
# English; clause numbers stay data and the words around them come from the catalogue.
LATIN_CLAUSE_WORD = re.compile(r"\b(form|forms|appendix|clause|clauses|section|item|terms|article)\b", re.I)


@pytest.mark.parametrize("language", ["kk", "ky"])
def test_no_latin_clause_word_in_kazakh_or_kyrgyz(language):
    entries = [m for m in catalogue(language) if m.id]
    left = [m.id for m in entries
            for string in (m.string if isinstance(m.string, tuple) else (m.string,))
            if LATIN_CLAUSE_WORD.search(PLACEHOLDER.sub("", string))]
    assert left == []
    from insurance.catalogue import load_catalogue

    product_texts = [text.get(language) for product in load_catalogue() for text in _texts(product)]
    assert product_texts and [t for t in product_texts if LATIN_CLAUSE_WORD.search(t)] == []


@pytest.mark.parametrize("language", ["kk", "ky"])
def test_clause_references_of_the_products_read_in_the_language(language):
    from insurance.catalogue import load_catalogue
    from bot.i18n import translator

    t = translator(language)
    clauses = set()
    for product in load_catalogue():
        clauses |= set(_clauses(product))
    assert {"form 5, 6.2, 4.4(й)", "9.5, Appendix 1", "terms (и)"} <= clauses
    for clause in clauses:
        rendered = t.clause_reference(clause)
        assert not LATIN_CLAUSE_WORD.search(rendered), (clause, rendered)
        # the numbers stay as written
        assert re.findall(r"\d+(?:\.\d+)*", rendered) == re.findall(r"\d+(?:\.\d+)*", clause)
    # and a message that takes a clause renders it the same way
    assert t.gettext("clause %(clause)s", clause="9.5, Appendix 1") == {
        "kk": "9.5, 1-қосымша-тармақ", "ky": "9.5, 1-тиркеме-пункт"}[language]


def test_a_latin_clause_word_would_fail_the_check():
    assert LATIN_CLAUSE_WORD.search("өтініш нысанының form 5")
    assert LATIN_CLAUSE_WORD.search("Appendix 1-қосымша")
    assert not LATIN_CLAUSE_WORD.search("өтініш нысанының 5-бөлімі, 1-қосымша")


def _texts(value):
    import dataclasses

    from insurance.product import LocalizedText

    if isinstance(value, LocalizedText):
        yield value
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            yield from _texts(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _texts(item)


def _clauses(value):
    import dataclasses

    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            item = getattr(value, field.name)
            if field.name.endswith("clause") and isinstance(item, str):
                yield item
            else:
                yield from _clauses(item)
    elif isinstance(value, tuple):
        for item in value:
            yield from _clauses(item)


@pytest.mark.parametrize(("n", "form"), [(1, "рабочего дня"), (2, "рабочих дней"), (5, "рабочих дней"),
                                         (21, "рабочего дня"), (11, "рабочих дней")])
def test_russian_plural_meets_the_number(n, form):
    t = Translator("ru")
    assert t.ngettext("within %(n)s working day", "within %(n)s working days", n) == f"в течение {n} {form}"
    reminder = t.ngettext(
        "<b>📎 Claim No. %(number)s</b>\nThe insurer is still waiting for %(n)s document: %(items)s. "
        "Send it here when you can.",
        "<b>📎 Claim No. %(number)s</b>\nThe insurer is still waiting for %(n)s documents: %(items)s. "
        "Send them here when you can.", n, number="1", items="x")
    noun = {1: "документ", 2: "документа", 5: "документов", 21: "документ", 11: "документов"}[n]
    assert f"ждёт {n} {noun}:" in reminder


@pytest.mark.parametrize("language", ["kk", "ky"])
def test_kazakh_and_kyrgyz_keep_one_form_after_a_number(language):
    t = Translator(language)
    one, many = (t.ngettext("within %(n)s working day", "within %(n)s working days", n) for n in (1, 5))
    assert one.replace("1", "5") == many

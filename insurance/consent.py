"""Consent documents: the exact texts a person agrees to, with version and hash.

The personal-data consent must name who processes the data, what, why, to whom
it may pass, how long it lasts and that it can be withdrawn (domain brief,
"Consent"; SAKBOL application form, consent text). Published texts are frozen:
each file stores the SHA-256 of every language's text and loading fails if a
text was edited without a new version.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LANGUAGES = ("kk", "ky", "ru")
PERSONAL_DATA = "personal_data"
# SAKBOL consent text (form): withdrawn "by a written application to the
# beneficiary and the insurer"; Nomad Life's consent names the same two.
WITHDRAWAL_RECIPIENTS = ("insurer", "lender")
_DOCUMENTS = Path(__file__).parent / "consents"


class ConsentDocumentError(ValueError):
    """A consent file is malformed or a text no longer matches its hash."""


@dataclass(frozen=True)
class ConsentText:
    kind: str
    scope: str
    version: str
    language: str
    title: str
    body: str

    @property
    def full_text(self) -> str:
        return unicodedata.normalize("NFC", f"{self.title}\n\n{self.body}")

    @property
    def sha256(self) -> str:
        return text_sha256(self.full_text)


def text_sha256(text: str) -> str:
    return hashlib.sha256(unicodedata.normalize("NFC", text).encode("utf-8")).hexdigest()


@cache
def _load(kind: str) -> dict[str, ConsentText]:
    path = _DOCUMENTS / f"{kind}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        texts = {
            lang: ConsentText(raw["kind"], raw["scope"], raw["version"], lang, t["title"], t["body"])
            for lang, t in raw["texts"].items()
        }
        recorded = {lang: t["sha256"] for lang, t in raw["texts"].items()}
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise ConsentDocumentError(f"{path.name}: {exc!r}") from exc
    missing = set(LANGUAGES) - set(texts)
    if missing:
        raise ConsentDocumentError(f"{path.name}: no text in {', '.join(sorted(missing))}")
    for lang, text in texts.items():
        if text.sha256 != recorded[lang]:
            raise ConsentDocumentError(
                f"{path.name}: the {lang} text changed but version {text.version} is published; "
                "give the new wording a new version"
            )
    return texts


def consent_text(kind: str, language: str) -> ConsentText:
    """The current text of a consent in one of kk, ky, ru."""
    texts = _load(kind)
    if language not in texts:
        raise ConsentDocumentError(f"{kind}: no text in {language!r}")
    return texts[language]

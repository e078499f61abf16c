"""Message text handling: Telegram-style HTML parsing, entities and UTF-16 offsets.

Telegram measures entity offsets and lengths in UTF-16 code units, so every offset computed
here uses :func:`utf16_len`.
"""

from __future__ import annotations

import re
from typing import Any

from .errors import ApiError, bad_request

JSON = dict[str, Any]

_TAG_ENTITY_TYPES: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}

_NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHARACTER_REFERENCE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,8}));")
_ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")

PARSE_MODES = {"html": "HTML", "markdown": "Markdown", "markdownv2": "MarkdownV2"}


class EntityParseError(ValueError):
    """The text cannot be parsed with the requested parse mode."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_reference(source: str, index: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``source[index] == "&"``."""
    match = _CHARACTER_REFERENCE.match(source, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_CHARACTERS.get(name.lower())
        if char is None:
            return None
        return char, match.end()
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _unescape(source: str, value: str, base: int) -> str:
    result: list[str] = []
    index = 0
    while index < len(value):
        if value[index] == "&":
            decoded = _decode_reference(value, index)
            if decoded is None:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(source, base + index)} "
                    "is not a part of an HTML entity and must be escaped as &amp;"
                )
            result.append(decoded[0])
            index = decoded[1]
        else:
            result.append(value[index])
            index += 1
    return "".join(result)


def _parse_attributes(source: str, index: int, tag: str, tag_start: int) -> tuple[JSON, int]:
    """Parse ``name="value"`` pairs up to the closing ``>``; return them and the index after it."""
    attributes: JSON = {}
    length = len(source)
    while True:
        while index < length and source[index].isspace():
            index += 1
        if index >= length:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(source, tag_start)}"
            )
        if source[index] == ">":
            return attributes, index + 1
        name_match = _ATTRIBUTE_NAME.match(source, index)
        if name_match is None:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(source, tag_start)}"
            )
        name = name_match.group().lower()
        index = name_match.end()
        while index < length and source[index].isspace():
            index += 1
        if index >= length or source[index] != "=":
            attributes[name] = ""
            continue
        index += 1
        while index < length and source[index].isspace():
            index += 1
        if index >= length:
            raise EntityParseError(
                f"Unclosed start tag at byte offset {_byte_offset(source, tag_start)}"
            )
        quote = source[index]
        if quote in "\"'":
            end = source.find(quote, index + 1)
            if end == -1:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(source, tag_start)}"
                )
            raw, value_start, index = source[index + 1 : end], index + 1, end + 1
        else:
            end = index
            while end < length and not source[end].isspace() and source[end] != ">":
                end += 1
            raw, value_start, index = source[index:end], index, end
        attributes[name] = _unescape(source, raw, value_start)


def _entity_for(tag: str, attributes: JSON, source: str, tag_start: int) -> JSON | None:
    """The entity a start tag opens (offset and length are filled in at the end tag)."""
    kind = _TAG_ENTITY_TYPES[tag]
    if tag == "span" and attributes.get("class") != "tg-spoiler":
        raise EntityParseError(
            f'Tag "span" must have class "tg-spoiler" at byte offset '
            f"{_byte_offset(source, tag_start)}"
        )
    if tag == "a":
        href = attributes.get("href", "")
        return {"type": kind, "url": href} if href else None
    if tag == "blockquote" and "expandable" in attributes:
        return {"type": "expandable_blockquote"}
    if tag == "tg-emoji":
        emoji_id = attributes.get("emoji-id", "")
        if not emoji_id:
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset '
                f"{_byte_offset(source, tag_start)}"
            )
        return {"type": kind, "custom_emoji_id": emoji_id}
    if tag == "code":
        language = attributes.get("class", "")
        if language.startswith("language-"):
            return {"type": kind, "language": language.removeprefix("language-")}
    return {"type": kind}


def parse_html(source: str) -> tuple[str, list[JSON]]:
    """Parse Telegram's HTML subset into plain text and entities.

    Stricter than Telegram in one respect: a bare ``&`` that does not start a character
    reference is an error here (Telegram tolerates it, but its documentation forbids it).
    """
    output: list[str] = []
    position = 0
    stack: list[tuple[str, int, JSON | None]] = []
    entities: list[JSON] = []
    index, length = 0, len(source)
    while index < length:
        char = source[index]
        if char == "<" and index + 1 < length and source[index + 1] == "/":
            end = source.find(">", index)
            if end == -1:
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(source, index)}"
                )
            tag = source[index + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(source, index)}"
                )
            open_tag, start, entity = stack.pop()
            if tag != open_tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(source, index)}, "
                    f'expected "</{open_tag}>", found "</{tag}>"'
                )
            if entity is not None and position > start:
                language = entity.pop("language", None) if open_tag == "code" else None
                if open_tag == "code" and stack and stack[-1][0] == "pre" and stack[-1][1] == start:
                    parent = stack[-1][2]
                    if parent is not None and language:
                        parent["language"] = language
                else:
                    entities.append({**entity, "offset": start, "length": position - start})
            index = end + 1
        elif char == "<":
            end = index + 1
            while end < length and not source[end].isspace() and source[end] != ">":
                end += 1
            if end >= length:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(source, index)}"
                )
            tag = source[index + 1 : end].lower()
            if tag not in _TAG_ENTITY_TYPES:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {_byte_offset(source, index)}'
                )
            attributes, after = _parse_attributes(source, end, tag, index)
            stack.append((tag, position, _entity_for(tag, attributes, source, index)))
            index = after
        elif char == "&":
            decoded = _decode_reference(source, index)
            if decoded is None:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(source, index)} is not a part "
                    "of an HTML entity and must be escaped as &amp;"
                )
            output.append(decoded[0])
            position += utf16_len(decoded[0])
            index = decoded[1]
        else:
            output.append(char)
            position += 2 if ord(char) > 0xFFFF else 1
            index += 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(output), entities


def strip_text(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Trim surrounding whitespace as Telegram does, clipping entities to the new bounds."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_length = utf16_len(stripped)
    clipped: list[JSON] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_length)
        if end > start:
            clipped.append({**entity, "offset": start, "length": end - start})
    return stripped, clipped


def _validate_entities(entities: Any, text: str) -> list[JSON]:
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    result: list[JSON] = []
    for entity in entities:
        if (
            not isinstance(entity, dict)
            or not isinstance(entity.get("type"), str)
            or not isinstance(entity.get("offset"), int)
            or not isinstance(entity.get("length"), int)
        ):
            raise bad_request("can't parse entities JSON object")
        if (
            entity["offset"] < 0
            or entity["length"] <= 0
            or entity["offset"] + entity["length"] > total
        ):
            raise bad_request("entity beginning is out of bounds")
        result.append(dict(entity))
    return result


def normalize_parse_mode(parse_mode: str | None) -> str | None:
    if parse_mode is None or parse_mode == "":
        return None
    canonical = PARSE_MODES.get(parse_mode.lower())
    if canonical is None:
        raise bad_request(f"unsupported parse_mode {parse_mode!r}")
    return canonical


def render(text: str, parse_mode: str | None, entities: Any = None) -> tuple[str, list[JSON]]:
    """Turn the text a bot sent into the text and entities Telegram would store.

    Explicit ``entities`` win over ``parse_mode``; HTML is parsed; Markdown modes are kept
    verbatim (not emulated). Raises :class:`ApiError` on a parse failure.
    """
    mode = normalize_parse_mode(parse_mode)
    if entities is not None:
        return strip_text(text, _validate_entities(entities, text))
    if mode == "HTML":
        try:
            plain, parsed = parse_html(text)
        except EntityParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        return strip_text(plain, parsed)
    return strip_text(text, [])


def command_entity(text: str) -> JSON | None:
    """The ``bot_command`` entity Telegram attaches to a message starting with a command."""
    match = _COMMAND.match(text)
    if match is None:
        return None
    return {"type": "bot_command", "offset": 0, "length": utf16_len(match.group())}

"""Instrument versions as JSON: export, and checked import. Pure, without the database."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from surveys import scoring

FORMAT = "socialcapital-instrument"
FORMAT_VERSION = 1
LANGUAGES = ("da", "sv", "en")
MAX_ITEMS = 60
MAX_TEXT = 300
MAX_BYTES = 512 * 1024
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class ItemData:
    key: str
    subdimension: str
    texts: dict[str, str]
    reverse: bool = False
    allow_dont_know: bool = False
    core: bool = False


@dataclass
class ParsedInstrument:
    name: str = ""
    items: list[ItemData] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def export_instrument(name: str, version: int, items) -> dict:
    """The JSON document for an instrument version (items: objects with Item's fields)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": name,
        "version": version,
        "items": [
            {
                "key": item.key,
                "subdimension": item.subdimension,
                "texts": {lang: getattr(item, f"text_{lang}") for lang in LANGUAGES},
                "reverse": item.reverse,
                "dont_know": item.allow_dont_know,
                "core": item.core,
            }
            for item in items
        ],
    }


def _flag(raw: dict, name: str, position: int, errors: list[str]) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        errors.append(
            _("Question %(number)s: “%(field)s” must be true or false.")
            % {"number": position, "field": name}
        )
        return False
    return value


def parse_instrument(data: bytes) -> ParsedInstrument:
    """Check an uploaded instrument document and say exactly what is wrong with it."""
    result = ParsedInstrument()
    if len(data) > MAX_BYTES:
        result.errors.append(_("The file is larger than 512 KB."))
        return result
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        result.errors.append(_("The file is not valid JSON."))
        return result
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        result.errors.append(_("The file is not an exported instrument."))
        return result
    name = document.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 120 or "\x00" in name:
        result.errors.append(_("The instrument needs a name of at most 120 characters."))
    else:
        result.name = " ".join(name.split())
    raw_items = document.get("items")
    if not isinstance(raw_items, list) or not 1 <= len(raw_items) <= MAX_ITEMS:
        result.errors.append(
            _("The instrument needs between 1 and %(max)s questions.") % {"max": MAX_ITEMS}
        )
        return result
    seen: set[str] = set()
    for position, raw in enumerate(raw_items, start=1):
        errors: list[str] = []
        if not isinstance(raw, dict):
            result.errors.append(_("Question %(number)s is not an object.") % {"number": position})
            continue
        key = raw.get("key")
        if not isinstance(key, str) or not KEY_PATTERN.match(key):
            errors.append(
                _("Question %(number)s: the key must be 1-40 lower-case letters, digits or -.")
                % {"number": position}
            )
        elif key in seen:
            errors.append(
                _("Question %(number)s: the key “%(key)s” is used twice.")
                % {"number": position, "key": key}
            )
        else:
            seen.add(key)
        subdimension = raw.get("subdimension")
        if subdimension not in scoring.SUBDIMENSIONS:
            errors.append(
                _("Question %(number)s: unknown area. Use one of: %(areas)s.")
                % {"number": position, "areas": ", ".join(scoring.SUBDIMENSIONS)}
            )
        texts = raw.get("texts")
        clean_texts: dict[str, str] = {}
        if not isinstance(texts, dict):
            errors.append(
                _("Question %(number)s needs texts in Danish, Swedish and English.")
                % {"number": position}
            )
        else:
            for lang in LANGUAGES:
                text = texts.get(lang)
                if (
                    not isinstance(text, str)
                    or not text.strip()
                    or len(text) > MAX_TEXT
                    or "\x00" in text
                ):
                    errors.append(
                        _(
                            "Question %(number)s: the text for language “%(language)s” "
                            "is missing or too long."
                        )
                        % {"number": position, "language": lang}
                    )
                else:
                    clean_texts[lang] = " ".join(text.split())
        flags = {
            name: _flag(raw, name, position, errors) for name in ("reverse", "dont_know", "core")
        }
        if errors:
            result.errors.extend(errors)
            continue
        result.items.append(
            ItemData(
                key=key,
                subdimension=subdimension,
                texts=clean_texts,
                reverse=flags["reverse"],
                allow_dont_know=flags["dont_know"],
                core=flags["core"],
            )
        )
    return result

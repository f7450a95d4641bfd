"""The message catalogue: every error code's message in Simplified Chinese and English.

An error body's ``message`` comes from here, keyed by its ``code``, in the caller's
language; ``errors`` keeps the details. The catalogue is plain data,
``wms/translations/<locale>.json``, read as it is in the source tree (nothing to compile)
and served read-only to the PDA UI (``GET /api/v1/i18n/<language>``), which shows the same
messages for the same codes.

Each catalogue holds ``messages`` (one per code, always usable) and ``detailed`` (for
some codes, the message with ``{placeholders}`` filled from the error's details). A
detailed message is used only when every placeholder it names is in the details; else
the plain one is. A code the catalogue lacks keeps the message it was raised with.

The language of a request (Flask-Babel's locale selector): the logged-in user's own
setting, else the ``Accept-Language`` header (``zh*`` is Chinese, ``en*`` English, the
first of them by quality wins), else Simplified Chinese.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request

#: Languages as users and the API name them (BCP 47) and the catalogue's locale of each.
LOCALE_OF_LANGUAGE = {"zh-CN": "zh_CN", "en": "en"}
LANGUAGE_OF_LOCALE = {locale: language for language, locale in LOCALE_OF_LANGUAGE.items()}
LANGUAGES = tuple(LOCALE_OF_LANGUAGE)
DEFAULT_LOCALE = "zh_CN"
CATALOGUE_DIR = Path(__file__).resolve().parent / "translations"

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
_SCALAR = (str, int, float, Decimal)


@functools.cache
def catalogue(locale: str) -> dict[str, Any]:
    """The catalogue of one locale (``zh_CN``, ``en``), read once per process."""
    if locale not in LANGUAGE_OF_LOCALE:
        raise KeyError(locale)
    with open(CATALOGUE_DIR / f"{locale}.json", encoding="utf-8") as file:
        return json.load(file)


def placeholders(text: str) -> set[str]:
    """The detail names a catalogue message fills in."""
    return set(_PLACEHOLDER.findall(text))


def locale_of_header(accept_language) -> str:
    """The catalogue locale an ``Accept-Language`` header asks for, best quality first."""
    for tag, quality in accept_language:
        tag = tag.lower()
        if quality <= 0:
            continue
        if tag == "zh" or tag.startswith("zh-") or tag.startswith("zh_"):
            return "zh_CN"
        if tag == "en" or tag.startswith("en-") or tag.startswith("en_"):
            return "en"
    return DEFAULT_LOCALE


def select_locale() -> str:
    """Flask-Babel's locale selector: the user's own setting, else the header, else Chinese."""
    language = _caller_language()
    if language in LOCALE_OF_LANGUAGE:
        return LOCALE_OF_LANGUAGE[language]
    return locale_of_header(request.accept_languages)


def _caller_language() -> str | None:
    """The checked caller's own language: ``g.user``, or the row a view's first statement
    read and checked for a bearer login (``g.login``); None before the caller is known."""
    caller = g.get("user")
    if caller is None:
        login = g.get("login")
        caller = getattr(login, "user", None) or getattr(login, "row", None)
    return getattr(caller, "language", None)


def init_app(app: Flask) -> None:
    """Give the app Flask-Babel with this selector (imported here: the CLI starts faster)."""
    from flask_babel import Babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    Babel(app, locale_selector=select_locale)
    app.after_request(label_error_language)


def label_error_language(response):
    """after_request: an error body says its language (Content-Language), and that the header chose it."""
    if response.status_code >= 400 and response.mimetype == "application/json":
        response.headers["Content-Language"] = LANGUAGE_OF_LOCALE[current_locale()]
        response.vary.add("Accept-Language")
    return response


def current_locale() -> str:
    """The catalogue locale of this request."""
    from flask_babel import get_locale

    locale = str(get_locale() or DEFAULT_LOCALE)
    return locale if locale in LANGUAGE_OF_LOCALE else DEFAULT_LOCALE


def render(locale: str, code: str, details: Mapping[str, Any] | None, fallback: str) -> str:
    """The message for ``code`` in ``locale``: detailed when the details fill it, else plain."""
    entries = catalogue(locale)
    detailed = entries["detailed"].get(code)
    if detailed:
        filled = _fill(detailed, details or {})
        if filled:
            return filled
    return entries["messages"].get(code) or fallback


def error_message(code: str, details: Mapping[str, Any] | None, fallback: str) -> str:
    """The message of an error body in the caller's language; ``fallback`` outside a request."""
    if not has_request_context():
        return fallback
    return render(current_locale(), code, details, fallback)


def _fill(text: str, details: Mapping[str, Any]) -> str | None:
    """``text`` with its placeholders filled, or None when a detail is missing or not text."""
    values = {}
    for name in placeholders(text):
        value = _as_text(details.get(name))
        if value is None:
            return None
        values[name] = value
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _as_text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, _SCALAR):
        text = str(value)
    elif isinstance(value, list | tuple) and value and all(isinstance(v, _SCALAR) for v in value):
        text = ", ".join(str(v) for v in value)
    else:
        return None
    return text if text.strip() else None

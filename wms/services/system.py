"""The service's own state and texts: health, and the message catalogue of each language."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

import sqlalchemy as sa

from wms.errors import NotFound
from wms.extensions import db
from wms.i18n import LANGUAGES, LOCALE_OF_LANGUAGE, catalogue


@dataclass(frozen=True)
class Health:
    """The service is up; which database answers it and which release it runs."""

    status: str
    database: str
    version: str


@dataclass(frozen=True)
class MessageCatalogue:
    """The messages of one language, keyed by error code, as the API's error bodies use them."""

    language: str
    name: str
    messages: dict[str, str]
    detailed: dict[str, str]
    reasons: dict[str, str]  # why a lot is inspected as it is, keyed by reason code (R5)


def service_health() -> Health:
    """Is the database reachable (raises the database's error when it is not)."""
    db.session.execute(sa.text("SELECT 1"))
    try:
        release = version("wms-handheld")
    except PackageNotFoundError:  # running from a source tree
        release = "dev"
    return Health("ok", db.session.get_bind().dialect.name, release)


def message_catalogue(language: str) -> MessageCatalogue:
    """The catalogue of a language the service speaks (``zh-CN``, ``en``), else NotFound."""
    locale = LOCALE_OF_LANGUAGE.get(language)
    if locale is None:
        raise NotFound(f"No messages in '{language}'.", language=language, languages=list(LANGUAGES))
    entries = catalogue(locale)
    return MessageCatalogue(language, entries["name"], entries["messages"], entries["detailed"],
                            entries.get("reasons", {}))

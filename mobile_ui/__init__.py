"""The PDA and station web app: one page at ``/``, its scripts, styles, icons and catalogue.

The app is plain ES modules, CSS and a service worker, written by hand and served as they
are from ``mobile_ui/static`` (no build step; ``docs/ui.md`` says why). This blueprint
serves them the way a handheld on bad Wi-Fi needs:

- every file gzip-compressed when the browser accepts it, compressed once per process;
- ``/`` (the shell), ``/sw.js`` and ``/manifest.webmanifest`` are ``no-cache`` with an
  ETag, so an updated app is seen at the next start and an unchanged one costs a 304;
- assets under ``/app/`` asked for with the app's version (``?v=<version>``, as the shell
  names its script and style) are ``immutable`` for a year; the version is a hash of every
  file, so a change renames them; other asset URLs (the modules a script imports) are
  ``no-cache`` with an ETag;
- the service worker precaches the shell and every asset under the version's name and
  answers from that cache, so the app starts and runs offline; a new version replaces it.

The app talks to the API only (``/api/v1``); it holds no warehouse rule of its own.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import mimetypes
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, request

STATIC_DIR = Path(__file__).resolve().parent / "static"
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
#: UI languages as the API names them.
LANGUAGES = ("zh-CN", "en")
#: Below this size compression costs more than it saves.
COMPRESS_MIN_BYTES = 512
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")

blp = Blueprint("mobile_ui", __name__)


def register_ui(app: Flask) -> None:
    """Serve the PDA app at ``/``."""
    app.register_blueprint(blp)


@functools.cache
def asset_files() -> tuple[str, ...]:
    """Every file the app consists of, relative to ``static`` (the service worker's list)."""
    names = [path.relative_to(STATIC_DIR).as_posix() for path in sorted(STATIC_DIR.rglob("*")) if path.is_file()]
    return tuple(name for name in names if name not in ("index.html", "sw.js", "manifest.webmanifest"))


@functools.cache
def app_version() -> str:
    """A hash of every file of the app and its catalogues: changes whenever one does."""
    digest = hashlib.sha256()
    for path in sorted([*STATIC_DIR.rglob("*"), *TRANSLATIONS_DIR.glob("*.json")]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def catalogue(language: str) -> dict:
    """The UI's own strings in one language (``mobile_ui/translations/<language>.json``)."""
    with open(TRANSLATIONS_DIR / f"{language}.json", encoding="utf-8") as file:
        return json.load(file)


@functools.cache
def _rendered(name: str) -> bytes:
    """The shell, service worker and manifest with the app's version and asset list filled in."""
    text = (STATIC_DIR / name).read_text(encoding="utf-8")
    assets = [f"/app/{asset}" for asset in asset_files()]
    assets += [f"/app/i18n/{language}.json" for language in LANGUAGES]
    return (text.replace("__VERSION__", app_version())
            .replace('"__ASSETS__"', json.dumps(assets))).encode("utf-8")


@functools.cache
def _compressed(key: str, body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=9, mtime=0)


def _send(key: str, body: bytes, mimetype: str, cache_control: str) -> Response:
    """A file's bytes with its cache policy, ETag and (when accepted) gzip encoding."""
    etag = hashlib.sha256(body).hexdigest()[:20]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
        if len(body) >= COMPRESS_MIN_BYTES and "gzip" in request.headers.get("Accept-Encoding", ""):
            response.set_data(_compressed(key, body))
            response.headers["Content-Encoding"] = "gzip"
    response.set_etag(etag)
    response.headers["Cache-Control"] = cache_control
    response.headers["Vary"] = "Accept-Encoding"
    return response


@blp.get("/")
def shell() -> Response:
    """The app's one page; the screens are drawn by its scripts (``/#/login``, ``/#/pick/W-1``)."""
    return _send("index.html", _rendered("index.html"), "text/html", REVALIDATE)


@blp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so that it controls the whole app."""
    response = _send("sw.js", _rendered("sw.js"), "text/javascript", REVALIDATE)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@blp.get("/manifest.webmanifest")
def manifest() -> Response:
    """The web app manifest: name, icons, colours; what lets Chrome install the app."""
    return _send("manifest.webmanifest", _rendered("manifest.webmanifest"), "application/manifest+json",
                 REVALIDATE)


@blp.get("/app/i18n/<language>.json")
def ui_catalogue(language: str) -> Response:
    """The UI's strings in one language (the API's messages come from ``/api/v1/i18n``)."""
    if language not in LANGUAGES:
        abort(404)
    body = json.dumps(catalogue(language), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _send(f"i18n/{language}", body, "application/json", _cache_policy())


@blp.get("/app/<path:name>")
def asset(name: str) -> Response:
    """One script, style, icon or vendored file of the app."""
    if name not in asset_files():
        abort(404)
    body = _file_bytes(name)
    mimetype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return _send(name, body, mimetype, _cache_policy())


@functools.cache
def _file_bytes(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


def _cache_policy() -> str:
    return IMMUTABLE if request.args.get("v") == app_version() else REVALIDATE

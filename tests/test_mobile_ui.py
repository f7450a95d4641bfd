"""The PDA app's files as the service serves them, checked without a browser.

- Chrome/WebView 70 runs every script: each parses as ES2018 at most (esprima rejects
  ``?.``, ``??``, class fields), and none calls an API newer than Chrome 70.
- Every string the scripts show is in both UI catalogues, with the same placeholders,
  and every value a screen looks up by a warehouse code (document kinds, packaging,
  states, roles) has its entry.
- The shell, service worker, manifest and assets: cache headers, ETag and 304, gzip,
  versioned assets immutable, every precached URL served, nothing from another origin.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import esprima
import pytest
from PIL import Image

import mobile_ui
from wms import create_app
from wms.api.reconciliation.other_routes import TYPES as RECONCILE_TYPES
from wms.domain.audit import ACTION_NAMES, ACTIONS
from wms.domain.permissions import Role
from wms.domain.putaway import PutawayReason
from wms.domain.receiving import DocumentKind, ReceiptLineState, WaitingFor
from wms.domain.reconciliation import DifferenceAction, DifferenceStatus, ReconcileKind
from wms.domain.reconciliation_files import BILL_FIELDS, SETTLEMENT_PRESETS
from wms.domain.sampling import Packaging
from wms.domain.shipping import CountResolution, CycleCountStatus, WaveStatus

STATIC = Path(mobile_ui.__file__).resolve().parent / "static"
APP_SCRIPTS = sorted(p for p in STATIC.rglob("*.js") if "vendor" not in p.parts)
ALL_SCRIPTS = sorted(STATIC.rglob("*.js"))
#: Browser APIs newer than Chrome 70 (the oldest WebView on the floor); with a fallback
#: only where the script feature-tests them (``navigator.wakeLock``).
NEWER_THAN_CHROME_70 = {
    ".replaceChildren(": "Chrome 86", "Object.fromEntries(": "Chrome 73", ".replaceAll(": "Chrome 85",
    ".at(": "Chrome 92", "structuredClone(": "Chrome 98", "Promise.any(": "Chrome 85",
    "Promise.allSettled(": "Chrome 76", ".flatMap(": "Chrome 69 (fine) but kept out", "crypto.randomUUID(": "Chrome 92",
    "matchAll(": "Chrome 73", "globalThis": "Chrome 71",
}


def catalogue(language: str) -> dict[str, str]:
    return json.loads((STATIC.parent / "translations" / f"{language}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def client():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return app.test_client()


@pytest.mark.parametrize("script", ALL_SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_every_script_parses_as_es2018_for_chrome_70(script):
    source = script.read_text(encoding="utf-8")
    if script.name == "sw.js":
        esprima.parseScript(source)
    else:
        esprima.parseModule(source)


@pytest.mark.parametrize("script", APP_SCRIPTS, ids=lambda p: p.relative_to(STATIC).as_posix())
def test_no_script_calls_an_api_newer_than_chrome_70(script):
    source = script.read_text(encoding="utf-8")
    used = {api: since for api, since in NEWER_THAN_CHROME_70.items() if api in source}
    assert not used, f"{script.name} uses {used}"


def _keys_used() -> tuple[set[str], set[str]]:
    """Static catalogue keys (t("a.b"), label: "a.b") and dynamic prefixes (t("kind." + x))."""
    static, prefixes = set(), set()
    for script in APP_SCRIPTS:
        source = script.read_text(encoding="utf-8")
        static |= set(re.findall(r'\bt\("([a-z_][a-z0-9_.-]*)"[,)]', source))
        static |= set(re.findall(r'\b(?:label|title): "([a-z_]+\.[a-z0-9_.]+)"', source))
        prefixes |= set(re.findall(r'\bt\("([a-z_]+[._])"\s*\+', source))
    return static, prefixes


def test_both_catalogues_hold_the_same_keys_and_placeholders():
    en, zh = catalogue("en"), catalogue("zh-CN")
    assert set(en) == set(zh), set(en) ^ set(zh)
    for key in en:
        assert en[key].strip() and zh[key].strip(), key
        names = set(re.findall(r"\{([a-z_]+)\}", en[key]))
        assert names == set(re.findall(r"\{([a-z_]+)\}", zh[key])), key


def test_every_string_a_script_shows_is_in_the_catalogue():
    static, prefixes = _keys_used()
    en = catalogue("en")
    assert static, "no catalogue key found in the scripts: the pattern is wrong"
    missing = sorted(key for key in static if key not in en)
    assert not missing, f"keys used but not in the catalogue: {missing}"
    expected_prefixes = {"kind.", "packaging.", "line_state.", "wave_state.", "role.", "language.", "waiting_for.",
                         "pick.step_", "count.step_", "pick.count_difference_", "putaway_reason.",
                         "audit_action.", "audit_document.",
                         "recon_kind.", "recon_type.", "recon_status.", "recon_action.", "recon_platform.",
                         "recon_field."}
    new = prefixes - expected_prefixes
    assert not new, f"a new dynamic key prefix needs its values checked here: {new}"


@pytest.mark.parametrize(("prefix", "values"), [
    ("kind.", [k.value for k in DocumentKind]),
    ("packaging.", [p.value for p in Packaging]),
    ("line_state.", [s.value for s in ReceiptLineState]),
    ("wave_state.", [s.value for s in WaveStatus]),
    ("role.", [r.value for r in Role]),
    ("language.", list(mobile_ui.LANGUAGES)),
    ("waiting_for.", [w.value for w in WaitingFor]),
    ("putaway_reason.", [r.value for r in PutawayReason]),
    ("pick.step_", ["bin", "item", "count"]),
    ("count.step_", ["bin", "item", "count"]),
    ("pick.count_difference_", [r.value for r in CountResolution] + ["recorded"]),
    ("audit_action.", list(ACTION_NAMES)),
    ("audit_document.", sorted({spec.document_type for spec in ACTIONS.values() if spec.document_type})),
    ("recon_kind.", [k.value for k in ReconcileKind]),
    ("recon_type.", [t.value for types in RECONCILE_TYPES.values() for t in types]),
    ("recon_status.", [s.value for s in DifferenceStatus]),
    ("recon_action.", [a.value for a in DifferenceAction]),
    ("recon_platform.", list(SETTLEMENT_PRESETS)),
    ("recon_field.", list(BILL_FIELDS)),
    ("report.count_status.", [s.value for s in CycleCountStatus]),  # the report's word("report.count_status.", ...)
])
def test_every_warehouse_code_a_screen_names_has_its_words(prefix, values):
    for language in mobile_ui.LANGUAGES:
        words = catalogue(language)
        assert [v for v in values if prefix + v not in words] == [], language


def test_the_hints_name_real_error_codes():
    from wms.i18n import catalogue as service_catalogue

    codes = set(service_catalogue("en")["messages"])
    client_codes = {"depends_on_refused"}
    hints = {key[len("hint."):] for key in catalogue("en") if key.startswith("hint.")} - {"default"}
    assert hints - codes - client_codes == set()


def test_the_shell_is_revalidated_with_an_etag(client):
    first = client.get("/")
    assert first.status_code == 200 and first.mimetype == "text/html"
    assert first.headers["Cache-Control"] == "no-cache"
    assert b"<main" in first.data and b"__VERSION__" not in first.data
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_versioned_assets_are_immutable_and_others_revalidated(client):
    version = mobile_ui.app_version()
    versioned = client.get(f"/app/js/main.js?v={version}")
    assert versioned.headers["Cache-Control"] == mobile_ui.IMMUTABLE
    plain = client.get("/app/js/api.js")
    assert plain.headers["Cache-Control"] == "no-cache" and plain.headers["ETag"]
    stale = client.get("/app/js/main.js?v=not-this-version")
    assert stale.headers["Cache-Control"] == "no-cache"
    assert versioned.mimetype == "text/javascript"


def test_assets_are_gzipped_when_the_browser_accepts_it(client):
    raw = client.get("/app/js/main.js")
    packed = client.get("/app/js/main.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in raw.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == raw.data
    assert len(packed.data) < len(raw.data)
    assert packed.headers["Vary"] == "Accept-Encoding"


def test_an_unknown_asset_is_the_one_error_format(client):
    answer = client.get("/app/js/nothing-here.js")
    assert answer.status_code == 404 and answer.get_json()["code"] == "not_found"
    assert client.get("/app/../wms/config.py").status_code == 404
    assert client.get("/app/i18n/fr.json").status_code == 404


def test_the_service_worker_precaches_every_file_and_each_is_served(client):
    worker = client.get("/sw.js")
    assert worker.headers["Cache-Control"] == "no-cache"
    text = worker.get_data(as_text=True)
    assets = json.loads(re.search(r"\[\"/\"\]\.concat\((\[.*?\])\)", text).group(1))
    on_disk = {f"/app/{name}" for name in mobile_ui.asset_files()}
    assert on_disk <= set(assets)
    for url in assets:
        assert client.get(url).status_code == 200, url


def test_the_manifest_makes_the_app_installable(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        width, height = (int(n) for n in icon["sizes"].split("x"))
        from io import BytesIO

        assert Image.open(BytesIO(image.data)).size == (width, height)
        sizes.add(width)
    assert {192, 512} <= sizes


def test_nothing_comes_from_another_origin():
    for path in STATIC.rglob("*"):
        if path.suffix not in (".js", ".html", ".css", ".webmanifest") or "vendor" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:)?//""", text), path
        assert not re.search(r"""(import|from)\s*\(?\s*["'](https?:)?//""", text), path


def test_the_ui_catalogue_is_served(client):
    for language in mobile_ui.LANGUAGES:
        answer = client.get(f"/app/i18n/{language}.json")
        assert answer.status_code == 200 and answer.get_json() == catalogue(language)


def test_every_route_has_its_screen_module():
    source = (STATIC / "js" / "main.js").read_text(encoding="utf-8")
    table = re.search(r"const ROUTES = \{(.*?)\};", source, re.DOTALL).group(1)
    modules = set(re.findall(r':\s*"([a-z_]+)"', table))
    assert {"login", "home", "receive", "pick", "counts"} <= modules
    missing = sorted(m for m in modules if not (STATIC / "js" / "screens" / f"{m}.js").is_file())
    assert not missing, f"routes without a screen: {missing}"

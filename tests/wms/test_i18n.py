"""The message catalogue: every code any error can carry speaks Simplified Chinese and English.

The catalogue is walked against the code: every DomainError, every code the OpenAPI
table lists, every device and HTTP-level code has a message in both languages, no entry
is left over, and a detailed message names only details its error sets. Then every code
is sent through a real request in both languages, and the choice of language is shown:
the user's own setting over the header, the header for anonymous calls, else zh-CN.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import abort

import devices.errors as device_errors
import wms.errors as errors
from tests.factories import PASSWORDS
from wms import create_app
from wms.api.base import HTTP_CODES
from wms.api.devices.errors import DEVICE_ERROR_STATUS
from wms.api.error_codes import OPERATION_ERRORS, status_of_code
from wms.i18n import CATALOGUE_DIR, LOCALE_OF_LANGUAGE, catalogue, locale_of_header, placeholders, render

ROOT = Path(__file__).resolve().parents[2]
LOCALES = tuple(LOCALE_OF_LANGUAGE.values())
CJK = re.compile(r"[\u4e00-\u9fff]")


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


DOMAIN_ERROR_CLASSES = {cls.code: cls for cls in [errors.DomainError, *_subclasses(errors.DomainError)]}
DEVICE_ERROR_CLASSES = {cls.code: cls for cls in [device_errors.DeviceError, *_subclasses(device_errors.DeviceError)]}
#: The codes of the HTTP layer (router, schema, body limits), by status.
HTTP_LEVEL = {code: status for status, code in HTTP_CODES.items()} | {"http_error": 418}


def every_code() -> set[str]:
    """Every code an error body can carry."""
    codes = set(DOMAIN_ERROR_CLASSES) | set(DEVICE_ERROR_STATUS) | set(HTTP_LEVEL) | set(status_of_code())
    codes |= {code for listed in OPERATION_ERRORS.values() for code in listed}
    # The devices' own codes reach the API through wms.api.devices.errors.
    return codes | (set(DEVICE_ERROR_CLASSES) - {"device_error"})


def details_raised_with() -> dict[str, set[str]]:
    """For each code, the detail names some ``raise``/call of its error class passes (read from the source)."""
    by_name = {cls.__name__: code for code, cls in DOMAIN_ERROR_CLASSES.items()}
    device_by_name = {cls.__name__: code for code, cls in DEVICE_ERROR_CLASSES.items()}
    found: dict[str, set[str]] = {}
    for package in ("wms", "devices"):
        names = device_by_name if package == "devices" else {**device_by_name, **by_name}
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in names:
                    found.setdefault(names[name], set()).update(k.arg for k in node.keywords if k.arg)
    for code in DEVICE_ERROR_CLASSES:  # the API adds a device's URL and a refusal's reason
        found.setdefault(code, set()).update({"url", "reason"})
    return found


# --- the catalogue against the code ---------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_every_code_has_a_message_in_each_language(locale):
    messages = catalogue(locale)["messages"]
    missing = sorted(code for code in every_code() if not (messages.get(code) or "").strip())
    assert missing == []


def test_the_chinese_catalogue_is_chinese_and_differs_from_the_english():
    zh, en = catalogue("zh_CN")["messages"], catalogue("en")["messages"]
    assert [code for code, text in zh.items() if not CJK.search(text)] == []
    assert [code for code, text in en.items() if CJK.search(text) or text == zh[code]] == []


def test_no_catalogue_entry_is_orphaned():
    codes = every_code()
    for locale in LOCALES:
        entries = catalogue(locale)
        assert sorted(set(entries["messages"]) - codes) == [], locale
        assert sorted(set(entries["detailed"]) - set(entries["messages"])) == [], locale
    zh, en = catalogue("zh_CN"), catalogue("en")
    assert set(zh["messages"]) == set(en["messages"]) and set(zh["detailed"]) == set(en["detailed"])


def test_the_catalogue_files_are_the_locales_served():
    assert sorted(p.stem for p in CATALOGUE_DIR.glob("*.json")) == sorted(LOCALES)
    for locale in LOCALES:
        assert json.loads((CATALOGUE_DIR / f"{locale}.json").read_text(encoding="utf-8"))["locale"] == locale


def test_detailed_messages_name_only_details_their_error_sets():
    raised_with = details_raised_with()
    zh, en = catalogue("zh_CN")["detailed"], catalogue("en")["detailed"]
    for code, text in en.items():
        assert placeholders(text) == placeholders(zh[code]), code  # both languages say the same facts
        assert placeholders(text), code  # a detailed message without a detail is a plain one
        unknown = placeholders(text) - raised_with.get(code, set())
        assert unknown == set(), (code, unknown)
    assert placeholders(en["permission_denied"]) == {"role", "permission"}


# --- filling a message ----------------------------------------------------------------


def test_a_detailed_message_is_filled_from_the_details():
    assert render("en", "permission_denied", {"role": "clerk", "permission": "stock.move"}, "-") \
        == "The role 'clerk' may not do 'stock.move'."
    assert render("zh_CN", "permission_denied", {"role": "clerk", "permission": "stock.move"}, "-") \
        == "角色“clerk”无权执行“stock.move”。"
    assert render("en", "record_in_use", {"fields": ["type", "warehouse_id"]}, "-").endswith(
        "type, warehouse_id can no longer change.")


@pytest.mark.parametrize("details", [
    {}, {"role": "clerk"}, {"role": "clerk", "permission": None}, {"role": "clerk", "permission": {"a": 1}},
    {"role": "clerk", "permission": []}, {"role": "clerk", "permission": "  "}, {"role": True, "permission": "x"},
], ids=["none", "one-missing", "null", "a-mapping", "empty-list", "blank", "a-flag"])
def test_a_missing_or_unusable_detail_falls_back_to_the_plain_message(details):
    assert render("en", "permission_denied", details, "-") == "Your role may not do this."
    assert render("zh_CN", "permission_denied", details, "-") == "您的角色无权执行此操作。"


def test_a_detail_holding_braces_is_text_not_a_placeholder():
    text = render("en", "unknown_barcode", {"code": "{permission}{0}%s"}, "-")
    assert text == "No item has the barcode {permission}{0}%s."


def test_a_code_the_catalogue_lacks_keeps_its_own_message():
    assert render("zh_CN", "some_future_code", {}, "As raised.") == "As raised."


@pytest.mark.parametrize("header,locale", [
    ("zh", "zh_CN"), ("zh-CN", "zh_CN"), ("zh-Hans", "zh_CN"), ("zh-Hans-CN", "zh_CN"), ("zh-TW", "zh_CN"),
    ("en", "en"), ("en-US", "en"), ("en-GB,zh;q=0.5", "en"), ("fr, en;q=0.8", "en"),
    ("de-DE, zh-CN;q=0.9, en;q=0.8", "zh_CN"), ("en;q=0.2, zh;q=0.9", "zh_CN"), ("en;q=0", "zh_CN"),
    ("fr", "zh_CN"), ("*", "zh_CN"), ("", "zh_CN"), ("xx-;;q=abc", "zh_CN"),
])
def test_accept_language_chooses_the_locale(app, header, locale):
    with app.test_request_context(headers={"Accept-Language": header}):
        from flask import request

        assert locale_of_header(request.accept_languages) == locale


# --- every code through a real request, in both languages -----------------------------


@pytest.fixture(scope="module")
def raising_client(tmp_path_factory):
    """An app with one extra route that raises the error of any code, as a use case would."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('i18n') / 'wms.db'}",
                      "SECRET_KEY": "t", "TESTING": True})

    def raise_error(code: str):
        if code in DOMAIN_ERROR_CLASSES:
            raise DOMAIN_ERROR_CLASSES[code]()
        if code in DEVICE_ERROR_CLASSES:
            raise DEVICE_ERROR_CLASSES[code]("the device's own words")
        abort(HTTP_LEVEL[code])

    def refuse_in_database(kind: str):
        raise {"unique": sa.exc.IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed: item.sku")),
               "unreachable": sa.exc.OperationalError("SELECT 1", {}, Exception("database is locked")),
               "overflow": OverflowError("Python int too large to convert to SQLite INTEGER")}[kind]

    app.add_url_rule("/raise/<code>", view_func=raise_error)
    app.add_url_rule("/raise-in-database/<kind>", view_func=refuse_in_database)
    return app.test_client()


@pytest.mark.parametrize("code", sorted(every_code()))
def test_every_code_answers_in_chinese_and_in_english(raising_client, code):
    answers = {}
    for language, locale in LOCALE_OF_LANGUAGE.items():
        response = raising_client.get(f"/raise/{code}", headers={"Accept-Language": language})
        body = response.get_json()
        assert set(body) == {"code", "status", "message", "errors"}
        assert body["status"] == response.status_code
        if code in HTTP_LEVEL:
            assert body["code"] == code
        assert body["message"] == render(locale, body["code"], body["errors"], "-") != "-"
        answers[locale] = body["message"]
    assert CJK.search(answers["zh_CN"]) and not CJK.search(answers["en"])
    default = raising_client.get(f"/raise/{code}").get_json()["message"]
    assert default == answers["zh_CN"]


@pytest.mark.parametrize("kind,code", [("unique", "already_exists"), ("unreachable", "database_unavailable"),
                                       ("overflow", "value_out_of_range")])
def test_the_databases_refusals_answer_in_the_language_asked_for(raising_client, kind, code):
    for language, locale in LOCALE_OF_LANGUAGE.items():
        body = raising_client.get(f"/raise-in-database/{kind}", headers={"Accept-Language": language}).get_json()
        assert body["code"] == code
        assert body["message"] == catalogue(locale)["messages"][code]


# --- the common refusals through the API ------------------------------------------------


def _bearer(api, role: str, language: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {api.token(role)}"}
    if language:
        headers["Accept-Language"] = language
    return headers


COMMON = [
    # (role or None, method, url, body, code)
    (None, "get", "/api/v1/auth/me", None, "authentication_required"),
    (None, "post", "/api/v1/auth/token", {"username": "picker", "password": "wrong-guess"}, "invalid_credentials"),
    (None, "post", "/api/v1/auth/token", {}, "validation_failed"),
    (None, "get", "/api/v1/no-such-thing", None, "not_found"),
    (None, "delete", "/api/v1/auth/me", None, "method_not_allowed"),
    ("picker", "post", "/api/v1/items", {"sku": "X-1", "name": "x"}, "permission_denied"),
    ("picker", "get", "/api/v1/items/by-code/NO-SUCH", None, "unknown_barcode"),
    ("admin", "post", "/api/v1/items", {"sku": "SKU-1", "name": "again"}, "already_exists"),
    ("admin", "get", "/api/v1/users/999999", None, "not_found"),
    ("picker", "get", "/api/v1/items?q=a%00b", None, "invalid_text"),
    ("picker", "post", "/api/v1/stock/moves", {"item": "SKU-1", "from_location": "A-01-01",
                                               "to_location": "NO-SUCH-BIN", "quantity": 1}, "unknown_location"),
]


@pytest.mark.parametrize("role,method,url,body,code", COMMON, ids=[c[-1] + "-" + c[1] for c in COMMON])
def test_common_refusals_answer_in_the_language_asked_for(api, client, role, method, url, body, code):
    messages = {}
    for language, locale in LOCALE_OF_LANGUAGE.items():
        headers = _bearer(api, role, language) if role else {"Accept-Language": language}
        response = getattr(client, method)(url, json=body, headers=headers)
        answer = response.get_json()
        assert (answer["code"], answer["status"]) == (code, response.status_code), answer
        assert answer["message"] == render(locale, code, answer["errors"], "-")
        messages[locale] = answer["message"]
    assert CJK.search(messages["zh_CN"]) and not CJK.search(messages["en"])


def test_an_error_body_says_its_language(client):
    for header, language in (("en-GB", "en"), ("zh-Hans", "zh-CN"), (None, "zh-CN")):
        response = client.get("/api/v1/auth/me", headers={"Accept-Language": header} if header else {})
        assert response.status_code == 401
        assert response.headers["Content-Language"] == language
        assert "Accept-Language" in response.headers["Vary"]


def test_a_refusal_keeps_its_details_and_names_them_in_the_message(api, client):
    headers = _bearer(api, "picker", "en")
    answer = client.post("/api/v1/items", json={"sku": "X-1", "name": "x"}, headers=headers).get_json()
    assert answer["errors"] == {"permission": "master.write", "role": "picker"}
    assert answer["message"] == "The role 'picker' may not do 'master.write'."
    headers["Accept-Language"] = "zh-CN"
    answer = client.post("/api/v1/items", json={"sku": "X-1", "name": "x"}, headers=headers).get_json()
    assert answer["message"] == "角色“picker”无权执行“master.write”。"


def test_field_messages_of_a_schema_refusal_stay_in_errors(client):
    answer = client.post("/api/v1/auth/token", json={"username": "x"}, headers={"Accept-Language": "en"}).get_json()
    assert answer["code"] == "validation_failed"
    assert answer["message"] == "The request does not match the schema."
    assert "password" in answer["errors"]["json"]


# --- the user's own language ------------------------------------------------------------


def test_the_users_own_language_wins_over_the_header(api, client):
    headers = _bearer(api, "picker", "zh-CN")
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["language"] is None
    changed = client.patch("/api/v1/auth/me", json={"language": "en"}, headers=headers)
    assert changed.status_code == 200 and changed.get_json()["language"] == "en"
    assert client.get("/api/v1/auth/me", headers=headers).get_json()["language"] == "en"
    refused = client.post("/api/v1/items", json={"sku": "X-1", "name": "x"}, headers=headers).get_json()
    assert refused["message"] == "The role 'picker' may not do 'master.write'."
    # null: the device's header again
    client.patch("/api/v1/auth/me", json={"language": None}, headers=headers)
    refused = client.post("/api/v1/items", json={"sku": "X-1", "name": "x"}, headers=headers).get_json()
    assert refused["message"] == "角色“picker”无权执行“master.write”。"


def test_the_users_own_language_holds_for_a_handhelds_scan(api, client):
    headers = _bearer(api, "picker", "zh-CN")
    client.patch("/api/v1/auth/me", json={"language": "en"}, headers=headers)
    for item in ("NO-SUCH", "SKU-1"):
        answer = client.post("/api/v1/stock/moves", headers=headers, json={
            "item": item, "from_location": "A-01-01", "to_location": "NO-SUCH-BIN", "quantity": 1}).get_json()
        assert answer["code"] in {"unknown_barcode", "unknown_location"}
        assert answer["message"] == render("en", answer["code"], answer["errors"], "-")


def test_an_anonymous_call_follows_the_header_even_for_a_user_who_chose_a_language(api, client):
    client.patch("/api/v1/auth/me", json={"language": "en"}, headers=_bearer(api, "picker"))
    wrong = {"username": "picker", "password": "wrong-guess"}
    assert client.post("/api/v1/auth/token", json=wrong).get_json()["message"] == "用户名或密码错误。"
    answer = client.post("/api/v1/auth/token", json=wrong, headers={"Accept-Language": "en-US"}).get_json()
    assert answer["message"] == "Wrong user name or password."


def test_a_language_the_service_does_not_speak_is_refused(api, client):
    headers = _bearer(api, "picker", "en")
    answer = client.patch("/api/v1/auth/me", json={"language": "fr"}, headers=headers)
    assert answer.status_code == 422 and "language" in answer.get_json()["errors"]["json"]


def test_an_administrator_sets_a_users_language(api, client, world):
    admin = _bearer(api, "admin")
    picker_id = client.get("/api/v1/auth/me", headers=_bearer(api, "picker")).get_json()["id"]
    changed = client.patch(f"/api/v1/users/{picker_id}", json={"language": "en"}, headers=admin)
    assert changed.status_code == 200 and changed.get_json()["language"] == "en"
    created = client.post("/api/v1/users", headers=admin, json={
        "username": "newclerk", "password": "long-enough-1", "role": "clerk", "language": "zh-CN"})
    assert created.status_code == 201 and created.get_json()["language"] == "zh-CN"
    token = client.post("/api/v1/auth/token", json={"username": "newclerk", "password": "long-enough-1"}).get_json()
    assert token["user"]["language"] == "zh-CN" and token["token_type"] == "Bearer"


def test_the_language_survives_a_new_login(api, client):
    client.patch("/api/v1/auth/me", json={"language": "en"}, headers=_bearer(api, "clerk"))
    fresh = client.post("/api/v1/auth/token", json={"username": "clerk", "password": PASSWORDS["clerk"]}).get_json()
    headers = {"Authorization": f"Bearer {fresh['token']}", "Accept-Language": "zh"}
    answer = client.post("/api/v1/stock/moves", headers=headers, json={
        "item": "SKU-1", "from_location": "A-01-01", "to_location": "A-01-02", "quantity": 1}).get_json()
    assert answer["code"] == "permission_denied" and answer["message"].startswith("The role 'clerk'")


# --- the catalogue served to the UI ----------------------------------------------------


@pytest.mark.parametrize("language,locale", list(LOCALE_OF_LANGUAGE.items()))
def test_the_catalogue_is_served_read_only_and_cacheable_without_login(client, language, locale):
    response = client.get(f"/api/v1/i18n/{language}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["language"] == language
    assert body["messages"] == catalogue(locale)["messages"]
    assert body["detailed"] == catalogue(locale)["detailed"]
    assert response.headers["Cache-Control"] == "public, no-cache"
    etag = response.headers["ETag"]
    again = client.get(f"/api/v1/i18n/{language}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.post(f"/api/v1/i18n/{language}", json={}).status_code == 405


def test_a_catalogue_of_another_language_is_not_found(client):
    answer = client.get("/api/v1/i18n/fr", headers={"Accept-Language": "en"})
    assert answer.status_code == 404
    assert answer.get_json()["code"] == "not_found"
    assert answer.get_json()["errors"]["languages"] == ["zh-CN", "en"]


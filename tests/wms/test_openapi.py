"""The OpenAPI document is valid and documents every API route and the error format."""

from __future__ import annotations

from openapi_spec_validator import validate


def test_openapi_document_validates(client):
    spec = client.get("/api/openapi.json").get_json()
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_every_api_route_is_documented(app, client):
    spec = client.get("/api/openapi.json").get_json()
    documented = {path.replace("{", "<").replace("}", ">") for path in spec["paths"]}
    routes = {rule.rule.replace("<int:", "<").replace("<string:", "<")
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")}
    assert routes <= documented, routes - documented


def test_docs_page_is_served_offline(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/static/" in page.data
    asset = client.get("/api/docs/static/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_the_document_built_on_first_read_is_whole_for_threads_reading_at_once(app):
    """The document is written when first read (``wms.api.base.WmsApi``): a second thread
    reading meanwhile waits for all of it instead of getting the part written so far."""
    import threading

    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    start, seen = threading.Barrier(4), []

    def read() -> None:
        start.wait()
        seen.append(len(api.spec.to_dict()["paths"]))

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 1 and seen[0] > 100, seen

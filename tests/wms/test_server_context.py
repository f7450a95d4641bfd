"""Each request runs in an application context of its own, whatever starts the server.

Flask reuses an application context that is already pushed; a server started inside one
would serve every caller as the first (``g.user``) on one database session. ``wms serve``
refuses to start inside a context, and a request that finds its context in use is refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from wms.cli import serve_command


def test_serve_refuses_to_start_inside_an_application_context(app):
    with app.app_context():
        result = CliRunner().invoke(serve_command, ["--port", "1"])
    assert result.exit_code == 2, result.output
    assert "application context" in result.output


def test_serve_is_a_command_of_wms_itself_not_run_inside_the_apps_context():
    wms = Path(sys.executable).with_name("wms")
    shown = subprocess.run([str(wms), "serve", "--help"], capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "--workers" in shown.stdout


def test_a_request_that_finds_its_context_in_use_is_refused(app):
    app.testing = False  # the test client may share a test's context on purpose; a server never
    client = app.test_client()
    with app.app_context():
        first = client.get("/api/v1/health")
        second = client.get("/api/v1/health")
    assert first.status_code == 200
    assert second.status_code == 500
    assert second.get_json()["code"] == "server_misconfigured"


def test_requests_outside_a_shared_context_each_get_their_own(app):
    app.testing = False
    client = app.test_client()
    assert [client.get("/api/v1/health").status_code for _ in range(3)] == [200, 200, 200]

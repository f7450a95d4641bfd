"""Every operation fuzzed against the real server: no 500, no answer outside the document, L1 holds.

schemathesis (pinned in setup.cfg, fixed seed) generates requests from the OpenAPI
document, valid and invalid, for every operation, as an admin and as a picker, against
``wms serve`` on its own demo database. Checked: no server error and every response
matches its documented schema. Afterwards ``wms ledger verify`` must pass (rule L1):
whatever the fuzzer did, on-hand equals the ledger.

Operations that end the caller's own login (revoking its tokens, and for the admin,
changing users, which may switch off or re-role the admin itself) run last, in a run of
their own, so that they cannot turn the rest of the run into 401s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.server.conftest import new_database, start_server, stop_server

pytestmark = pytest.mark.slow

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
SEED = 20261201
MAX_EXAMPLES = int(os.environ.get("WMS_FUZZ_MAX_EXAMPLES", "5"))
_ENDS_OWN_LOGIN = r"^/api/v1/(auth/revoke|users/\{user_id\})$"
SELF_ENDING = ["--include-path-regex", _ENDS_OWN_LOGIN]
NOT_SELF_ENDING = ["--exclude-path-regex", _ENDS_OWN_LOGIN]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    """A server of its own: the fuzzer changes users and master data at will."""
    tmp_dir = tmp_path_factory.mktemp("fuzzed")
    database = new_database(tmp_dir)
    server = start_server(tmp_dir, database.url)
    try:
        yield server, tmp_dir
    finally:
        stop_server(server)
        database.drop()


def fuzz(server, token: str, report: Path, selection: list[str]) -> dict:
    """One schemathesis run: the operations it found failing, those it could not test, its output.

    A crash inside schemathesis itself (an "error" in its report, not a failed check) is
    run once more; if it happens again the test fails all the same."""
    for attempt in (1, 2):
        done = subprocess.run(
            [SCHEMATHESIS, "run", server.url("/api/openapi.json"),
             "--header", f"Authorization: Bearer {token}",
             "--checks", "not_a_server_error,response_schema_conformance",
             "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "2",
             "--request-timeout", "60", "--no-color", "--report", "junit", "--report-junit-path", str(report),
             *selection],
            capture_output=True, text=True, timeout=1200, cwd=report.parent,  # its cache stays out of the tree
            env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
        cases = list(ET.parse(report).getroot().iter("testcase"))
        failed = [c.get("name") for c in cases if c.find("failure") is not None]
        crashed = [c.get("name") for c in cases if c.find("error") is not None]
        if failed or not crashed or attempt == 2:
            break
    return {"returncode": done.returncode, "failed": failed + crashed, "cases": len(cases),
            "output": done.stdout[-20000:] + done.stderr[-4000:]}


@pytest.mark.parametrize("caller", ["picker", "admin"])  # the admin's last run may change the picker
def test_l1_fuzzing_every_operation_finds_no_server_error_and_no_schema_violation(fuzzed, caller):
    server, tmp_dir = fuzzed
    token = server.login(caller)
    result = fuzz(server, token, tmp_dir / f"{caller}.xml", NOT_SELF_ENDING)
    assert result["failed"] == [] and result["returncode"] == 0, result["output"]
    # The login is still good: nothing in the first run can end it.
    last = fuzz(server, token, tmp_dir / f"{caller}-last.xml", SELF_ENDING)
    assert last["failed"] == [] and last["returncode"] == 0, last["output"]
    verified = server.wms("ledger", "verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr

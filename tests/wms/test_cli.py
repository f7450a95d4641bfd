"""The wms command: demo data, users, the ledger check."""

from __future__ import annotations

import json

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Item, Location, User


def test_demo_loads_a_warehouse_whose_ledger_verifies(app, runner):
    result = runner.invoke(args=["demo", "--skus", "120"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["items"] == 120 and summary["bins"] == 160 and summary["receipts_posted"] > 50
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0, verify.output
    assert json.loads(verify.output)["ok"] is True
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one() == 6
        assert db.session.execute(
            sa.select(sa.func.count()).select_from(Location).where(Location.type == "storage")
        ).scalar_one() == 160
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0  # never loads over existing data


def test_demo_logins_work(app, runner, client):
    from wms.demo import DEMO_LOGINS

    assert runner.invoke(args=["demo", "--skus", "20"]).exit_code == 0
    response = client.post("/api/v1/auth/token", json={"username": "picker", "password": DEMO_LOGINS["picker"]})
    assert response.status_code == 201
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(Item)).scalar_one() == 20


def test_user_create_command(app, runner):
    result = runner.invoke(args=["user", "create", "wang.fang", "--role", "clerk", "--password", "ledger-2026"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(args=["user", "create", "x", "--role", "clerk", "--password", "short"])
    assert bad.exit_code != 0 and "invalid_input" in bad.output
    with app.app_context():
        user = db.session.execute(sa.select(User).where(User.username == "wang.fang")).scalar_one()
        assert user.role == "clerk" and user.check_password("ledger-2026") and user.language is None
    english = runner.invoke(args=["user", "create", "li.na", "--role", "picker", "--password", "picker-2026",
                                  "--language", "en"])
    assert english.exit_code == 0, english.output
    with app.app_context():
        assert db.session.execute(sa.select(User.language).where(User.username == "li.na")).scalar_one() == "en"


def test_wms_help_builds_no_app_and_imports_no_heavy_library():
    """`wms --help` answers at once: no models, no API, no camera or spreadsheet code."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from wms.cli import main\n"
        "sys.argv = ['wms', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('wms.models', 'wms.api', 'flask_migrate', 'cv2', 'numpy', 'openpyxl', 'devices.cli')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out
    for command in ("db", "demo", "devices", "ledger", "serve", "user"):
        assert f"\n  {command} " in out


def test_the_short_help_of_a_lazy_command_is_its_own():
    from click import Context

    from wms.cli import WmsGroup

    group = WmsGroup(create_app=lambda: None)
    for name, (_, short_help) in WmsGroup.LAZY.items():
        command = group.get_command(Context(group), name)
        assert command.get_short_help_str(200) == short_help

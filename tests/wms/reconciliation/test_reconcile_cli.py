"""L3: ``wms reconcile courier FILE --courier CODE --cycle 2026-11`` prints a summary per type."""

from __future__ import annotations

from tests.wms.reconciliation.conftest import bill_csv, bill_xlsx, utc


def test_L3_the_command_reconciles_a_bill_and_a_rerun_adds_nothing(app, runner, parcels, tmp_path):
    with app.app_context():
        parcels.ship("YTO", "YT0000000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
        parcels.ship("YTO", "YT0000000000002", "SO-2", 1000, utc(2026, 11, 3, 2))
    bill = tmp_path / "yto-2026-11.csv"
    bill.write_bytes(bill_csv(["运单号", "计费重量(kg)", "运费"], [["YT0000000000001", "1", "8"],
                                                          ["YT0000000000009", "1", "8"]]))
    result = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "YTO", "--cycle", "2026-11"])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert ["billed_not_shipped", "1"] in lines and ["shipped_not_billed", "1"] in lines
    assert ["weight_over", "0"] in lines
    assert result.output.splitlines()[-1] == "new 2, kept 0, closed 0, reopened 0"
    again = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "YTO", "--cycle", "2026-11"])
    assert again.output.splitlines()[-1] == "new 0, kept 2, closed 0, reopened 0"
    with app.app_context():  # each run is in the audit trail, named by its id, as from the API
        import sqlalchemy as sa

        from wms.extensions import db
        from wms.models.audit import AuditEntry

        rows = db.session.execute(sa.select(AuditEntry.action, AuditEntry.document_type, AuditEntry.method,
                                            AuditEntry.path).order_by(AuditEntry.id)).all()
    command = "wms reconcile courier yto-2026-11.csv --courier YTO --cycle 2026-11"
    assert [tuple(r) for r in rows] == [("reconcile.courier_bill", "reconciliation", "CLI", command)] * 2


def test_L3_a_bad_bill_fails_the_command_with_its_code(app, runner, world, tmp_path):
    bill = tmp_path / "bad.csv"
    bill.write_bytes(bill_csv(["运单号"], [["YT1"]]))
    result = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "YTO", "--cycle", "2026-11"])
    assert result.exit_code == 1 and "courier_bill_rejected" in result.output


def test_L3_the_command_reads_an_xlsx_bill_as_a_named_user_and_prints_the_run_as_json(app, runner, parcels, tmp_path):
    import json

    with app.app_context():
        parcels.ship("YTO", "YT0000000000001", "SO-1", 1000, utc(2026, 11, 3, 2))
    bill = tmp_path / "yto-2026-11.xlsx"
    bill.write_bytes(bill_xlsx(["运单号", "计费重量(kg)", "运费"], [["YT0000000000001", 1, 8],
                                                            ["YT0000000000001", 1, 8]]))
    result = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "yto", "--cycle", "2026-11",
                                 "--user", "clerk", "--json"])
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert run["courier"] == "YTO" and run["file_name"] == "yto-2026-11.xlsx" and run["rows_read"] == 2
    assert run["summary"]["by_type"] == {"billed_twice": 1}


def test_L3_the_command_refuses_a_user_who_may_not_reconcile(app, runner, world, tmp_path):
    bill = tmp_path / "yto.csv"
    bill.write_bytes(bill_csv(["运单号", "计费重量(kg)", "运费"], [["YT1", "1", "8"]]))
    result = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "YTO", "--cycle", "2026-11",
                                 "--user", "picker"])
    assert result.exit_code == 1 and "permission_denied" in result.output
    unknown = runner.invoke(args=["reconcile", "courier", str(bill), "--courier", "YTO", "--cycle", "2026-11",
                                  "--user", "nobody"])
    assert unknown.exit_code == 1 and "no active user 'nobody'" in unknown.output

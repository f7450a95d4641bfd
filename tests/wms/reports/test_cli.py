"""Rule L2: ``wms report eod`` writes the night job's file in each format."""

from __future__ import annotations

import io

from tests.wms.reports.conftest import craft_day


def test_l2_report_eod_writes_each_format(app, world, runner, tmp_path):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    with app.app_context():
        day = craft_day(world).day.isoformat()
    for fmt in ("pdf", "xlsx", "csv"):
        target = tmp_path / f"eod.{fmt}"
        result = runner.invoke(args=["report", "eod", "--date", day, "--format", fmt, "-o", str(target),
                                     "--warehouse", "WH1"])
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 0
    assert "库存" in load_workbook(tmp_path / "eod.xlsx").sheetnames
    assert (tmp_path / "eod.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO((tmp_path / "eod.pdf").read_bytes())).pages)
    assert "日终报表" in text
    english = runner.invoke(args=["report", "eod", "--date", day, "--format", "xlsx", "-o",
                                  str(tmp_path / "en.xlsx"), "--lang", "en"])
    assert english.exit_code == 0, english.output


def test_l2_report_eod_names_the_refusal(app, world, runner, tmp_path):
    result = runner.invoke(args=["report", "eod", "--format", "csv", "-o", str(tmp_path / "x.csv"),
                                 "--warehouse", "NOPE"])
    assert result.exit_code == 1 and "not_found" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_l2_report_eod_at_the_calendars_ends_or_into_no_folder_exits_1_with_the_reason(app, world, runner, tmp_path):
    for day in ("9999-12-31", "0001-01-01"):
        result = runner.invoke(args=["report", "eod", "--date", day, "--format", "pdf", "-o", str(tmp_path / "x.pdf")])
        assert result.exit_code == 1 and "value_out_of_range" in result.output, result.output
        assert not isinstance(result.exception, OverflowError)
    result = runner.invoke(args=["report", "eod", "--format", "csv", "-o", str(tmp_path / "no" / "x.csv")])
    assert result.exit_code == 1 and "cannot write" in result.output, result.output
    assert not isinstance(result.exception, OSError)

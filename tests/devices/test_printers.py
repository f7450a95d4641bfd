"""Label builders (rendered offline with zplkit and decoded back) and printer drivers."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
import zplkit

from devices.errors import LabelError, PrinterNotReady
from devices.printers import BinLabel, LotLabel, ShippingLabel, TsplPrinter, ZplPrinter, tspl, zpl
from devices.printers.printer import encode_host_status, parse_host_status
from devices.scanners.camera import decode_image

LOT = LotLabel("09501101530003", "LOT-42", dt.date(2026, 12, 31), "Widget 5kg", "12 CS")
# The WMS masks the recipient once; a label prints what it is given.
SHIP = ShippingLabel("SF1234567890", "SF Express", "张*", "138****5678", "广东省深圳市****", "SO-9")


def render(job: bytes) -> np.ndarray:
    png = zplkit.render(job, zplkit.Options(dpi=203)).labels[0].png()
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)


def test_zpl_lot_label_prints_gs1_128_that_decodes_back_to_its_fields():
    found = decode_image(render(zpl.lot_label(LOT)))
    assert len(found) == 1
    fields = found[0].scan.gs1
    assert found[0].scan.aim == "]C1"
    assert (fields.gtin, fields.batch, fields.expiry) == ("09501101530003", "LOT-42", dt.date(2026, 12, 31))


def test_zpl_bin_label_barcode_is_the_location():
    assert decode_image(render(zpl.bin_label(BinLabel("A-01-02-03", "Zone A"))))[0].scan.text == "A-01-02-03"


def test_zpl_shipping_label_prints_the_recipient_as_given_and_sets_cjk_font():
    job = zpl.shipping_label(SHIP)
    assert b"^CI28" in job and b"^CW1,E:SIMSUN.TTF" in job and b"^A1N" in job
    assert "张*  138****5678".encode() in job and "广东省深圳市****".encode() in job


def test_a_label_does_not_mask_again():
    """One masking rule: the builder neither re-masks masked text nor masks plain text."""
    plain = ShippingLabel("SF1", "SF", "Zhang San", "13812345678", "1 Keji Rd, Shenzhen, CN")
    assert b"Zhang San  13812345678" in zpl.shipping_label(plain)
    assert "138****5678".encode("gbk") in tspl.shipping_label(SHIP)


def test_zpl_shipping_label_latin_variant_renders_and_decodes_tracking():
    latin = ShippingLabel("SF1234567890", "SF Express", "Zhang San", "13812345678", "1 Keji Rd, Shenzhen, CN")
    job = zpl.shipping_label(latin)
    assert b"^CW" not in job
    assert decode_image(render(job))[0].scan.text == "SF1234567890"


def test_zpl_field_data_cannot_inject_commands():
    job = zpl.bin_label(BinLabel("A-01", "zone^XZ~JR_"))
    assert b"zone_5EXZ_7EJR_5F" in job


def test_label_refuses_bad_gtin_lot_and_overlong_barcode():
    with pytest.raises(LabelError):
        zpl.lot_label(LotLabel("09501101530004", "L", dt.date(2026, 1, 1)))
    with pytest.raises(LabelError):
        zpl.lot_label(LotLabel("09501101530003", "LOT 1", dt.date(2026, 1, 1)))
    with pytest.raises(LabelError):
        zpl.bin_label(BinLabel("X" * 80), width_mm=40)


def test_tspl_label_uses_chinese_font_and_gbk_bytes():
    job = tspl.shipping_label(SHIP)
    assert job.startswith(b"SIZE 100 mm,60 mm\r\nGAP 2 mm,0 mm\r\nDIRECTION 1\r\nCLS\r\n")
    assert b'"TSS16.BF2"' in job and "张*".encode("gbk") in job and job.endswith(b"PRINT 1,1\r\n")
    assert b'BARCODE 32,80,"128",144,1,0,2,4,"SF1234567890"\r\n' in job


def test_tspl_text_outside_gbk_is_refused():
    with pytest.raises(LabelError):
        tspl.bin_label(BinLabel("A-01", "zone 😀"))


def test_host_status_round_trip():
    raw = encode_host_status(paper_out=True, head_open=True)
    strings = [s.strip(b"\r\n\x02") for s in raw.split(b"\x03") if s.strip()]
    status = parse_host_status(strings)
    assert status.paper_out and status.head_open and not status.ready


@pytest.mark.parametrize("language", ["zpl", "tspl"])
def test_printer_records_jobs_and_refuses_when_paper_is_out(printer_sim, language):
    sim = printer_sim(language)
    cls = ZplPrinter if language == "zpl" else TsplPrinter
    job = cls.builders["lot"](LOT)
    with cls(sim.url) as printer:
        assert printer.status(2).ready
        printer.print_label(job)
        assert sim.wait_for_jobs(1) == [job.strip(b"\n") if language == "zpl" else job]
        sim.paper_out = True
        with pytest.raises(PrinterNotReady):
            printer.print_label(job)
        assert printer.health(2).code == "printer_not_ready"
    assert len(sim.jobs) == 1

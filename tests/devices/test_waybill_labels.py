"""The waybill (电子面单) and the handover manifest list in ZPL and TSPL: both roll sizes,
the tracking barcode decodes back, Chinese text is UTF-8 (ZPL) or GBK (TSPL), and the
label prints the recipient and sender exactly as given (the WMS masks them once).
"""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
import zplkit

from devices.errors import LabelError
from devices.printers import ManifestList, ManifestRow, TsplPrinter, WaybillLabel, ZplPrinter, tspl, zpl
from devices.scanners.camera import decode_image
from tests.devices import tspl_render

FULL_PHONE, FULL_NAME = "13800138000", "张三丰"


def waybill(size: str = "100x150", **changes) -> WaybillLabel:
    fields = dict(courier="顺丰速运", tracking="SF1234567890123", recipient_name="张**",
                  recipient_phone="138****8000", recipient_address="浙江省杭州市****", sender_name="王*",
                  sender_phone="139****0000", sender_address="浙江省杭州市余杭区****", sorting_code="755W-010",
                  order="SO-9", size=size)
    return WaybillLabel(**{**fields, **changes})


def render_zpl(job: bytes) -> np.ndarray:
    """zplkit has no CJK font of its own: the CJK fields are drawn in font 0, non-ASCII as '?'."""
    text = re.sub(r"\^CW1,[^\^]*", "", job.decode("utf-8")).replace("^A1N", "^A0N")
    stand_in = "".join(c if c.isascii() else "?" for c in text)
    png = zplkit.render(stand_in, zplkit.Options(dpi=203)).labels[0].png()
    return cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)


@pytest.mark.parametrize("size,height", [("100x150", 1199), ("100x180", 1439)])
def test_zpl_waybill_of_either_roll_decodes_to_its_tracking_number(size, height):
    job = zpl.waybill_label(waybill(size))
    assert f"^PW799^LL{height}".encode() in job  # 100 mm at 8 dots per mm, rounded
    image = render_zpl(job)
    assert image.shape[1] >= 799 and image.shape[0] >= height
    assert {found.scan.text for found in decode_image(image)} == {"SF1234567890123"}


def test_zpl_waybill_prints_chinese_text_in_utf8_with_the_cjk_font():
    job = zpl.waybill_label(waybill())
    assert b"^CI28" in job and b"^CW1,E:SIMSUN.TTF" in job and b"^A1N" in job
    for text in ("顺丰速运", "收 张**  138****8000", "浙江省杭州市****", "寄 王*  139****0000", "订单 SO-9"):
        assert text.encode("utf-8") in job
    assert b"755W-010" in job


@pytest.mark.parametrize("size", ["100x150", "100x180"])
def test_tspl_waybill_of_either_roll_decodes_to_its_tracking_number(size):
    job = tspl.waybill_label(waybill(size))
    assert job.startswith(f"SIZE 100 mm,{size[4:]} mm\r\n".encode())
    image = tspl_render.render(job)
    assert image.shape == (round(int(size[4:]) * 203 / 25.4), 799)
    assert {found.scan.text for found in decode_image(image)} == {"SF1234567890123"}


def test_tspl_waybill_sends_chinese_text_as_gbk_with_the_chinese_font():
    job = tspl.waybill_label(waybill())
    assert b'"TSS24.BF2"' in job and b"BOX " in job and b"BAR " in job
    for text in ("顺丰速运", "收 张**  138****8000", "浙江省杭州市余杭区****", "订单 SO-9"):
        assert text.encode("gbk") in job
    with pytest.raises(UnicodeDecodeError):
        job.decode("utf-8")  # the Chinese is GBK, not UTF-8


@pytest.mark.parametrize("build", [zpl.waybill_label, tspl.waybill_label])
def test_a_waybill_holds_only_the_masked_name_and_phone_it_was_given(build):
    job = build(waybill())
    for encoding in ("utf-8", "gbk"):
        assert FULL_PHONE.encode(encoding) not in job and FULL_NAME.encode(encoding) not in job
    assert b"138****8000" in job


def test_a_waybill_without_sorting_code_leaves_it_out_and_an_unknown_roll_is_refused():
    assert b"755W" not in zpl.waybill_label(waybill(sorting_code=""))
    with pytest.raises(LabelError):
        zpl.waybill_label(waybill("100x100"))
    with pytest.raises(LabelError):
        tspl.waybill_label(waybill(tracking="SF^1"))


def test_the_printers_shipping_builder_prints_the_waybill_layout_for_a_waybill():
    assert ZplPrinter.builders["shipping"](waybill()) == zpl.waybill_label(waybill())
    assert TsplPrinter.builders["shipping"](waybill("100x180")) == tspl.waybill_label(waybill("100x180"))


def test_the_manifest_list_prints_each_parcel_in_both_languages():
    manifest = ManifestList("MF-000001", "SF", (ManifestRow("SF1", "SO-1", "张**", "1.250 kg"),
                                                ManifestRow("SF2", "SO-2", "李*", "0.300 kg")), "1.550 kg", "刘师傅")
    z, t = ZplPrinter.builders["manifest"](manifest), TsplPrinter.builders["manifest"](manifest)
    assert "交接单 MF-000001".encode() in z and "  1 SF1  SO-1  张**  1.250 kg".encode() in z
    assert "交接单 MF-000001".encode("gbk") in t and "  2 SF2  SO-2  李*  0.300 kg".encode("gbk") in t
    tspl_render.render(t)  # every command it uses is one the renderer knows


def test_the_test_renderer_draws_a_plain_tspl_shipping_label_that_decodes():
    from devices.printers import ShippingLabel

    job = tspl.shipping_label(ShippingLabel("SF1234567890", "SF Express", "张*", "138****5678", "广东省深圳市****"))
    assert [found.scan.text for found in decode_image(tspl_render.render(job))] == ["SF1234567890"]

"""R5 in the user's language: every reason the sampling planner gives is a stable code with
parameters, worded in both catalogues with placeholders of its parameters only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wms.domain.sampling import (
    REASON_PARAMS,
    LotResult,
    Packaging,
    ReasonCode,
    plan_sample,
    switching_state,
)
from wms.i18n import catalogue, placeholders

A, R, X = LotResult(True), LotResult(False, True), LotResult(True, True)  # accepted, rejected, expanded


def plan(**kw):
    defaults = dict(lot_quantity=100, document_kind="purchase_order", first_delivery=False, history=())
    return plan_sample(**(defaults | kw))


#: One plan per reason code, and the parameters it carries.
EXAMPLES = {
    ReasonCode.NO_HISTORY: (plan(), {}),
    ReasonCode.NORMAL_HISTORY: (plan(history=[A, R, A]), {"rejected": 1, "window": 3, "clean": 1}),
    ReasonCode.TIGHTENED_AFTER_REJECTIONS: (plan(history=[R, A, R]), {
        "rejected": 2, "window": 3, "threshold": 2, "threshold_window": 5}),
    ReasonCode.TIGHTENED_UNTIL_ACCEPTED: (plan(history=[R, R, A, A]), {"accepted": 2, "needed": 5}),
    ReasonCode.NORMAL_AFTER_ACCEPTED_LOTS: (plan(history=[R, R] + [A] * 5), {"accepted": 5, "threshold": 5}),
    ReasonCode.REDUCED_AFTER_CLEAN_LOTS: (plan(history=[A] * 10), {"clean": 10, "threshold": 10}),
    ReasonCode.REDUCED_CLEAN_LOTS: (plan(history=[A] * 12), {"clean": 2}),
    ReasonCode.NORMAL_AFTER_REDUCED_REJECTION: (plan(history=[A] * 10 + [R]), {}),
    ReasonCode.NORMAL_AFTER_REDUCED_EXPANSION: (plan(history=[A] * 10 + [X]), {}),
    ReasonCode.FIRST_DELIVERY: (plan(first_delivery=True), {"rate": 10}),
    ReasonCode.DAMAGED_PACKAGING: (plan(packaging="damp"), {"packaging": "damp", "rate": 100}),
    ReasonCode.FULL_RETURN_TO_VENDOR: (plan(document_kind="return_to_vendor"), {}),
    ReasonCode.CUSTOMER_RETURN_CLASSIFIED: (plan(document_kind="customer_return"), {}),
    ReasonCode.CONSIGNMENT_FULL: (plan(document_kind="consignment"), {}),
}


def test_r5_every_reason_code_is_produced_by_the_planner_with_its_parameters():
    assert set(EXAMPLES) == set(ReasonCode)
    for code, (produced, params) in EXAMPLES.items():
        assert (produced.reason_code, dict(produced.reason_params)) == (code, params)
        assert set(params) == REASON_PARAMS[code]
        assert produced.reason  # the English reason is kept


@settings(max_examples=200, deadline=None)
@given(history=st.lists(st.sampled_from([A, R, X]), max_size=40),
       first_delivery=st.booleans(), packaging=st.sampled_from(list(Packaging)),
       kind=st.sampled_from(["purchase_order", "customer_return", "return_to_vendor", "consignment"]))
def test_r5_whatever_the_history_a_reason_carries_exactly_its_codes_parameters(history, first_delivery,
                                                                                packaging, kind):
    for produced in (switching_state(history),
                     plan(history=history, first_delivery=first_delivery, packaging=packaging, document_kind=kind)):
        assert set(produced.reason_params) == REASON_PARAMS[produced.reason_code]
        assert all(isinstance(v, int | str) and not isinstance(v, bool) for v in produced.reason_params.values())


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_r5_every_reason_code_has_a_message_naming_only_its_parameters(locale):
    reasons = catalogue(locale)["reasons"]
    assert set(reasons) == {code.value for code in ReasonCode}
    for code in ReasonCode:
        assert reasons[code.value].strip(), code
        assert placeholders(reasons[code.value]) <= REASON_PARAMS[code], code
    en, zh = catalogue("en")["reasons"], catalogue("zh_CN")["reasons"]
    assert all(placeholders(en[c]) == placeholders(zh[c]) for c in en)  # both languages say the same facts


def test_r5_the_catalogue_served_to_the_handheld_carries_the_reasons(client):
    for language, locale in (("zh-CN", "zh_CN"), ("en", "en")):
        body = client.get(f"/api/v1/i18n/{language}").get_json()
        assert body["reasons"] == catalogue(locale)["reasons"]
    assert client.get("/api/v1/i18n/en").get_json()["reasons"]["tightened_after_rejections"] == (
        "Supplier history: tightened after {rejected} of the last {window} lots failed")

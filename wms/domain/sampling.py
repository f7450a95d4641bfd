"""Sampling inspection of received lots (rules R4, R5, R6, R7): pure rules, no database.

The planner answers "how many units of this lot must be looked at, and why"; the
evaluator answers "given what the inspector found, is more needed, and what is
accepted"; customer returns are classified unit by unit (R6). The switching between
normal (10%), reduced (5%) and tightened (15%) inspection follows ISO 2859-1 in
spirit; every threshold is a field of ``SamplingRules`` so a warehouse can set its own
(app config ``RECEIVING_SAMPLING``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum

from wms.errors import InspectionInvalid


class DocumentKind(StrEnum):
    """The inbound documents goods may be received against (rule R1)."""

    PURCHASE_ORDER = "purchase_order"
    CUSTOMER_RETURN = "customer_return"
    RETURN_TO_VENDOR = "return_to_vendor"
    CONSIGNMENT = "consignment"


class Packaging(StrEnum):
    """The state of the outer packaging, recorded on every received line (rule R4)."""

    INTACT = "intact"
    DEFORMED = "deformed"
    DAMAGED = "damaged"
    DAMP = "damp"
    MOULDY = "mouldy"


class InspectionState(StrEnum):
    """How strictly a lot is sampled; the first three are the ISO 2859-1 switching states."""

    NORMAL = "normal"
    REDUCED = "reduced"
    TIGHTENED = "tightened"
    FULL = "full"  # every unit: returns to vendor, customer returns, consignment, damaged packaging


class Outcome(StrEnum):
    """Where an inspection stands."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SamplingRules:
    """The thresholds of sampling and switching (rule R5); all configurable."""

    normal_percent: int = 10
    reduced_percent: int = 5
    tightened_percent: int = 15
    first_delivery_percent: int = 10
    full_percent: int = 100
    # R4: non-intact packaging forces inspection of the goods themselves.
    damaged_packaging_percent: int = 100
    expansion_percent: int = 30
    # A lot is rejected when defects exceed this share of all units inspected.
    reject_above_percent: int = 30
    # normal -> tightened: this many lots not accepted among the last `tighten_window`.
    tighten_after_rejected: int = 2
    tighten_window: int = 5
    # tightened -> normal: this many accepted lots in a row.
    relax_after_accepted: int = 5
    # normal -> reduced: this many lots in a row clean on their first sample.
    reduce_after_clean: int = 10

    @classmethod
    def from_config(cls, overrides: Mapping[str, int] | None) -> SamplingRules:
        """Defaults with the given overrides; unknown keys are refused, not ignored."""
        rules = cls()
        if not overrides:
            return rules
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise ValueError(f"Unknown RECEIVING_SAMPLING keys: {sorted(unknown)}")
        rules = replace(rules, **{k: int(v) for k, v in overrides.items()})
        rules.check()
        return rules

    def check(self) -> None:
        """Refuse thresholds that make no sense (R5 keeps rates between 5 and 15% by default)."""
        for name in ("normal_percent", "reduced_percent", "tightened_percent", "first_delivery_percent",
                     "full_percent", "damaged_packaging_percent", "expansion_percent",
                     "reject_above_percent"):
            if not 1 <= getattr(self, name) <= 100:
                raise ValueError(f"{name} must be between 1 and 100")
        if not self.reduced_percent <= self.normal_percent <= self.tightened_percent:
            raise ValueError("reduced <= normal <= tightened percent is required")
        if not 1 <= self.tighten_after_rejected <= self.tighten_window:
            raise ValueError("tighten_after_rejected must be between 1 and tighten_window")
        if self.relax_after_accepted < 1 or self.reduce_after_clean < 1:
            raise ValueError("switching counts must be at least 1")

    def rate_of(self, state: InspectionState) -> int:
        """The sampling percentage of a switching state."""
        return {
            InspectionState.NORMAL: self.normal_percent,
            InspectionState.REDUCED: self.reduced_percent,
            InspectionState.TIGHTENED: self.tightened_percent,
            InspectionState.FULL: self.full_percent,
        }[state]


def percent_of(percent: int, quantity: int) -> int:
    """ceil(percent% of quantity) in integers: no float ever decides a sample size."""
    return -(-percent * quantity // 100)


def sample_size(percent: int, lot_quantity: int) -> int:
    """R5: ceil(rate x lot), at least 1, at most the lot."""
    if lot_quantity < 1:
        raise ValueError("a lot has at least one unit")
    return max(1, min(lot_quantity, percent_of(percent, lot_quantity)))


# --- switching (R5, ISO 2859-1 in spirit) ----------------------------------------------


@dataclass(frozen=True)
class LotResult:
    """The outcome of one past lot of a supplier, as switching needs it."""

    accepted: bool
    # Defects were found, so the first sample was (or, at 100%, would have been) expanded.
    expanded: bool = False

    @property
    def clean(self) -> bool:
        """Accepted on its first sample, without expansion."""
        return self.accepted and not self.expanded


class ReasonCode(StrEnum):
    """Why a lot is inspected as it is: stable codes a screen words in its own language.

    Each comes with ``reason_params`` (whole numbers and words) and has a message per
    language in the catalogues' ``reasons`` section, with ``{param}`` placeholders.
    """

    NO_HISTORY = "no_history"
    NORMAL_HISTORY = "normal_history"
    TIGHTENED_AFTER_REJECTIONS = "tightened_after_rejections"
    TIGHTENED_UNTIL_ACCEPTED = "tightened_until_accepted"
    NORMAL_AFTER_ACCEPTED_LOTS = "normal_after_accepted_lots"
    REDUCED_AFTER_CLEAN_LOTS = "reduced_after_clean_lots"
    REDUCED_CLEAN_LOTS = "reduced_clean_lots"
    NORMAL_AFTER_REDUCED_REJECTION = "normal_after_reduced_rejection"
    NORMAL_AFTER_REDUCED_EXPANSION = "normal_after_reduced_expansion"
    FIRST_DELIVERY = "first_delivery"
    DAMAGED_PACKAGING = "damaged_packaging"
    FULL_RETURN_TO_VENDOR = "full_return_to_vendor"
    CUSTOMER_RETURN_CLASSIFIED = "customer_return_classified"
    CONSIGNMENT_FULL = "consignment_full"


#: The parameters each reason code comes with: what its messages may name.
REASON_PARAMS: dict[ReasonCode, frozenset[str]] = {
    ReasonCode.NO_HISTORY: frozenset(),
    ReasonCode.NORMAL_HISTORY: frozenset({"rejected", "window", "clean"}),
    ReasonCode.TIGHTENED_AFTER_REJECTIONS: frozenset({"rejected", "window", "threshold", "threshold_window"}),
    ReasonCode.TIGHTENED_UNTIL_ACCEPTED: frozenset({"accepted", "needed"}),
    ReasonCode.NORMAL_AFTER_ACCEPTED_LOTS: frozenset({"accepted", "threshold"}),
    ReasonCode.REDUCED_AFTER_CLEAN_LOTS: frozenset({"clean", "threshold"}),
    ReasonCode.REDUCED_CLEAN_LOTS: frozenset({"clean"}),
    ReasonCode.NORMAL_AFTER_REDUCED_REJECTION: frozenset(),
    ReasonCode.NORMAL_AFTER_REDUCED_EXPANSION: frozenset(),
    ReasonCode.FIRST_DELIVERY: frozenset({"rate"}),
    ReasonCode.DAMAGED_PACKAGING: frozenset({"packaging", "rate"}),
    ReasonCode.FULL_RETURN_TO_VENDOR: frozenset(),
    ReasonCode.CUSTOMER_RETURN_CLASSIFIED: frozenset(),
    ReasonCode.CONSIGNMENT_FULL: frozenset(),
}


@dataclass(frozen=True)
class SwitchingStatus:
    """The switching state after a history, and why it is that state (in English, and as a code)."""

    state: InspectionState
    reason: str
    lots: int
    reason_code: ReasonCode = ReasonCode.NO_HISTORY
    reason_params: Mapping[str, int | str] = field(default_factory=dict)


def switching_state(history: Iterable[LotResult], rules: SamplingRules = SamplingRules()) -> SwitchingStatus:
    """Replay a supplier's lot outcomes, oldest first, through the switching rules."""
    state = InspectionState.NORMAL
    reason = "no history: normal inspection"
    code, params = ReasonCode.NO_HISTORY, {}
    since_switch: list[LotResult] = []  # lots seen in the current state
    seen: list[LotResult] = []
    for result in history:
        seen.append(result)
        since_switch.append(result)
        if state is InspectionState.NORMAL:
            # The window looks at the last lots whatever state they were inspected in.
            window = seen[-rules.tighten_window:]
            not_accepted = sum(1 for r in window if not r.accepted)
            clean_run = _trailing(since_switch, lambda r: r.clean)
            if not_accepted >= rules.tighten_after_rejected:
                state, since_switch = InspectionState.TIGHTENED, []
                reason = (f"tightened: {not_accepted} of the last {len(window)} lots were not accepted "
                          f"(threshold {rules.tighten_after_rejected} of {rules.tighten_window})")
                code, params = ReasonCode.TIGHTENED_AFTER_REJECTIONS, {
                    "rejected": not_accepted, "window": len(window), "threshold": rules.tighten_after_rejected,
                    "threshold_window": rules.tighten_window}
            elif clean_run >= rules.reduce_after_clean:
                state, since_switch = InspectionState.REDUCED, []
                reason = (f"reduced: {clean_run} lots in a row accepted on the first sample "
                          f"(threshold {rules.reduce_after_clean})")
                code, params = ReasonCode.REDUCED_AFTER_CLEAN_LOTS, {
                    "clean": clean_run, "threshold": rules.reduce_after_clean}
            else:
                reason = (f"normal: {not_accepted} of the last {len(window)} lots not accepted, "
                          f"{clean_run} clean in a row")
                code, params = ReasonCode.NORMAL_HISTORY, {
                    "rejected": not_accepted, "window": len(window), "clean": clean_run}
        elif state is InspectionState.TIGHTENED:
            accepted_run = _trailing(since_switch, lambda r: r.accepted)
            if accepted_run >= rules.relax_after_accepted:
                state, since_switch = InspectionState.NORMAL, []
                reason = (f"normal: {accepted_run} lots in a row accepted under tightened inspection "
                          f"(threshold {rules.relax_after_accepted})")
                code, params = ReasonCode.NORMAL_AFTER_ACCEPTED_LOTS, {
                    "accepted": accepted_run, "threshold": rules.relax_after_accepted}
            else:
                reason = (f"tightened: {accepted_run} of {rules.relax_after_accepted} accepted lots "
                          "in a row needed to return to normal")
                code, params = ReasonCode.TIGHTENED_UNTIL_ACCEPTED, {
                    "accepted": accepted_run, "needed": rules.relax_after_accepted}
        elif state is InspectionState.REDUCED:
            if not result.clean:
                state, since_switch = InspectionState.NORMAL, []
                what = "was rejected" if not result.accepted else "needed an expanded sample"
                reason = f"normal: under reduced inspection a lot {what}"
                code, params = (ReasonCode.NORMAL_AFTER_REDUCED_REJECTION if not result.accepted
                                else ReasonCode.NORMAL_AFTER_REDUCED_EXPANSION), {}
            else:
                reason = f"reduced: {len(since_switch)} clean lots since reduction"
                code, params = ReasonCode.REDUCED_CLEAN_LOTS, {"clean": len(since_switch)}
    return SwitchingStatus(state, reason, len(seen), code, params)


def _trailing(results: Sequence[LotResult], predicate) -> int:
    run = 0
    for result in reversed(results):
        if not predicate(result):
            break
        run += 1
    return run


# --- the plan of one lot ---------------------------------------------------------------


@dataclass(frozen=True)
class SamplingPlan:
    """How a received lot is inspected: the rate, the sample size and why."""

    state: InspectionState
    rate_percent: int
    sample_size: int
    reason: str
    zero_tolerance: bool = False  # R7: any problem rejects consignment goods
    reason_code: ReasonCode = ReasonCode.NO_HISTORY
    reason_params: Mapping[str, int | str] = field(default_factory=dict)


def plan_sample(
    *,
    lot_quantity: int,
    document_kind: str,
    packaging: str = Packaging.INTACT,
    first_delivery: bool,
    history: Iterable[LotResult] = (),
    rules: SamplingRules = SamplingRules(),
) -> SamplingPlan:
    """The sampling plan of one received lot (R4, R5, R6, R7)."""
    kind, packaging = DocumentKind(document_kind), Packaging(packaging)

    def full(reason: str, code: ReasonCode, zero_tolerance: bool = False) -> SamplingPlan:
        return SamplingPlan(InspectionState.FULL, rules.full_percent,
                            sample_size(rules.full_percent, lot_quantity), reason, zero_tolerance, code)

    if kind is DocumentKind.RETURN_TO_VENDOR:
        return full("return to vendor / exchange: every unit is inspected (R5)", ReasonCode.FULL_RETURN_TO_VENDOR)
    if kind is DocumentKind.CUSTOMER_RETURN:
        return full("customer return: every unit is checked and classified (R6)",
                    ReasonCode.CUSTOMER_RETURN_CLASSIFIED)
    if kind is DocumentKind.CONSIGNMENT:
        return full("consignment: every unit is checked against the documents; any problem rejects (R7)",
                    ReasonCode.CONSIGNMENT_FULL, zero_tolerance=True)
    status = switching_state(history, rules)
    if packaging is not Packaging.INTACT:
        rate = max(rules.damaged_packaging_percent, rules.rate_of(status.state))
        state = InspectionState.FULL if rate >= 100 else status.state
        return SamplingPlan(state, rate, sample_size(rate, lot_quantity),
                            f"packaging {packaging.value}: the goods themselves must be inspected (R4)",
                            reason_code=ReasonCode.DAMAGED_PACKAGING,
                            reason_params={"packaging": packaging.value, "rate": rate})
    if first_delivery:
        # Reading of R5: a new item from a supplier under tightened inspection keeps 15%.
        rate = max(rules.first_delivery_percent, rules.rate_of(status.state)
                   if status.state is InspectionState.TIGHTENED else 0)
        state = status.state if status.state is InspectionState.TIGHTENED else InspectionState.NORMAL
        return SamplingPlan(state, rate, sample_size(rate, lot_quantity),
                            f"first delivery of this item from the supplier: {rate}% (R5); {status.reason}",
                            reason_code=ReasonCode.FIRST_DELIVERY, reason_params={"rate": rate})
    rate = rules.rate_of(status.state)
    return SamplingPlan(status.state, rate, sample_size(rate, lot_quantity), status.reason,
                        reason_code=status.reason_code, reason_params=status.reason_params)


class InspectionKind(StrEnum):
    """What the inspector does with a lot: look at a sample, at every unit, or classify each return."""

    SAMPLE = "sample"
    FULL = "full"
    RETURN_CLASSIFICATION = "return_classification"


def inspection_kind(document_kind: str, state: str) -> InspectionKind:
    """R5/R6: customer returns are classified unit by unit; a full plan checks every unit; else a sample."""
    if DocumentKind(document_kind) is DocumentKind.CUSTOMER_RETURN:
        return InspectionKind.RETURN_CLASSIFICATION
    return InspectionKind.FULL if InspectionState(state) is InspectionState.FULL else InspectionKind.SAMPLE


# --- evaluating what the inspector found -------------------------------------------------


@dataclass(frozen=True)
class InspectionDecision:
    """What follows from the units inspected so far."""

    outcome: Outcome
    required_units: int  # units that must be inspected before deciding
    expanded: bool
    accepted_quantity: int
    rejected_quantity: int
    reason: str
    # Units to inspect in all before deciding: the sample, or the expanded sample (R5).
    units_required: int = 0

    @property
    def remaining_units(self) -> int:
        """Units still to inspect before a decision."""
        return self.required_units


def add_inspection_round(*, lot_quantity: int, inspected: int, defects: int, units_inspected: int,
                         new_defects: int) -> tuple[int, int]:
    """Units inspected and defects after one more round (rounds add up); impossible figures refused."""
    if units_inspected < 0 or new_defects < 0 or new_defects > units_inspected or units_inspected + new_defects == 0:
        raise InspectionInvalid("Record at least one unit; defects cannot exceed units inspected.",
                                units_inspected=units_inspected, defects=new_defects)
    total, found = inspected + units_inspected, defects + new_defects
    if total > lot_quantity:
        raise InspectionInvalid(f"Only {lot_quantity} units are in the lot; {total} inspected is not possible.",
                                lot_quantity=lot_quantity, units_inspected=total)
    return total, found


def evaluate_inspection(
    *,
    lot_quantity: int,
    sample_size: int,
    inspected: int,
    defects: int,
    zero_tolerance: bool = False,
    rules: SamplingRules = SamplingRules(),
) -> InspectionDecision:
    """Decide a lot from all units inspected so far (R5; R7 when zero_tolerance).

    Callers check that ``0 <= defects <= inspected <= lot_quantity`` first.
    """
    if not 0 <= defects <= inspected <= lot_quantity:
        raise ValueError("need 0 <= defects <= inspected <= lot quantity")
    if zero_tolerance and defects:
        return InspectionDecision(Outcome.REJECTED, 0, False, 0, lot_quantity,
                                  f"{defects} defective: any problem rejects the whole lot (R7)", sample_size)
    required = sample_size
    if defects:
        # Units already inspected count toward the expanded sample.
        required = max(sample_size, min(lot_quantity, percent_of(rules.expansion_percent, lot_quantity)))
    expanded = required > sample_size
    if inspected < required:
        what = f"expanded to {rules.expansion_percent}% of the lot" if defects else "sample"
        return InspectionDecision(Outcome.PENDING, required - inspected, expanded, 0, 0,
                                  f"{what}: {required - inspected} more of {required} units to inspect", required)
    if defects * 100 > rules.reject_above_percent * inspected:
        return InspectionDecision(
            Outcome.REJECTED, 0, expanded, 0, lot_quantity,
            f"{defects} of {inspected} inspected are defective, more than "
            f"{rules.reject_above_percent}%: the whole lot is rejected (R5)", required,
        )
    note = (f"{defects} of {inspected} inspected defective" if defects
            else f"{inspected} inspected, none defective")
    return InspectionDecision(Outcome.ACCEPTED, 0, expanded, lot_quantity - defects, defects,
                              f"{note}: accepted less the defective units (R5)", required)


# --- R6: customer returns, unit by unit --------------------------------------------------


def classify_returned_units(*, lot_quantity: int, resellable: int, damaged: int,
                            missing_parts: int) -> InspectionDecision:
    """R6: every returned unit is resellable (to stock), damaged or missing parts (to quarantine).

    Each unit is classified exactly once; the lot counts as accepted when any unit is
    resellable, rejected when none is.
    """
    counts = (resellable, damaged, missing_parts)
    if min(counts) < 0 or sum(counts) != lot_quantity:
        raise InspectionInvalid(f"Classify each of the {lot_quantity} returned units exactly once (R6).",
                                lot_quantity=lot_quantity, classified=sum(counts))
    bad = damaged + missing_parts
    return InspectionDecision(
        Outcome.ACCEPTED if resellable else Outcome.REJECTED, 0, False, resellable, bad,
        f"{resellable} resellable to stock, {damaged} damaged and {missing_parts} missing parts "
        "to quarantine (R6)", lot_quantity,
    )

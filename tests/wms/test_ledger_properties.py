"""Rule L1 as a property: after any sequence of movements on-hand equals the ledger.

A hypothesis state machine drives receipts, moves, adjustments, reversals and
over-draws against the real services and database, and keeps its own model of what
every bin should hold; after every step the database must agree with the model and
``verify_ledger`` must pass. Refused steps (S5) must change nothing.
"""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, rule

from tests.factories import build_world
from wms.errors import AlreadyReversed, InsufficientStock
from wms.extensions import db
from wms.models import StockQuant
from wms.services.stock import (
    StockChange,
    adjust_stock,
    get_or_create_lot,
    post_movement,
    reverse_movement,
    verify_ledger,
)
from wms.services.uow import transaction

BINS = ["RCV-01", "A-01-01", "A-01-02", "B-01-01", "QA-01"]
SKUS = ["SKU-1", "SKU-2"]


@pytest.fixture
def machine_app(app):
    return app


def test_l1_on_hand_equals_ledger_after_random_movements(machine_app):
    app = machine_app
    with app.app_context():
        world = build_world()

    class LedgerMachine(RuleBasedStateMachine):
        movements = Bundle("movements")

        def __init__(self):
            super().__init__()
            self.context = app.app_context()
            self.context.push()
            self.world = world
            self.lots: list[tuple[str, int]] = []
            # The model: what each (sku, lot, bin) should hold, from the current database.
            self.model: dict[tuple[int, int, int], int] = {}
            for row in db.session.execute(sa.select(StockQuant)).scalars():
                self.model[(row.item_id, row.lot_id, row.location_id)] = row.quantity
            self.undo: dict[str, list[tuple[tuple[int, int, int], int]]] = {}

        def teardown(self):
            db.session.rollback()
            self.context.pop()

        def _apply(self, movement_id: str, changes: list[tuple[tuple[int, int, int], int]]):
            for key, delta in changes:
                self.model[key] = self.model.get(key, 0) + delta
            self.undo[movement_id] = changes

        @rule(target=movements, sku=st.sampled_from(SKUS), where=st.sampled_from(BINS),
              quantity=st.integers(1, 50), lot_no=st.integers(1, 3))
        def receive(self, sku, where, quantity, lot_no):
            w = self.world
            with transaction():
                lot = get_or_create_lot(w.items[sku], f"P-{sku}-{lot_no}")
                result = post_movement(w.user("admin"), "receipt", [StockChange(
                    w.items[sku], lot.id, w.owners["OWN"], w.place("SUP"), w.place(where), quantity)])
            self._apply(result.movement_id, [((w.items[sku], lot.id, w.locations[where]), quantity)])
            return result.movement_id

        @rule(target=movements, source=st.sampled_from(BINS), destination=st.sampled_from(BINS),
              quantity=st.integers(1, 60), pick=st.integers(0, 10**6))
        def move(self, source, destination, quantity, pick):
            w = self.world
            if source == destination:
                return "none"
            held = sorted(k for k, q in self.model.items() if k[2] == w.locations[source] and q > 0)
            if not held:
                return "none"
            item_id, lot_id, _ = held[pick % len(held)]
            change = StockChange(item_id, lot_id, w.owners["OWN"], w.place(source), w.place(destination),
                                 quantity)
            if quantity > self.model[(item_id, lot_id, w.locations[source])]:
                with pytest.raises(InsufficientStock):
                    post_movement(w.user("admin"), "move", [change])
                db.session.rollback()
                return "none"
            result = post_movement(w.user("admin"), "move", [change])
            self._apply(result.movement_id, [((item_id, lot_id, w.locations[source]), -quantity),
                                             ((item_id, lot_id, w.locations[destination]), quantity)])
            return result.movement_id

        @rule(where=st.sampled_from(BINS), change=st.integers(-20, 20).filter(bool), pick=st.integers(0, 99))
        def adjust(self, where, change, pick):
            w = self.world
            held = sorted(k for k, q in self.model.items() if k[2] == w.locations[where])
            if not held:
                return
            item_id, lot_id, location_id = held[pick % len(held)]
            kwargs = dict(item_id=item_id, lot_id=lot_id, location_id=location_id,
                          owner_id=w.owners["OWN"], quantity_change=change, reason="property test")
            if self.model[(item_id, lot_id, location_id)] + change < 0:
                with pytest.raises(InsufficientStock):
                    adjust_stock(w.user("supervisor"), **kwargs)
                db.session.rollback()
                return
            result = adjust_stock(w.user("supervisor"), **kwargs)
            self._apply(result.movement_id, [((item_id, lot_id, location_id), change)])

        @rule(movement=consumes(movements))
        def reverse(self, movement):
            if movement == "none":
                return
            changes = self.undo[movement]
            would_go_negative = any(self.model[key] - delta < 0 for key, delta in changes)
            if would_go_negative:
                with pytest.raises(InsufficientStock):
                    reverse_movement(self.world.user("supervisor"), movement, "property test")
                db.session.rollback()
                return
            result = reverse_movement(self.world.user("supervisor"), movement, "property test")
            self._apply(result.movement_id, [(key, -delta) for key, delta in changes])
            with pytest.raises(AlreadyReversed):
                reverse_movement(self.world.user("supervisor"), movement, "twice")
            db.session.rollback()

        @invariant()
        def on_hand_matches_model_and_ledger(self):
            actual = {
                (r.item_id, r.lot_id, r.location_id): r.quantity
                for r in db.session.execute(sa.select(StockQuant)).scalars()
            }
            assert {k: v for k, v in actual.items() if v} == {k: v for k, v in self.model.items() if v}
            assert all(v >= 0 for v in actual.values())
            check = verify_ledger()
            assert check.ok, check
            db.session.rollback()

    LedgerMachine.TestCase.settings = settings(
        max_examples=25, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    LedgerMachine.TestCase().runTest()

"""Transition tables: the one way any document with a status changes state.

Every stateful document (purchase orders and other inbound documents, receipts, receipt
lines, sales orders, pick tasks, waves, holds, exchange notices, count tasks, print
jobs) declares its states and actions as enums and its legal steps as a table:

    RECEIPT = TransitionTable("receipt", {
        (ReceiptStatus.OPEN, ReceiptAction.SUBMIT): ReceiptStatus.SUBMITTED,
        ...
    })
    receipt.status = RECEIPT.next(receipt.status, ReceiptAction.SUBMIT)

A step that is not in the table raises ``IllegalTransition`` (409
``illegal_transition``) naming the document, its state, the action and the states from
which that action is allowed; nothing is changed. Services never assign a status
directly; a test per table tries every step that is not in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from wms.errors import IllegalTransition

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class TransitionTable(Generic[S, A]):
    """The legal steps of one kind of document: (state, action) -> next state."""

    def __init__(self, document: str, steps: Mapping[tuple[S, A], S]) -> None:
        if not steps:
            raise ValueError("a transition table needs at least one step")
        self.document = document
        self.steps: dict[tuple[S, A], S] = dict(steps)
        first_state, first_action = next(iter(self.steps))
        self.state_type: type[S] = type(first_state)
        self.action_type: type[A] = type(first_action)

    def next(self, state: str, action: A | str) -> S:
        """The state after ``action`` from ``state``; IllegalTransition when not in the table."""
        action = self.action_type(action)
        try:
            return self.steps[(self.state_type(state), action)]
        except (KeyError, ValueError):
            raise IllegalTransition(
                f"A {self.document} that is {state} cannot take '{action.value}'.",
                document=self.document, state=str(state), action=action.value,
                expected=self.states_allowing(action),
            ) from None

    def check(self, state: str, action: A | str) -> None:
        """Raise IllegalTransition unless ``action`` is allowed from ``state``."""
        self.next(state, action)

    def allows(self, state: str, action: A | str) -> bool:
        """True when ``action`` is a legal step from ``state``."""
        try:
            return (self.state_type(state), self.action_type(action)) in self.steps
        except ValueError:
            return False

    def states_allowing(self, action: A | str) -> list[str]:
        """The states from which ``action`` is legal, in the enum's order."""
        action = self.action_type(action)
        return [s.value for s in self.state_type if (s, action) in self.steps]

    def actions_from(self, state: str) -> list[str]:
        """The actions legal from ``state``, in the enum's order."""
        state = self.state_type(state)
        return [a.value for a in self.action_type if (state, a) in self.steps]

    def illegal_steps(self) -> list[tuple[S, A]]:
        """Every (state, action) pair that is not a legal step: what the tests try."""
        return [(s, a) for s in self.state_type for a in self.action_type if (s, a) not in self.steps]

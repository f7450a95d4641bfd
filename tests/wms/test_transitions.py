"""The transition table every stateful document uses: illegal steps are typed errors."""

from __future__ import annotations

from enum import StrEnum

import pytest

from wms.domain.transitions import TransitionTable
from wms.errors import IllegalTransition


class Light(StrEnum):
    RED = "red"
    GREEN = "green"
    OFF = "off"


class Switch(StrEnum):
    GO = "go"
    STOP = "stop"
    UNPLUG = "unplug"


LIGHT = TransitionTable("light", {
    (Light.RED, Switch.GO): Light.GREEN,
    (Light.GREEN, Switch.STOP): Light.RED,
    (Light.RED, Switch.UNPLUG): Light.OFF,
    (Light.GREEN, Switch.UNPLUG): Light.OFF,
})


def test_a_legal_step_gives_the_next_state():
    assert LIGHT.next("red", Switch.GO) is Light.GREEN
    assert LIGHT.next(Light.GREEN, "unplug") is Light.OFF
    assert LIGHT.allows("green", "stop") and not LIGHT.allows("off", "go")


@pytest.mark.parametrize(("state", "action"), LIGHT.illegal_steps())
def test_every_illegal_step_is_refused_naming_the_expected_states(state, action):
    with pytest.raises(IllegalTransition) as refused:
        LIGHT.next(state, action)
    assert refused.value.code == "illegal_transition" and refused.value.status == 409
    assert refused.value.details == {
        "document": "light", "state": state.value, "action": action.value,
        "expected": LIGHT.states_allowing(action),
    }


def test_an_unknown_state_is_refused_and_an_unknown_action_is_a_programming_error():
    with pytest.raises(IllegalTransition):
        LIGHT.next("blue", Switch.GO)
    with pytest.raises(ValueError):
        LIGHT.next("red", "fly")


def test_the_table_lists_what_is_allowed():
    assert LIGHT.actions_from("red") == ["go", "unplug"]
    assert LIGHT.states_allowing("unplug") == ["red", "green"]
    assert len(LIGHT.illegal_steps()) == 9 - 4

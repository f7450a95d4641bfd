"""Rule L2: which warehouse day may be closed or reopened (pure rules, no I/O).

A warehouse's days close in order: a day is closed when it is on or before the
warehouse's last closed day. So:

- the first closing ever may be any day that has come (today or earlier); every day
  before it counts as closed with it, and its stored balances hold all entries up to it;
- after that, only the day after the last closed day may be closed (no gaps), and only
  once it has come (a day still to come cannot be closed);
- only the last closed day may be reopened: no later closing depends on its balances,
  so reopening removes that day's stored balances and nothing else.
"""

from __future__ import annotations

from datetime import date, timedelta

from wms.errors import DayNotClosable, DayNotReopenable, InvalidInput


def next_to_close(today: date, last_closed: date | None, day: date) -> date:
    """The day that may be closed next (for a first closing, the day asked if it has come)."""
    if last_closed is None:
        return min(day, today)
    return last_closed + timedelta(days=1)


def check_close(day: date, today: date, last_closed: date | None) -> None:
    """Raise DayNotClosable unless ``day`` may be closed now (L2)."""
    expected = next_to_close(today, last_closed, day)
    if day != expected or day > today:
        if last_closed is not None and day <= last_closed:
            why = f"it is already closed (the last closed day is {last_closed.isoformat()})"
        elif day > today:
            why = f"it has not come yet (today is {today.isoformat()})"
        else:
            why = f"{expected.isoformat()} must be closed first"
        raise DayNotClosable(f"The day {day.isoformat()} cannot be closed: {why}.",
                             day=day.isoformat(), expected=expected.isoformat(), today=today.isoformat())


def check_reopen(day: date, last_closed: date | None, reason: str | None) -> str:
    """The reopening's reason, stripped; DayNotReopenable unless ``day`` is the last closed day (L2)."""
    if last_closed is None or day != last_closed:
        shown = last_closed.isoformat() if last_closed else None
        raise DayNotReopenable(
            f"The day {day.isoformat()} cannot be reopened: only the last closed day ({shown or 'none'}) can be.",
            day=day.isoformat(), **({"last_closed": shown} if shown else {}))
    if not reason or not reason.strip():
        raise InvalidInput("A reopening needs a reason.", field="reason")
    return reason.strip()

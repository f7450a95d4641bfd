"""Login throttling: guessing is slowed by backoff, and nobody can lock a user out.

The service's clock is frozen and moved by hand, so a test waits no real seconds.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests.factories import PASSWORDS
from wms.errors import DomainError
from wms.extensions import db
from wms.models import LoginAttempt
from wms.models.types import utcnow
from wms.services import auth

NAT = "10.8.0.1"  # the warehouse's one address, as the internet sees it


class Clock:
    """The service's idea of now, moved by the test."""

    def __init__(self) -> None:
        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    frozen = Clock()
    monkeypatch.setattr(auth, "utcnow", lambda: frozen.now)
    # An unknown name costs a full scrypt hash in production; the tests try hundreds.
    monkeypatch.setattr(auth, "_dummy_hash", generate_password_hash("unknown-user", method="pbkdf2:sha256:1000"))
    return frozen


def login(client, username, password, addr):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def right(client, role, addr):
    return login(client, role, PASSWORDS[role], addr)


def wrong(client, username, addr):
    return login(client, username, "wrong-guess", addr)


def test_wrong_passwords_for_a_name_at_an_address_wait_doubling_up_to_the_window(app, client, world, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert wrong(client, "picker", NAT).status_code == 401
    waits = []
    for _ in range(12):
        refused = wrong(client, "picker", NAT)
        assert refused.status_code == 429 and refused.get_json()["code"] == "login_rate_limited"
        waits.append(int(refused.headers["Retry-After"]))
        clock.advance(waits[-1])
        assert wrong(client, "picker", NAT).status_code == 401  # the wait is over: tried again
    window = app.config["LOGIN_WINDOW_SECONDS"]
    assert waits == [min(2 ** n, window) for n in range(12)]


def test_the_right_password_after_the_wait_succeeds_and_clears_the_failures(app, client, world, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong(client, "picker", NAT)
    assert right(client, "picker", NAT).status_code == 429
    clock.advance(1)
    assert right(client, "picker", NAT).status_code == 201
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert wrong(client, "picker", NAT).status_code == 401  # typos now start from the first


def test_a_name_waiting_at_one_address_logs_in_at_once_from_another(app, client, world, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 1):
        wrong(client, "picker", "10.0.0.66")
    assert right(client, "picker", "10.0.0.66").status_code == 429
    assert right(client, "picker", NAT).status_code == 201


def test_refused_tries_do_not_lengthen_the_wait(app, client, world, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        wrong(client, "picker", NAT)
    for _ in range(50):
        assert wrong(client, "picker", NAT).headers["Retry-After"] == "1"
    clock.advance(1)
    assert right(client, "picker", NAT).status_code == 201


def test_failures_from_elsewhere_never_hold_up_a_users_known_place(app, client, world, clock):
    assert right(client, "picker", NAT).status_code == 201  # the warehouse is a known place
    for n in range(30):
        for _ in range(2):
            wrong(client, "picker", f"203.0.113.{n}")  # and the name is guessed from 30 others
    assert wrong(client, "picker", "203.0.113.1").status_code == 429
    assert wrong(client, "picker", NAT).status_code == 401  # a typo at the usual place ...
    assert right(client, "picker", NAT).status_code == 201  # ... and the next try gets in


def test_an_address_with_no_recent_failure_for_the_name_gets_its_try_at_once(app, client, world, clock):
    limit = 4 * app.config["LOGIN_MAX_FAILURES"]
    for n in range(limit + 5):
        wrong(client, "picker", f"203.0.113.{n}")
    # The name is past its limit across addresses: one that has failed for it waits ...
    refused = wrong(client, "picker", "203.0.113.3")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 1
    # ... one that has not gets its try, and the right password from it succeeds.
    assert wrong(client, "picker", "198.51.100.7").status_code == 401
    assert right(client, "picker", "198.51.100.8").status_code == 201
    # So does one whose failure for the name is older than the longest wait.
    wrong(client, "picker", "198.51.100.9")
    clock.advance(app.config["LOGIN_WINDOW_SECONDS"])
    for n in range(limit):
        wrong(client, "picker", f"192.0.2.{n}")
    assert right(client, "picker", "198.51.100.9").status_code == 201


def test_random_names_from_one_address_slow_only_its_tries_for_names_not_known_there(app, client, world, clock):
    assert right(client, "picker", NAT).status_code == 201
    for n in range(4 * app.config["LOGIN_MAX_FAILURES"]):
        assert wrong(client, f"guess-{n}", NAT).status_code == 401
    assert wrong(client, "guess-next", NAT).status_code == 429
    assert right(client, "picker", NAT).status_code == 201  # real users there log in as usual
    assert wrong(client, "guess-next", "198.51.100.7").status_code == 401  # other addresses unaffected
    clock.advance(1)
    assert wrong(client, "guess-next", NAT).status_code == 401  # a wait, not a lock


def test_a_wait_for_names_not_known_at_an_address_does_not_tell_which_names_exist(app, client, world, clock):
    for n in range(4 * app.config["LOGIN_MAX_FAILURES"]):
        wrong(client, f"guess-{n}", NAT)
    real, made_up = right(client, "shipper", NAT), wrong(client, "nobody-here", NAT)
    assert real.status_code == made_up.status_code == 429
    assert real.headers["Retry-After"] == made_up.headers["Retry-After"]


def test_a_place_stays_known_for_the_configured_days(app, client, world, clock):
    assert right(client, "picker", NAT).status_code == 201
    clock.advance((app.config["LOGIN_KNOWN_PLACE_DAYS"] + 1) * 86400)
    for n in range(4 * app.config["LOGIN_MAX_FAILURES"]):
        wrong(client, f"guess-{n}", NAT)
    assert right(client, "picker", NAT).status_code == 429


def test_guessing_spread_over_many_addresses_is_capped_for_the_whole_service(app, client, world, clock):
    assert right(client, "picker", NAT).status_code == 201
    for n in range(20 * app.config["LOGIN_MAX_FAILURES"]):
        assert wrong(client, f"guess-{n}", f"10.{n // 200}.{n % 200}.9").status_code == 401
    refused = wrong(client, "guess-next", "198.51.100.7")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert right(client, "shipper", "198.51.100.8").status_code == 429  # a new place waits too ...
    assert right(client, "picker", NAT).status_code == 201  # ... a known place does not
    clock.advance(1)
    assert right(client, "shipper", "198.51.100.8").status_code == 201  # and the wait ends


def test_repeated_logins_from_one_place_keep_one_record_of_it(app, client, world, clock):
    for _ in range(3):
        assert right(client, "picker", NAT).status_code == 201
        clock.advance(60)
    with app.app_context():
        kept = db.session.execute(sa.select(sa.func.count()).select_from(LoginAttempt)).scalar()
    assert kept == 1


def _parallel_logins(app, attempts):
    outcomes, start = [], threading.Barrier(len(attempts), timeout=30)

    def attempt(username, addr):
        with app.app_context():
            start.wait()
            try:
                auth.log_in(username, "wrong-guess", addr)
            except DomainError as exc:
                outcomes.append(exc.code)
            db.session.remove()

    threads = [threading.Thread(target=attempt, args=args) for args in attempts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_parallel_guesses_for_one_name_are_each_counted(app, world, clock):
    """30 wrong passwords at once for one user at one address: only the free 5 are checked."""
    outcomes = _parallel_logins(app, [("picker", NAT)] * 30)
    free = app.config["LOGIN_MAX_FAILURES"]
    assert outcomes.count("invalid_credentials") == free
    assert outcomes.count("login_rate_limited") == 30 - free


def test_parallel_guesses_of_random_names_from_one_address_are_each_counted(app, world, clock):
    outcomes = _parallel_logins(app, [(f"guess-{n}", NAT) for n in range(30)])
    limit = 4 * app.config["LOGIN_MAX_FAILURES"]
    assert outcomes.count("invalid_credentials") == limit
    assert outcomes.count("login_rate_limited") == 30 - limit

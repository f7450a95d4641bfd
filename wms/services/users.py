"""User administration: create users, change roles, passwords and access."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from wms.domain.permissions import Permission, Role, require
from wms.errors import AlreadyExists, InvalidInput, NotFound
from wms.extensions import db
from wms.i18n import LANGUAGES
from wms.models.users import User
from wms.services.uow import run_in_transaction

MIN_PASSWORD_LENGTH = 8


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.",
            password=[f"at least {MIN_PASSWORD_LENGTH} characters"],
        )


def _check_language(language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"Unknown language '{language}'.", language=[f"one of {list(LANGUAGES)} or null"])


def _check_role(role: str) -> None:
    if role not in {r.value for r in Role}:
        raise InvalidInput(f"Unknown role '{role}'.", role=[f"one of {[r.value for r in Role]}"])


def create_user(actor: User | None, *, username: str, password: str, role: str,
                display_name: str | None = None, language: str | None = None) -> User:
    """Create a user; ``actor`` None is the command line (the site operator)."""
    if actor is not None:
        require(actor.role, Permission.USER_MANAGE)
    _check_role(role)
    _check_language(language)
    _check_password(password)
    username = username.strip()
    if not username:
        raise InvalidInput("A user name is needed.", username=["required"])

    def use_case() -> User:
        if db.session.execute(sa.select(User.id).where(User.username == username)).first():
            raise AlreadyExists(field="username", value=username)
        user = User(username=username, display_name=display_name or username, role=role, language=language)
        user.set_password(password)
        db.session.add(user)
        db.session.flush()
        return user

    return run_in_transaction(use_case)


def update_user(actor: User, user_id: int, changes: dict[str, Any]) -> User:
    """Change a user's role, name, language, password or access; a new password logs them out."""
    require(actor.role, Permission.USER_MANAGE)

    def use_case() -> User:
        user = _user(user_id)
        if "role" in changes:
            _check_role(changes["role"])
            user.role = changes["role"]
        _apply_profile(user, changes)
        if "active" in changes:
            if user.id == actor.id and not changes["active"]:
                raise InvalidInput("You cannot lock yourself out.", active=["own account"])
            user.active = changes["active"]
        if "password" in changes:
            _check_password(changes["password"])
            user.set_password(changes["password"])
            user.token_version += 1
        db.session.flush()
        return user

    return run_in_transaction(use_case)


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.", id=user_id)
    return user


def _apply_profile(user: User, changes: dict[str, Any]) -> None:
    """The changes a user may make to their own record: display name and language."""
    if "display_name" in changes:
        user.display_name = changes["display_name"]
    if "language" in changes:
        _check_language(changes["language"])
        user.language = changes["language"]


def update_own_settings(actor: User, changes: dict[str, Any]) -> User:
    """A user changes their own display name or language (no permission needed)."""

    def use_case() -> User:
        user = _user(actor.id)
        _apply_profile(user, changes)
        db.session.flush()
        return user

    return run_in_transaction(use_case)


def list_users(actor: User, page: int, page_size: int):
    """A page of users, by user name."""
    from wms.services.queries import paginate

    require(actor.role, Permission.USER_MANAGE)
    return paginate(sa.select(User).order_by(User.username), page, page_size)


def get_user(actor: User, user_id: int) -> User:
    """One user, for an administrator."""
    require(actor.role, Permission.USER_MANAGE)
    return _user(user_id)

"""Passwords (argon2 via pwdlib), bearer tokens (PyJWT), login throttling, user admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from twin.audit import service as audit
from twin.auth.models import LoginFailure, User
from twin.auth.schemas import UserCreate, UserUpdate
from twin.config import Settings
from twin.db import session_scope
from twin.errors import Conflict, NotFound, TooManyRequests, Unauthorized

JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "plant-twin"


@lru_cache(maxsize=1)
def hasher() -> PasswordHash:
    return PasswordHash.recommended()


# Verified against when the user does not exist, so a wrong username costs the same time
# as a wrong password and does not reveal which accounts exist.
@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hasher().hash("plant-twin-timing-equaliser")


@dataclass(frozen=True, slots=True)
class Principal:
    username: str
    role: str


def issue_token(settings: Settings, user: User) -> tuple[str, int]:
    ttl_s = settings.token_ttl_min * 60
    now = datetime.now(UTC)
    claims = {
        "sub": user.username,
        "role": user.role,
        "aud": JWT_AUDIENCE,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_s),
    }
    token = jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=JWT_ALGORITHM)
    return token, ttl_s


def principal_from_token(session: Session, settings: Settings, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[JWT_ALGORITHM],
            audience=JWT_AUDIENCE,
            options={"require": ["exp", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired; log in again") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token") from exc
    user = session.scalar(select(User).where(User.username == claims["sub"]))
    if user is None or not user.is_active:
        raise Unauthorized("account disabled or removed")
    # The role is read from the database so a demotion takes effect at once.
    return Principal(user.username, user.role)


def _recent_failures(session: Session, settings: Settings, username: str, client: str) -> int:
    since = datetime.now(UTC) - timedelta(seconds=settings.login_window_s)
    return (
        session.scalar(
            select(func.count())
            .select_from(LoginFailure)
            .where(
                LoginFailure.username == username,
                LoginFailure.client == client,
                LoginFailure.ts_utc >= since,
            )
        )
        or 0
    )


def authenticate(
    factory: sessionmaker[Session], settings: Settings, username: str, password: str, client: str
) -> User:
    """Check a password, throttled per (username, client).

    Runs its own transactions: a failed attempt must be recorded even though the request
    that made it fails.
    """
    with session_scope(factory) as session:
        if _recent_failures(session, settings, username, client) >= settings.login_max_failures:
            raise TooManyRequests(
                f"too many failed logins; try again in {settings.login_window_s // 60} minutes",
                detail={"retry_after_s": settings.login_window_s},
            )
        user = session.scalar(select(User).where(User.username == username))
        valid = hasher().verify(password, user.password_hash if user else _dummy_hash())
        if user is None or not valid or not user.is_active:
            session.add(LoginFailure(username=username, client=client, ts_utc=datetime.now(UTC)))
            audit.record(
                session,
                username,
                [
                    audit.Change(
                        "auth.login_failed", "user", username, None, None, {"client": client}
                    )
                ],
            )
        else:
            session.execute(
                delete(LoginFailure).where(
                    LoginFailure.username == username, LoginFailure.client == client
                )
            )
            audit.record(
                session,
                username,
                [audit.Change("auth.login", "user", username, None, None, {"client": client})],
            )
            return user
    raise Unauthorized("wrong username or password")


def _public(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "role": user.role,
        "display_name": user.display_name,
        "locale": user.locale,
        "is_active": user.is_active,
    }


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_user(session: Session, actor: str, data: UserCreate) -> User:
    if session.scalar(select(User.id).where(User.username == data.username)):
        raise Conflict(f"user {data.username!r} exists")
    user = User(
        username=data.username,
        role=data.role,
        display_name=data.display_name,
        locale=data.locale,
        password_hash=hasher().hash(data.password),
        is_active=True,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        [audit.Change("user.create", "user", user.username, None, None, _public(user))],
    )
    return user


def update_user(session: Session, actor: str, username: str, data: UserUpdate) -> User:
    user = get_user(session, username)
    before = _public(user)
    changes = data.model_dump(exclude_unset=True)
    password = changes.pop("password", None)
    for key, value in changes.items():
        setattr(user, key, value)
    if password:
        user.password_hash = hasher().hash(password)
    session.flush()
    after = _public(user) | ({"password": "changed"} if password else {})
    audit.record(
        session, actor, [audit.Change("user.update", "user", username, None, before, after)]
    )
    return user


def ensure_user(session: Session, actor: str, username: str, role: str, password: str) -> bool:
    """Create ``username`` when missing (demo accounts); True when it was created."""
    if session.scalar(select(User.id).where(User.username == username)):
        return False
    # model_construct: the demo password may be shorter than the policy for real accounts.
    create_user(
        session,
        actor,
        UserCreate.model_construct(
            username=username, password=password, role=role, display_name=None, locale="zh-CN"
        ),
    )
    return True

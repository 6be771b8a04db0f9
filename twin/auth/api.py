from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm

from twin.auth import service
from twin.auth.schemas import Token, UserCreate, UserOut, UserUpdate
from twin.deps import SelfRead, SessionDep, SettingsDep, UsersRead, UsersWrite, get_sessionmaker

router = APIRouter(tags=["auth"])


@router.post("/auth/token")
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    settings: SettingsDep,
    factory=Depends(get_sessionmaker),
) -> Token:
    """OAuth2 password flow: exchange username and password for a bearer token."""
    client = request.client.host if request.client else "unknown"
    user = service.authenticate(factory, settings, form.username, form.password, client)
    token, ttl_s = service.issue_token(settings, user)
    return Token(access_token=token, expires_in=ttl_s, role=user.role)  # type: ignore[arg-type]


@router.get("/auth/me")
def me(session: SessionDep, principal: SelfRead) -> UserOut:
    return UserOut.model_validate(service.get_user(session, principal.username))


@router.get("/users")
def list_users(session: SessionDep, _: UsersRead) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in service.list_users(session)]


@router.post("/users", status_code=201)
def create_user(body: UserCreate, session: SessionDep, user: UsersWrite) -> UserOut:
    return UserOut.model_validate(service.create_user(session, user.username, body))


@router.patch("/users/{username}")
def update_user(username: str, body: UserUpdate, session: SessionDep, user: UsersWrite) -> UserOut:
    return UserOut.model_validate(service.update_user(session, user.username, username, body))

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from aegle.api.deps import LocaleDep, PlatformDep, TokenDep, authenticated, client_address
from aegle.api.schemas import LoginIn, RegisterIn, TokenOut, UserPublic
from aegle.core.errors import InvalidCredentials
from aegle.services.accounts import Principal
from aegle.store.tables import User

router = APIRouter(prefix="/auth", tags=["auth"])


def user_public(user: User | Principal) -> UserPublic:
    return UserPublic(
        id=user.id,
        username=user.username,
        role=user.role,
        display_name=user.display_name,
        locale=user.locale,
    )


@router.post("/register", status_code=status.HTTP_201_CREATED)
def register(body: RegisterIn, platform: PlatformDep, locale: LocaleDep) -> UserPublic:
    """Patients register themselves; doctors and admins are created by an admin."""
    with platform.unit_of_work() as services:
        user = services.accounts.register(
            username=body.username,
            password=body.password,
            display_name=body.display_name,
            locale=body.locale,
        )
        return user_public(user)


@router.post("/login")
def login(body: LoginIn, request: Request, platform: PlatformDep) -> TokenOut:
    with platform.unit_of_work() as services:
        user = services.accounts.verify_login(
            username=body.username, password=body.password, client=client_address(request)
        )
        issued = services.accounts.issue_token(user, label="api") if user else None
    if issued is None:  # raised after commit so the failed attempt is counted
        raise InvalidCredentials()
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, platform: PlatformDep, token: TokenDep) -> Response:
    with authenticated(platform, token, request) as (services, _, _):
        services.accounts.revoke_token(token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

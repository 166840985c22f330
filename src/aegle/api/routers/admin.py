from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from aegle.api.deps import PlatformDep, TokenDep, UsernamePath, authenticated
from aegle.api.routers.auth import user_public
from aegle.api.schemas import AdminUserIn, UserPublic
from aegle.core.errors import PermissionDenied
from aegle.core.types import Role

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(
    body: AdminUserIn, request: Request, platform: PlatformDep, token: TokenDep
) -> UserPublic:
    """Admins create doctors, admins and patients."""
    with authenticated(platform, token, request) as (services, actor, _):
        if actor.role is not Role.ADMIN:
            raise PermissionDenied()
        user = services.accounts.register(
            username=body.username,
            password=body.password,
            role=Role(body.role),
            display_name=body.display_name,
            locale=body.locale,
            actor=actor,
        )
        return user_public(user)


@router.delete("/users/{username}", status_code=status.HTTP_204_NO_CONTENT)
def erase_user(
    username: UsernamePath, request: Request, platform: PlatformDep, token: TokenDep
) -> Response:
    """Erase an account on the person's request."""
    with authenticated(platform, token, request) as (services, actor, _):
        if actor.role is not Role.ADMIN:
            raise PermissionDenied()
        user = services.accounts.require_username(username)
        services.privacy.erase(actor, user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

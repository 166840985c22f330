"""The signed-in person: profile, export, erasure, care grants, consents; and a doctor's view
of the patients who granted access."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from aegle.api.deps import IdPath, PlatformDep, TokenDep, authenticated
from aegle.api.routers.auth import user_public
from aegle.api.routers.conversations import summary
from aegle.api.schemas import (
    ConsentIn,
    ConsentPublic,
    ConversationSummary,
    CreatedOut,
    GrantIn,
    GrantPublic,
    UserPublic,
)
from aegle.store.tables import CareGrant, Consent

router = APIRouter(tags=["me"])


def grant_public(grant: CareGrant) -> GrantPublic:
    return GrantPublic(
        id=grant.id,
        doctor_id=grant.doctor_id,
        patient_id=grant.patient_id,
        kind=grant.kind,
        created_at=grant.created_at,
        expires_at=grant.expires_at,
        revoked_at=grant.revoked_at,
    )


def consent_public(consent: Consent) -> ConsentPublic:
    return ConsentPublic(
        id=consent.id,
        source=consent.source,
        purpose=consent.purpose,
        scope=consent.scope,
        granted_at=consent.granted_at,
        revoked_at=consent.revoked_at,
    )


@router.get("/me")
def me(request: Request, platform: PlatformDep, token: TokenDep) -> UserPublic:
    with authenticated(platform, token, request) as (_, _, auth):
        return user_public(auth.user)


@router.get(
    "/me/export",
    response_class=JSONResponse,
    responses={200: {"content": {"application/fhir+json": {}}}},
)
def export_me(request: Request, platform: PlatformDep, token: TokenDep) -> JSONResponse:
    """Everything stored about you, as a FHIR R4 Bundle."""
    with authenticated(platform, token, request) as (services, actor, auth):
        bundle: dict[str, Any] = services.privacy.export(actor, auth.user.id)
    return JSONResponse(bundle, media_type="application/fhir+json")


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT)
def erase_me(request: Request, platform: PlatformDep, token: TokenDep) -> Response:
    """Delete your account and all your health data. The audit log keeps only the fact."""
    with authenticated(platform, token, request) as (services, actor, auth):
        services.privacy.erase(actor, auth.user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/care-grants")
def list_grants(request: Request, platform: PlatformDep, token: TokenDep) -> list[GrantPublic]:
    with authenticated(platform, token, request) as (services, _, auth):
        return [grant_public(g) for g in services.accounts.grants_for(auth.user.id)]


@router.post("/care-grants", status_code=status.HTTP_201_CREATED)
def create_grant(
    body: GrantIn, request: Request, platform: PlatformDep, token: TokenDep
) -> CreatedOut:
    """A patient lets a doctor read their records (care relationship or one consultation)."""
    with authenticated(platform, token, request) as (services, actor, auth):
        grant = services.accounts.grant_care(
            actor,
            patient_id=auth.user.id,
            doctor_username=body.doctor_username,
            kind=body.kind,
            days=body.days,
        )
        return CreatedOut(id=grant.id)


@router.delete("/care-grants/{grant_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_grant(
    grant_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> Response:
    with authenticated(platform, token, request) as (services, actor, _):
        services.accounts.revoke_grant(actor, grant_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/consents")
def list_consents(request: Request, platform: PlatformDep, token: TokenDep) -> list[ConsentPublic]:
    with authenticated(platform, token, request) as (services, actor, auth):
        scope = services.gate.open(actor, auth.user.id, "read", resource_type="consent")
        return [consent_public(c) for c in services.consents.list(scope)]


@router.post("/consents", status_code=status.HTTP_201_CREATED)
def grant_consent(
    body: ConsentIn, request: Request, platform: PlatformDep, token: TokenDep
) -> ConsentPublic:
    with authenticated(platform, token, request) as (services, actor, auth):
        scope = services.gate.open(actor, auth.user.id, "write", resource_type="consent")
        consent = services.consents.grant(
            scope, source=body.source, purpose=body.purpose, detail=body.scope
        )
        return consent_public(consent)


@router.delete("/consents/{consent_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_consent(
    consent_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> Response:
    with authenticated(platform, token, request) as (services, actor, auth):
        scope = services.gate.open(actor, auth.user.id, "write", resource_type="consent")
        services.consents.revoke(scope, consent_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/patients/{person_id}/conversations", tags=["doctor"])
def patient_conversations(
    person_id: IdPath, request: Request, platform: PlatformDep, token: TokenDep
) -> list[ConversationSummary]:
    """A doctor's view of a patient who granted access; 404 without a grant."""
    with authenticated(platform, token, request) as (services, actor, _):
        return [summary(c) for c in services.conversations.list_for(actor, person_id)]

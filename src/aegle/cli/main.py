"""The `aegle` command. Every command builds its platform from the settings tree, so
AEGLE_DATABASE_URL and the other AEGLE_* settings apply everywhere."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from aegle.bootstrap import Platform
from aegle.cli import bench, evidence, importing, interview, labs, safety, vitals
from aegle.cli.errors import fail
from aegle.core.errors import AegleError
from aegle.core.i18n import translate
from aegle.core.types import Role, normalize_locale
from aegle.services.actor import Actor
from aegle.services.audit import verify
from aegle.settings import load_settings
from aegle.store import migrate

app = typer.Typer(
    name="aegle",
    help="Aegle: an open, self-hostable AI health manager.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
user_app = typer.Typer(help="Accounts (operator commands).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(vitals.app, name="vitals")
app.add_typer(labs.app, name="labs")
app.add_typer(bench.app, name="bench")
app.add_typer(safety.app, name="safety")
app.add_typer(importing.app, name="import")
app.add_typer(evidence.evidence_app, name="evidence")
app.add_typer(evidence.corpus_app, name="corpus")
app.command("ask")(evidence.ask)
app.command("interview")(interview.interview)

CONSOLE = "cli"


def _platform(*, migrated: bool = True) -> Platform:
    """The platform for a command; by default the database must already be migrated."""
    platform = Platform(load_settings())
    if migrated and not migrate.is_current(platform.database):
        platform.close()
        typer.echo("error: the database is not set up yet; run `aegle db upgrade` first", err=True)
        raise typer.Exit(1)
    return platform


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    platform = _platform(migrated=False)
    platform.upgrade_database()
    typer.echo(f"database is up to date ({platform.database.dialect})")
    platform.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes.")] = None,
) -> None:
    """Run the web UI and API."""
    import uvicorn

    settings = load_settings()
    platform = Platform(settings)
    platform.upgrade_database()
    platform.close()
    uvicorn.run(
        "aegle.server:create_app",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=workers or settings.server.workers,
        log_level="info",
        access_log=False,
    )


DEMO_USERS = (
    ("demo", "demo-patient-2026", Role.PATIENT, "演示患者 Demo Patient"),
    ("dr.demo", "demo-doctor-2026", Role.DOCTOR, "演示医生 Dr. Demo"),
    ("admin", "demo-admin-2026", Role.ADMIN, "管理员 Admin"),
)


@app.command()
def demo() -> None:
    """Create the demo patient, doctor and admin (idempotent) and print their logins."""
    platform = _platform(migrated=False)
    platform.upgrade_database()
    operator = Actor.system(CONSOLE)
    with platform.unit_of_work() as services:
        for username, password, role, name in DEMO_USERS:
            if services.accounts.find(username) is None:
                services.accounts.register(
                    username=username,
                    password=password,
                    role=role,
                    display_name=name,
                    actor=operator,
                )
        patient = services.accounts.require_username("demo")
        if not services.accounts.grants_for(patient.id):
            services.accounts.grant_care(
                operator, patient_id=patient.id, doctor_username="dr.demo", kind="care"
            )
    platform.close()
    typer.echo("Demo accounts (change or delete them before real use):")
    for username, password, role, _ in DEMO_USERS:
        typer.echo(f"  {role.value:8} username: {username:10} password: {password}")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[Role, typer.Option(help="patient, doctor or admin")] = Role.PATIENT,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create an account with any role (doctors and admins are made this way)."""
    platform = _platform()
    try:
        with platform.unit_of_work() as services:
            user = services.accounts.register(
                username=username,
                password=password,
                role=role,
                display_name=name,
                actor=Actor.system(CONSOLE),
            )
            typer.echo(f"created {user.role} {user.username} ({user.id})")
    except AegleError as error:
        fail(error)
    finally:
        platform.close()


@user_app.command("delete")
def user_delete(
    username: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase an account and all its health data (the audit log keeps the fact)."""
    if not yes:
        typer.confirm(f"Erase {username} and all their data?", abort=True)
    platform = _platform()
    try:
        with platform.unit_of_work() as services:
            user = services.accounts.require_username(username)
            services.privacy.erase(Actor.system(CONSOLE), user.id)
        typer.echo(f"erased {username}")
    except AegleError as error:
        fail(error)
    finally:
        platform.close()


@audit_app.command("verify")
def audit_verify(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Recompute the audit hash chain; exit 1 if any row was edited or removed."""
    platform = _platform()
    with platform.unit_of_work() as services:
        report = verify(services.gate.session)
    platform.close()
    if as_json:
        typer.echo(json.dumps({"ok": report.ok, "rows": report.rows, "problems": report.problems}))
    elif report.ok:
        typer.echo(f"audit log intact: {report.rows} rows verified")
    else:
        typer.echo(f"audit log TAMPERED ({report.rows} rows):", err=True)
        for problem in report.problems:
            typer.echo(f"  - {problem}", err=True)
    if not report.ok:
        raise typer.Exit(1)


@app.command("export")
def export_person(
    person: Annotated[str, typer.Option("--person", help="Username to export.")],
    output: Annotated[
        typer.FileTextWrite | None, typer.Option("--output", "-o", help="File (default stdout).")
    ] = None,
) -> None:
    """Print everything stored about a person as a FHIR R4 Bundle (JSON)."""
    platform = _platform()
    try:
        with platform.unit_of_work() as services:
            user = services.accounts.require_username(person)
            bundle = services.privacy.export(Actor.system(CONSOLE), user.id)
    except AegleError as error:
        fail(error)
    finally:
        platform.close()
    text = json.dumps(bundle, ensure_ascii=False, indent=2)
    (output or sys.stdout).write(text + "\n")


@app.command()
def chat(
    user: Annotated[str, typer.Option("--user", help="Username to chat as.")] = "demo",
    lang: Annotated[str, typer.Option("--lang", help="zh or en")] = "zh-CN",
) -> None:
    """Chat with Aegle in the terminal, through the same services as the web and API.

    The password is asked for once; one conversation per run.
    """
    locale = normalize_locale(lang)
    password = typer.prompt("password", hide_input=True)
    platform = _platform()
    try:
        with platform.unit_of_work() as services:
            found = services.accounts.verify_login(
                username=user, password=password, client="terminal"
            )
        if found is None:
            typer.echo(translate(locale, "Wrong username or password"), err=True)
            raise typer.Exit(1)
        actor = Actor(user_id=found.id, role=Role(found.role), origin=CONSOLE)
        with platform.unit_of_work() as services:
            conversation = services.conversations.create(actor, locale=locale)
        typer.echo(translate(locale, "Type a message; an empty line or Ctrl-D ends the chat."))
        while True:
            try:
                text = input("> ").strip()
            except EOFError:
                break
            if not text:
                break
            prepared = platform.prepare_turn(text, locale)
            with platform.unit_of_work() as services:
                _, _, reply = services.conversations.post(
                    actor, conversation.id, text=text, locale=locale, prepared=prepared
                )
            typer.echo(reply.text)
            for card in reply.cards:
                typer.echo(f"  [{card.title}] {card.body}")
                for item in card.items:
                    typer.echo(f"    - {item}")
            for action in reply.actions:
                typer.echo(f"  → {action.label}: {action.value}")
    except AegleError as error:
        fail(error)
    finally:
        platform.close()


@app.command("settings-doc")
def settings_doc() -> None:
    """Print the settings reference (docs/settings.md) generated from the settings tree."""
    from aegle.settings_doc import render

    typer.echo(render(), nl=False)


def main() -> None:
    app()

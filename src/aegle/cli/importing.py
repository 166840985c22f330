"""`aegle import ...`: bring health data files in (issue 5).

`--dry-run` parses and prints what would be imported, without a database. Otherwise the records
are stored for `--person USERNAME`, which needs that person's consent for the source; the
operator at the console acts on the person's behalf (audited with origin "cli").
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from aegle.cli.errors import fail
from aegle.core.errors import AegleError, InvalidInput
from aegle.core.i18n import N_
from aegle.core.types import Role, normalize_locale
from aegle.importers import csvtools
from aegle.importers.apple_health import MANIFEST as APPLE_HEALTH
from aegle.importers.apple_health import AppleHealthExport
from aegle.importers.bp_csv import MANIFEST as BP
from aegle.importers.bp_csv import parse_bp_csv
from aegle.importers.cgm_csv import MANIFEST as CGM
from aegle.importers.cgm_csv import parse_cgm_csv
from aegle.importers.fhir import MANIFEST as FHIR
from aegle.importers.fhir import parse_bundle
from aegle.importers.model import Manifest, ParsedFile
from aegle.importers.open_mhealth import MANIFEST as OPEN_MHEALTH
from aegle.importers.open_mhealth import parse_open_mhealth
from aegle.services.actor import Actor

if TYPE_CHECKING:  # the platform is imported when storing: dry runs start fast without it
    from aegle.bootstrap import Platform
    from aegle.services.health_data import HealthData, ImportResult

app = typer.Typer(
    help="Import health data files (FHIR, CGM and blood-pressure CSV, Apple Health).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

CONSOLE = "cli"

FileArg = Annotated[
    Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The file to import.")
]
PersonOpt = Annotated[
    str | None, typer.Option("--person", help="Username whose data this is (to store).")
]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Parse and report; store nothing.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", help="IANA time zone of the device's clock (default: this machine's)."),
]
DateOrderOpt = Annotated[
    str,
    typer.Option("--date-order", help="auto, ymd, dmy or mdy (for exports with numeric dates)."),
]


@app.callback()
def _group() -> None:
    """Import health data files."""


def _platform() -> Platform:
    from aegle.bootstrap import Platform
    from aegle.settings import load_settings
    from aegle.store import migrate

    platform = Platform(load_settings())
    if not migrate.is_current(platform.database):
        platform.close()
        typer.echo("error: the database is not set up yet; run `aegle db upgrade` first", err=True)
        raise typer.Exit(1)
    return platform


def dry_run_document(parsed: ParsedFile) -> dict[str, Any]:
    """What a file holds, values and times as written in the source."""
    return {
        "observations": [
            {
                "loinc": o.code,
                "value": o.value,
                "unit": o.unit,
                "effective": o.effective_text,
                "display": o.display,
                "category": o.category,
            }
            for o in parsed.observations
        ],
        "conditions": [
            {
                "system": c.system,
                "code": c.code,
                "display": c.display,
                "clinical_status": c.clinical_status,
                "onset": c.onset_text,
            }
            for c in parsed.conditions
        ],
        "medications": [
            {
                "system": m.system,
                "code": m.code,
                "display": m.display,
                "status": m.status,
                "intent": m.intent,
                "authored": m.authored_text,
                "dosage": m.dosage,
            }
            for m in parsed.medications
        ],
        "quarantined": [{"where": q.where, "reason": q.reason} for q in parsed.quarantined],
    }


def _store(
    person: str,
    manifest: Manifest,
    file: Path,
    run: Callable[[HealthData, Actor, str], ImportResult],
) -> tuple[ImportResult, float]:
    platform = _platform()
    started = time.perf_counter()
    try:
        with platform.unit_of_work() as services:
            user = services.accounts.require_username(person)
            actor = Actor(user_id=user.id, role=Role(user.role), origin=CONSOLE)
            result = run(services.health_data, actor, user.id)
    finally:
        platform.close()
    return result, time.perf_counter() - started


def _report(result: ImportResult, seconds: float, as_json: bool) -> None:
    summary = result.as_dict() | {"seconds": round(seconds, 3)}
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(
        f"imported {result.observations_added} observations "
        f"({result.duplicates} already stored), {result.conditions_added} conditions, "
        f"{result.medications_added} medications in {seconds:.2f} s "
        f"(import {result.import_id}; {len(result.quarantined)} quarantined)"
    )
    if result.alerts:
        typer.echo(
            f"alerts raised: {', '.join(result.alerts)} (see /health or GET /api/v1/me/alerts)"
        )
    locale = normalize_locale(os.environ.get("LANG"), "en")
    for item in result.quarantined[:20]:
        typer.echo(f"  quarantined {item.where}: {item.text(locale)}", err=True)


def _parsed_file(
    file: Path,
    person: str | None,
    dry_run: bool,
    as_json: bool,
    manifest: Manifest,
    parse: Callable[[bytes], ParsedFile],
) -> None:
    try:
        if not dry_run and not person:
            raise InvalidInput(N_("--person USERNAME is needed to store (or use --dry-run)"))
        content = file.read_bytes()
        parsed = parse(content)
        if dry_run:
            document = dry_run_document(parsed)
            if as_json:
                typer.echo(json.dumps(document, ensure_ascii=False))
            else:
                typer.echo(
                    f"{len(parsed.observations)} observations, {len(parsed.conditions)} "
                    f"conditions, {len(parsed.medications)} medications, "
                    f"{len(parsed.quarantined)} quarantined (dry run: nothing stored)"
                )
            return
        assert person is not None
        result, seconds = _store(
            person,
            manifest,
            file,
            lambda health, actor, person_id: health.import_parsed(
                actor, person_id, manifest, parsed, file_name=file.name, content=content
            ),
        )
    except AegleError as error:
        fail(error)
    _report(result, seconds, as_json)


@app.command("fhir")
def fhir(
    file: FileArg,
    person: PersonOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """A FHIR R4 bundle: Observations (vital signs, labs), Conditions, MedicationRequests."""
    _parsed_file(file, person, dry_run, as_json, FHIR, parse_bundle)


def _machine_zone() -> str:
    # Imported here: the vitals CLI pulls in the chart stack, which FHIR imports don't need.
    from aegle.cli.vitals import system_time_zone

    return system_time_zone()


def _date_order(value: str) -> csvtools.DateOrder:
    if value not in ("auto", "ymd", "dmy", "mdy"):
        raise InvalidInput(N_("--date-order must be auto, ymd, dmy or mdy"))
    return value  # type: ignore[return-value]


@app.command("cgm")
def cgm(
    file: FileArg,
    person: PersonOpt = None,
    tz: TzOpt = None,
    unit: Annotated[
        str | None,
        typer.Option("--unit", help="mg/dL or mmol/L when the header doesn't say."),
    ] = None,
    date_order: DateOrderOpt = "auto",
    subject: Annotated[
        str | None, typer.Option("--subject", help="The subject id to take (generic files).")
    ] = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """A CGM export: Dexcom Clarity, LibreView, or a generic id,time,glucose table."""
    zone = tz or _machine_zone()

    def parse(content: bytes) -> ParsedFile:
        if unit not in (None, "mg/dL", "mmol/L"):
            raise InvalidInput(N_("--unit must be mg/dL or mmol/L"))
        _, parsed = parse_cgm_csv(
            content,
            zone,
            unit=unit,  # type: ignore[arg-type]
            date_order=_date_order(date_order),
            subject=subject,
        )
        return parsed

    _parsed_file(file, person, dry_run, as_json, CGM, parse)


@app.command("bp")
def bp(
    file: FileArg,
    person: PersonOpt = None,
    tz: TzOpt = None,
    date_order: DateOrderOpt = "auto",
    device: Annotated[
        str, typer.Option("--device", help="Device name when the file has none.")
    ] = "",
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """A blood-pressure monitor export (OMRON connect style or time,systolic,diastolic)."""
    zone = tz or _machine_zone()

    def parse(content: bytes) -> ParsedFile:
        return parse_bp_csv(content, zone, date_order=_date_order(date_order), device=device)

    _parsed_file(file, person, dry_run, as_json, BP, parse)


@app.command("open-mhealth")
def open_mhealth(
    file: FileArg,
    person: PersonOpt = None,
    dry_run: DryRunOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Open mHealth JSON data points (glucose, blood pressure, heart rate, weight, ...)."""
    _parsed_file(file, person, dry_run, as_json, OPEN_MHEALTH, parse_open_mhealth)


@app.command("apple-health")
def apple_health(
    file: FileArg,
    person: Annotated[str, typer.Option("--person", help="Username whose data this is.")],
    full: Annotated[
        bool,
        typer.Option("--full", help="Read every record, not only those newer than last time."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """An Apple Health export.zip or export.xml, streamed; re-imports add only what is new."""
    export = AppleHealthExport(file)
    try:
        result, seconds = _store(
            person,
            APPLE_HEALTH,
            file,
            lambda health, actor, person_id: health.import_stream(
                actor, person_id, APPLE_HEALTH, export, file_name=file.name, full=full
            ),
        )
    except AegleError as error:
        fail(error)
    if as_json:
        _report(result, seconds, as_json=True)
        return
    rate = export.read / seconds if seconds > 0 else 0.0
    typer.echo(
        f"imported {result.observations_added} records of {export.read} read "
        f"({result.skipped} from earlier imports, {result.duplicates} already stored, "
        f"{export.unmapped} of types not imported, {export.quarantined_count} quarantined) "
        f"in {seconds:.2f} s ({rate:,.0f} records/s)"
    )


def main() -> None:
    app()


if __name__ == "__main__":
    main()

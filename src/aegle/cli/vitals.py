"""`aegle vitals ...`: device data metrics (issue 5)."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from aegle.core.errors import AegleError
from aegle.core.types import normalize_locale
from aegle.vitals.cgm import METRICS, compute_with_roc, day_by_day, read_cgm_table
from aegle.vitals.cgm.io import GlucoseUnit
from aegle.vitals.charts import agp_svg
from aegle.vitals.targets import assess

app = typer.Typer(help="Health data from devices: metrics and charts.", no_args_is_help=True)


def system_time_zone() -> str:
    """The machine's IANA zone (like R's tz = ""): $TZ, else /etc/localtime, else UTC."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env:
        return env
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


@app.command("cgm-metrics")
def cgm_metrics(
    csv_path: Annotated[Path, typer.Argument(help="CSV with columns id,time,gl.")],
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="IANA time zone of the times (default: this machine's)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="iglu: keys are R iglu's result column names.")
    ] = "iglu",
    as_json: Annotated[
        bool, typer.Option("--json/--text", help="JSON (default) or a table.")
    ] = True,
    unit: Annotated[str, typer.Option("--unit", help="Glucose unit in the file.")] = "mg/dL",
) -> None:
    """Compute the full CGM metric set per subject."""
    if fmt != "iglu":
        raise typer.BadParameter("only --format iglu is supported", param_hint="--format")
    if unit not in ("mg/dL", "mmol/L"):
        raise typer.BadParameter("use mg/dL or mmol/L", param_hint="--unit")
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        typer.echo(f"Cannot read {csv_path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    try:
        subjects = read_cgm_table(
            text, tz or system_time_zone(), "mmol/L" if unit == "mmol/L" else "mg/dL"
        )
        out: dict[str, dict[str, Any]] = {}
        for subject, series in subjects.items():
            metrics, roc = compute_with_roc(series)
            values: dict[str, Any] = {k: _clean(v) for k, v in metrics.items()}
            values["roc"] = [_clean(float(x)) for x in roc]
            out[subject] = values
    except AegleError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    units = {m.key: m.unit for m in METRICS}
    for subject, values in out.items():
        typer.echo(subject)
        for key in units:
            value = values[key]
            shown = "NA" if value is None else f"{value:.4g}"
            typer.echo(f"  {key:<16} {shown:>10} {units[key]}")


@app.command("cgm-targets")
def cgm_targets(
    csv_path: Annotated[Path, typer.Argument(help="CSV with columns id,time,gl.")],
    group: Annotated[
        str,
        typer.Option(help="Target group: t1d_t2d_adult, older_high_risk or pregnancy_t1d."),
    ] = "t1d_t2d_adult",
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="IANA time zone of the times (default: this machine's)."),
    ] = None,
    locale: Annotated[str, typer.Option(help="zh-CN or en.")] = "zh-CN",
    as_json: Annotated[bool, typer.Option("--json/--text", help="JSON or text (default).")] = False,
    unit: Annotated[str, typer.Option("--unit", help="Glucose unit in the file.")] = "mg/dL",
) -> None:
    """Judge each subject's CGM data against the international consensus targets."""
    lang = normalize_locale(locale)
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        typer.echo(f"Cannot read {csv_path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    try:
        subjects = read_cgm_table(
            text, tz or system_time_zone(), "mmol/L" if unit == "mmol/L" else "mg/dL"
        )
        results = {sid: assess(series, group) for sid, series in subjects.items()}
    except AegleError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        payload = {
            sid: {
                "group": r.group.id,
                "sufficient": r.sufficient,
                "sufficiency": r.sufficiency_text.get(lang),
                "checks": [
                    {
                        "metric": c.metric,
                        "value": _clean(c.value),
                        "op": c.op,
                        "target": c.target,
                        "met": c.met,
                        "text": c.text.get(lang),
                    }
                    for c in r.checks
                ],
                "source": r.group.source.model_dump(),
            }
            for sid, r in results.items()
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    for sid, r in results.items():
        typer.echo(f"{sid} — {r.group.name.get(lang)}")
        typer.echo(f"  {r.sufficiency_text.get(lang)}")
        for c in r.checks:
            mark = {True: "✓", False: "✗", None: "?"}[c.met]
            typer.echo(f"  {mark} {c.text.get(lang)}")
        src = r.group.source
        typer.echo(f"  {src.publisher}: {src.title} ({src.edition})")


@app.command("agp")
def agp(
    csv_path: Annotated[Path, typer.Argument(help="CSV with columns id,time,gl.")],
    out: Annotated[Path, typer.Option("--out", help="SVG file to write (one subject).")],
    subject: Annotated[
        str | None, typer.Option(help="Subject id (default: the first in the file).")
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option("--tz", help="IANA time zone of the times (default: this machine's)."),
    ] = None,
    locale: Annotated[str, typer.Option(help="zh-CN or en.")] = "zh-CN",
    unit: Annotated[str, typer.Option("--unit", help="Glucose unit in the file and chart.")] = (
        "mg/dL"
    ),
) -> None:
    """Draw the Ambulatory Glucose Profile (AGP) of one subject as SVG."""
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        typer.echo(f"Cannot read {csv_path}: {exc.strerror}", err=True)
        raise typer.Exit(2) from exc
    glucose_unit: GlucoseUnit = "mmol/L" if unit == "mmol/L" else "mg/dL"
    try:
        subjects = read_cgm_table(text, tz or system_time_zone(), glucose_unit)
        key = subject if subject is not None else next(iter(subjects))
        if key not in subjects:
            typer.echo(f"Error: no subject {key!r} in the file", err=True)
            raise typer.Exit(2)
        series = subjects[key]
        svg = agp_svg(day_by_day(series), series.glucose, normalize_locale(locale), glucose_unit)
    except AegleError as exc:
        typer.echo(f"Error: {exc}", err=True)
        raise typer.Exit(2) from exc
    out.write_text(svg, encoding="utf-8")
    typer.echo(str(out))


@app.command("chart")
def chart(
    name: Annotated[str, typer.Argument(help="agp, bp, sleep, weight, heart_rate or spo2.")],
    person: Annotated[str, typer.Option("--person", help="Whose stored data (username).")],
    out: Annotated[Path, typer.Option("--out", help="File to write (.svg or .png).")],
    days: Annotated[int, typer.Option(min=1, max=365, help="Days back from now.")] = 14,
    locale: Annotated[str, typer.Option(help="zh-CN or en.")] = "zh-CN",
    unit: Annotated[
        str | None, typer.Option("--unit", help="Glucose unit of the AGP (mg/dL or mmol/L).")
    ] = None,
) -> None:
    """Draw a chart of a person's stored health data (format from the file name)."""
    from aegle.cli.errors import fail
    from aegle.cli.importing import CONSOLE, _platform
    from aegle.core.types import Role
    from aegle.services.actor import Actor
    from aegle.services.health_charts import render

    fmt = out.suffix.lstrip(".").lower()
    platform = _platform()
    try:
        with platform.unit_of_work() as services:
            user = services.accounts.require_username(person)
            actor = Actor(user_id=user.id, role=Role(user.role), origin=CONSOLE)
            snapshot = services.health_data.snapshot(actor, user.id, days=days)
            scheme = services.health_data.bp_scheme
        drawn = render(name, snapshot, normalize_locale(locale), fmt, unit=unit, bp_scheme=scheme)
    except AegleError as error:
        fail(error)
    finally:
        platform.close()
    out.write_bytes(drawn.content)
    typer.echo(str(out))

"""`aegle interview --jsonl`: the interview protocol on stdin/stdout (issue 3).

One process serves many interviews; every input line gets exactly one output line; nothing but
protocol lines goes to stdout (UTF-8 whatever the locale). The protocol itself lives in
`aegle.clinic.protocol`.
"""

from __future__ import annotations

import json
import sys

import typer


def interview(
    jsonl: bool = typer.Option(False, "--jsonl", help="Speak the JSON-lines protocol."),
) -> None:
    """Run consultation interviews over the JSON-lines protocol (see PROTOCOL.md)."""
    if not jsonl:
        typer.echo("Use --jsonl: one JSON message per line on stdin (see PROTOCOL.md).", err=True)
        raise typer.Exit(2)
    from aegle.clinic.protocol import Session

    session = Session()
    out = sys.stdout.buffer
    # Bytes in, bytes out: undecodable input becomes an error line instead of a crash, and the
    # output is UTF-8 even under a C/POSIX locale.
    for raw in sys.stdin.buffer:
        line = raw.decode("utf-8", errors="replace").strip()
        if not line:
            continue
        try:
            messages = session.handle(line)
        except Exception as err:  # never die on one bad line; the session stays usable
            print(f"interview: internal error: {err!r}", file=sys.stderr)
            session.interview = None
            messages = [{"type": "error", "message": "internal error; the interview was reset"}]
        for message in messages:
            out.write((json.dumps(message, ensure_ascii=False) + "\n").encode("utf-8"))
        out.flush()

"""The `kb` command: parse arguments, call one service function, render the result.

JSON goes to stdout; progress, warnings and errors go to stderr. Every error becomes one
line and an exit status in `main` (2 usage, 3 some files rejected, 1 anything else).
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

import click

from kb.errors import KBError, UsageError

KB_DIR_HELP = "KB folder (default: $KB_DIR, else data/kb)."


def kb_dir_option(f):
    return click.option("--kb-dir", envvar="KB_DIR", default=None, help=KB_DIR_HELP)(f)


def emit(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Small-business strategy guidance: ingest documents, then ask for what fits."""
    ctx.obj = {"debug": debug}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@kb_dir_option
@click.option("--rebuild", is_flag=True, help="Start from nothing: re-parse and re-embed all.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def ingest(paths: tuple[Path, ...], kb_dir: str | None, rebuild: bool, as_json: bool) -> None:
    """Ingest documents (default data/docs) into the KB.  Example: kb ingest data/docs --json"""
    from ingest.pipeline import ingest as run_ingest

    report = run_ingest(list(paths) or [Path("data/docs")], kb_dir, rebuild=rebuild)
    if as_json:
        emit(asdict(report))
    else:
        click.echo(
            f"{report.version}: {report.documents} documents, {report.chunks} chunks, "
            f"{report.concepts} concepts; embedded {report.embedded} in {report.seconds:.1f}s"
        )
        for label in ("added", "changed", "removed", "unchanged"):
            for path in getattr(report, label):
                click.echo(f"  {label:9} {path}")
    for rejected in report.rejected:
        click.echo(f"rejected: {rejected.path}: {rejected.reason}", err=True)
    if report.rejected:
        sys.exit(3)


@cli.command()
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(kb_dir: str | None, as_json: bool) -> None:
    """Documents, chunks, glossary terms, model, version and build time.  Example: kb stats"""
    from kb.store import open_kb

    kb = open_kb(kb_dir)
    m = kb.manifest
    info = {
        "version": kb.version,
        "built_at": m.get("built_at"),
        "model": m.get("model"),
        "dimensions": m.get("dimensions"),
        "documents": len(kb.documents),
        "chunks": len(kb.chunks),
        "concepts": len(kb.concepts),
        "glossary": len(kb.glossary),
        "index": m.get("index"),
        "kb_dir": str(kb.root),
    }
    if as_json:
        emit(info)
        return
    for key, value in info.items():
        click.echo(f"{key:>11}: {value}")


def main() -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit status."""
    debug = "--debug" in sys.argv
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KBError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # the one place unexpected failures become a clear line
        if debug:
            traceback.print_exc()
        click.echo(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)


__all__ = ["cli", "main", "UsageError"]

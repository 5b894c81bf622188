"""The `kb` command: parse arguments, call one service function, render the result.

JSON goes to stdout; progress, warnings and errors go to stderr. Every error becomes one
line and an exit status in `main` (2 usage, 3 some files rejected or batch lines not answered,
1 anything else).
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import asdict
from pathlib import Path

import click

from kb.errors import KBError, UsageError
from kb.model import LEVELS
from kb.text import strip_control

KB_DIR_HELP = "KB folder (default: $KB_DIR, else data/kb)."


def kb_dir_option(f):
    return click.option("--kb-dir", envvar="KB_DIR", default=None, help=KB_DIR_HELP)(f)


def training_option(f):
    return click.option(
        "--training",
        envvar="KB_TRAINING",
        default="data/training",
        show_default=True,
        type=click.Path(path_type=Path),
        help="Training corpus folder ($KB_TRAINING); a missing one trains nothing.",
    )(f)


def verbose_option(f):
    return click.option(
        "--verbose", is_flag=True, help="Each step on stderr (the default on a terminal)."
    )(f)


def say(text: str = "", err: bool = False) -> None:
    """Print one line. Everything the command prints passes here: document text, titles and
    file names may carry terminal escapes, which must never reach the terminal."""
    click.echo(strip_control(str(text)), err=err)


def emit(obj) -> None:
    say(json.dumps(obj, ensure_ascii=False))


LEVEL = click.Choice(LEVELS, case_sensitive=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Small-business strategy guidance: ingest documents, then ask for what fits.

    Add --debug anywhere to see tracebacks on errors.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@kb_dir_option
@training_option
@click.option("--rebuild", is_flag=True, help="Start from nothing: re-parse and re-embed all.")
@click.option("--prune", is_flag=True, help="Also remove the documents that are not under PATHS.")
@click.option("--yes", "confirm", is_flag=True, help="Allow removing more than half the documents.")
@verbose_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
def ingest(paths, kb_dir, training, rebuild, prune, confirm, verbose, as_json) -> None:
    """Ingest documents (files or folders) into the KB.

    Without PATHS, reads again the folders the KB was built from (data/docs at first), so
    a file deleted from them leaves the KB. A file or another folder is added or updated
    and removes nothing, unless --prune.

    Trains the query encoder from the training corpus and the page's feedback when either
    changed (a few minutes; otherwise the one built before is reused).

    Example: kb ingest data/docs --json
    """
    from ingest.pipeline import recorded_folders

    chosen = list(paths) or recorded_folders(kb_dir)
    run_and_report(chosen, kb_dir, training, rebuild, verbose, as_json, prune, confirm)


@cli.command()
@kb_dir_option
@training_option
@verbose_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@click.option(
    "--ship",
    is_flag=True,
    help="Also keep the encoder's trained layers in the corpus folder's encoders/ (to commit).",
)
def train(kb_dir, training, verbose, as_json, ship) -> None:
    """Learn from the training corpus and the page's feedback, over the KB's documents.

    Publishes a new version when the corpus or the votes changed since the current one.
    With --ship, a fresh clone with the same corpus and documents takes the encoder from
    the corpus folder instead of training it.

    Example: kb train --json
    """
    from kb.store import open_kb

    open_kb(kb_dir)  # a KB to learn over must exist
    run_and_report([], kb_dir, training, False, verbose, as_json)  # every document stays
    if ship:
        from learn.finetune import SHIPPED
        from learn.finetune import ship as keep

        kb = open_kb(kb_dir)
        name = kb.manifest.get("query_model")
        if not name:
            raise UsageError(f"{training} taught no encoder to ship: is the corpus empty?")
        say(f"shipped {keep(kb.root, name, Path(training) / SHIPPED)}", err=True)


def run_and_report(
    paths: list[Path],
    kb_dir: str | None,
    training: Path,
    rebuild: bool,
    verbose: bool,
    as_json: bool,
    prune: bool = False,
    confirm: bool = False,
) -> None:
    """One ingest, its report on stdout and its rejections on stderr (exit 3 if any)."""
    from ui.build import ingest as run_ingest

    shown = verbose or click.get_text_stream("stderr").isatty()
    progress = say_progress if shown else None
    report = run_ingest(
        paths, kb_dir, rebuild, None, progress, training, prune=prune, confirm=confirm
    )
    if as_json:
        emit(asdict(report))
    else:
        say(
            f"{report.version}: {report.documents} documents, {report.chunks} chunks, "
            f"{report.concepts} concepts; embedded {report.embedded} in {report.seconds:.1f}s"
        )
        for label in ("added", "changed", "removed", "unchanged"):
            for path in getattr(report, label):
                say(f"  {label:9} {path}")
    for rejected in report.rejected:
        say(f"rejected: {rejected.path}: {rejected.reason}", err=True)
    if report.rejected:
        sys.exit(3)


def say_progress(line: str) -> None:
    """Each ingest step on stderr, so a maintainer sees where a long ingest stands."""
    say(f"ingest: {line}", err=True)


@cli.command()
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats(kb_dir: str | None, as_json: bool) -> None:
    """Documents, chunks, glossary terms, model, index, version and build time.

    Example: kb stats --json
    """
    from kb.stats import stats as kb_stats
    from kb.store import open_kb

    info = kb_stats(open_kb(kb_dir))
    if as_json:
        emit(info)
        return
    for key, value in info.items():
        say(f"{key:>11}: {value}")


@cli.command()
@click.argument("text", required=False)
@click.option(
    "-k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many to return."
)
@click.option("--level", type=LEVEL, help="Only this level.")
@click.option("--doc", help="Only concepts from this document id.")
@click.option(
    "--batch",
    type=click.File("rb"),
    help="JSON lines {id, query} (a file, or - for stdin): one answer line each, in order.",
)
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one line per query).")
def recommend(text, k, level, doc, batch, kb_dir, as_json) -> None:
    """Principles and frameworks that fit a situation.

    Example: kb recommend "we automated ordering and now overstock slow sellers"
    """
    from recommender import Recommender

    if batch is None and (text is None or not text.strip()):
        raise UsageError("the query is empty: describe your situation in a few words")
    recommender = Recommender.load(kb_dir)
    if batch is not None:
        failed = 0
        for lines in chunked(enumerate(batch, start=1), BATCH_CHUNK):
            failed += answer_batch(recommender, lines, k=k, level=level, doc=doc)
        if failed:
            say(f"error: {failed} line(s) of the batch could not be answered", err=True)
            sys.exit(3)
        return
    answer = recommender.recommend(text, k=k, level=level, doc=doc)
    if as_json:
        emit(asdict(answer))
    else:
        render_answer(answer)


BATCH_CHUNK = 64  # lines read, answered in one embedding batch and printed, at a time


def chunked(rows, size: int):
    """Lists of up to `size` rows, read lazily: a long batch streams."""
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def answer_batch(recommender, lines: list[tuple[int, bytes]], **filters) -> int:
    """Answer and print one chunk of batch lines in order; returns how many failed.

    A line that cannot be answered prints {"id", "line", "error"} in its place."""
    parsed = [(n, *batch_line(raw)) for n, raw in lines if raw.strip()]
    good = [(qid, query) for _, qid, query, error in parsed if error is None]
    answers = iter(recommender.recommend_many(good, **filters) if good else [])
    for n, qid, _, error in parsed:
        emit(asdict(next(answers)) if error is None else {"id": qid, "line": n, "error": error})
    sys.stdout.flush()
    return sum(1 for *_, error in parsed if error is not None)


def batch_line(raw: bytes) -> tuple[object, str | None, str | None]:
    """(id, query, None) for a usable line, else (id if known, None, what is wrong)."""
    from recommender.service import prepare

    try:
        row = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, None, "the line is not valid UTF-8"
    except ValueError as exc:
        return None, None, f"not JSON ({exc})"
    if not isinstance(row, dict):
        return None, None, "expected a JSON object with a query"
    qid, query = row.get("id"), row.get("query")
    if not isinstance(query, str):
        return qid, None, "the query must be text"
    try:
        prepare(query)
    except UsageError as exc:
        return qid, None, str(exc)
    return qid, query, None


def render_answer(answer) -> None:
    if answer.notice:
        say(f"note: {answer.notice}", err=True)
    if answer.abstained:
        say(f"Nothing in the documents fits this: {answer.reason}.")
        return
    for rec in answer.recommendations:
        say(f"{rec.rank}. {rec.title}  [{rec.kind}, {rec.level or 'any level'}]")
        say(f"   {rec.guidance}")
        if rec.passages:
            p = rec.passages[0]
            say(f"   source: {p.doc} / {p.section}")


@cli.command()
@click.option("--kind", help="framework, principle, practice, risk, case or term.")
@click.option("--level", type=LEVEL, help="Only this level.")
@click.option("--doc", help="Only concepts from this document id.")
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def concepts(kind, level, doc, kb_dir, as_json) -> None:
    """The catalog of principles, frameworks, practices, risks, cases and terms.

    Example: kb concepts --kind framework
    """
    from kb.catalog import concept_row, filter_concepts
    from kb.store import open_kb

    found = filter_concepts(open_kb(kb_dir), kind=kind, level=level, doc=doc)
    if as_json:
        emit([concept_row(c) for c in found])
        return
    for c in found:
        say(f"{c.kind:9}  {c.level or '':12}  {c.title}")


@cli.command()
@click.argument("name")
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(name, kb_dir, as_json) -> None:
    """One concept: definition, sources, references, parent, children, related.

    Example: kb show "balanced scorecard"
    """
    from kb.catalog import concept_row, detail, find_concept, short
    from kb.store import open_kb

    kb = open_kb(kb_dir)
    d = detail(kb, find_concept(kb, name))
    c = d.concept
    if as_json:
        emit(
            {
                **concept_row(c),
                "passages": [asdict(p) for p in d.passages],
                "parent": concept_row(d.parent) if d.parent else None,
                "children": [{"id": x.id, "title": x.title, "kind": x.kind} for x in d.children],
                "related": [{"id": x.id, "title": x.title, "kind": x.kind} for x in d.related],
            }
        )
        return
    say(f"{c.title}  [{c.kind}; {', '.join(c.levels) or 'no level'}]")
    say(f"\n{c.definition}\n")
    for key, value in c.fields.items():
        say(f"  {key}: {value}")
    say("Sources:")
    for s in c.sources:
        say(f"  - {d.documents.get(s.doc, s.doc)} / {s.section} ({s.level or '-'})")
    for p in d.passages[:3]:
        say(f'    "{short(p.text)}"')
    if c.references:
        say("References:")
        for r in c.references:
            say(f"  - {r}")
    if d.parent:
        say(f"Part of: {d.parent.title}")
    if d.children:
        say("Parts: " + "; ".join(x.title for x in d.children))
    if d.related:
        say("Related: " + "; ".join(x.title for x in d.related))


@cli.command(name="eval")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("-k", default=10, show_default=True, help="Cut-off for nDCG.")
@click.option("--heldout", is_flag=True, help="Also the training corpus's held-out parts.")
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--verbose", is_flag=True, help="Also print each query's figures.")
def evaluate(files, k, heldout, kb_dir, as_json, verbose) -> None:
    """Score the product, the untouched model and two baselines on labelled queries.

    --heldout trains, the first time for a KB version, the encoder that measures the
    held-out concepts (a few minutes).

    Example: kb eval ../shared/eval/situations.jsonl ../shared/eval/dev.jsonl --heldout
    """
    from recommender.evaluate import compare

    if heldout:  # the encoder that never saw the held-out concepts: trained on first use
        from kb.store import open_kb
        from learn.version import measuring_model

        measuring_model(open_kb(kb_dir), say_progress)
    report = compare(list(files), k=k, kb_dir=kb_dir, heldout=heldout)
    if as_json:
        emit(report)
        return
    for n, scored in enumerate(report["sets"]):
        say(("\n" if n else "") + f"{scored['file']} ({k=})")
        if not scored["systems"]["product"]["queries"]:  # e.g. a KB built without a corpus
            say("  no queries in this set")
            continue
        render_eval(scored["systems"], verbose)


def render_eval(systems: dict, verbose: bool) -> None:
    keys = [k for k in next(iter(systems.values())) if k not in ("per_query", "queries", "missing")]
    say(f"{'':28}" + "".join(f"{k:>15}" for k in keys))
    for name, figures in systems.items():
        cells = "".join(
            f"{'-' if figures[k] is None else format(figures[k], '.4f'):>15}" for k in keys
        )
        say(f"{name:28}{cells}")
    if verbose:
        for qid, row in systems["product"]["per_query"].items():
            say(f"  {qid}: " + ", ".join(f"{k}={v:.2f}" for k, v in row.items()))


def main() -> None:
    """Entry point: run the CLI and turn every failure into one line and an exit status."""
    debug = "--debug" in sys.argv
    try:
        cli.main(args=[a for a in sys.argv[1:] if a != "--debug"], standalone_mode=False)
    except click.exceptions.Abort:
        say("aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        say(f"error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KBError as exc:
        if debug:
            traceback.print_exc()
        say(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # the one place unexpected failures become a clear line
        if debug:
            traceback.print_exc()
        say(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)


__all__ = ["cli", "main", "UsageError"]

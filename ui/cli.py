"""The `kb` command: parse arguments, call one service function, render the result.

JSON goes to stdout; progress, warnings and errors go to stderr. Every error becomes one
line and an exit status in `main` (2 usage, 3 some files rejected or batch lines not answered,
1 anything else).
"""

from __future__ import annotations

import json
import math
import os
import sys
import textwrap
import traceback
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from kb.errors import KBError, UsageError
from kb.model import KINDS, LEVELS
from kb.text import is_table_row, sentences, strip_control, truncate

if TYPE_CHECKING:  # the recommender is imported only by the commands that answer
    from recommender.service import Answer

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
    """One JSON value on stdout, strict JSON: a float that is NaN or infinite (which Python
    would print as the bare words NaN or Infinity, that no JSON reader takes) is null."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(finite(obj), ensure_ascii=False, allow_nan=False)
    say(text)


def finite(obj):
    """`obj` with every NaN or infinite float replaced by None, in lists and dicts too."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite(v) for v in obj]
    return obj


LEVEL = click.Choice(LEVELS, case_sensitive=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Small-business strategy guidance: ingest documents, then ask for what fits.

    Add --debug anywhere to see tracebacks on errors.
    """
    if ctx.invoked_subcommand is None:  # bare `kb`: its help, which is not an error
        say(ctx.get_help())
        ctx.exit(0)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@kb_dir_option
@training_option
@click.option("--rebuild", is_flag=True, help="Start from nothing: re-parse and re-embed all.")
@click.option("--prune", is_flag=True, help="Also remove the documents that are not under PATHS.")
@click.option(
    "--yes",
    "confirm",
    is_flag=True,
    help="Allow removing more than half the documents, or replacing most of the KB's text.",
)
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

    shown = verbose or sys.stderr.isatty()
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
        for label in ("added", "changed", "reparsed", "removed", "unchanged"):
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
    for line in stats_lines(info):
        say(line)


STATS_LABELS = {
    "documents": "Documents",
    "chunks": "Chunks",
    "concepts": "Concepts",
    "glossary": "Glossary terms",
}


def stats_lines(info: dict) -> list[str]:
    """`kb stats` for a person: what the KB is, then its figures, one per line."""
    info = dict(info)
    built = str(info.pop("built_at", None) or "-").replace("T", " ").replace("Z", " UTC")
    lines = [f"KB {info.pop('kb_dir', '-')}, version {info.pop('version', '-')}, built {built}"]
    width = max(len(label) for label in STATS_LABELS.values())
    for key, label in STATS_LABELS.items():
        if key in info:
            lines.append(f"  {label + ':':{width + 1}} {info.pop(key)}")
    model, dimensions = info.pop("model", None), info.pop("dimensions", None)
    lines.append(f"Model: {model or '-'}" + (f" ({dimensions} dimensions)" if dimensions else ""))
    index = info.pop("index", None)
    if isinstance(index, dict):
        parts = [str(index.get(k)) for k in ("type", "metric") if index.get(k)]
        if index.get("vectors") is not None:
            parts.append(f"{index['vectors']} vectors")
        lines.append("Index: " + ", ".join(parts))
    elif index is not None:
        lines.append(f"Index: {index}")
    for key, value in info.items():  # a figure added since: shown, not lost
        shown = (
            ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else value
        )
        lines.append(f"{key.replace('_', ' ').capitalize()}: {shown}")
    return lines


@cli.command()
@click.argument("text", required=False)
@click.option(
    "-k", default=5, show_default=True, type=click.IntRange(1, 50), help="How many to return."
)
@click.option("--level", type=LEVEL, help="Only this level.")
@click.option("--doc", help="Only concepts from this document (its title or id).")
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
    doc = doc_choice(recommender.kb, doc)
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
        render_answer(answer, {d.doc: d.title for d in recommender.kb.documents})


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
        row = json.loads(raw.decode("utf-8"), parse_constant=not_json)
    except UnicodeDecodeError:
        return None, None, "the line is not valid UTF-8"
    except ValueError as exc:
        return None, None, f"not JSON ({exc})"
    if not isinstance(row, dict):
        return None, None, "expected a JSON object with a query"
    qid, query = row.get("id"), row.get("query")
    try:  # an id is echoed on every output line: it must be strict JSON (1e999 reads as inf)
        json.dumps(qid, allow_nan=False)
    except ValueError:
        return None, None, "the id must be a JSON string, number or null, not infinite"
    if not isinstance(query, str):
        return qid, None, "the query must be text"
    try:
        prepare(query)
    except UsageError as exc:
        return qid, None, str(exc)
    return qid, query, None


def not_json(constant: str):
    """`json.loads`'s hook for NaN, Infinity and -Infinity, which JSON does not have."""
    raise ValueError(f"{constant} is not a JSON value")


PASSAGE_CHARS = 300  # the best passage under a card, cut at a sentence's end
INDENT = "   "


def render_answer(answer: Answer, doc_titles: dict[str, str] | None = None) -> None:
    """An answer for a person: the short answer first when there is one, then each card with
    its document, guidance, best passage and why; or one sentence saying nothing fits."""
    from recommender.guidance import says_more

    titles = doc_titles or {}
    if answer.notice:
        say(f"note: {answer.notice}", err=True)
    if answer.abstained:
        say(no_match_sentence(answer.reason))
        return
    if answer.summary:
        say(f"Start here ({answer.summary.strength}):")
        for sentence in answer.summary.sentences:
            say(wrapped(f"{sentence.text} [{sentence.rank}]", "  "))
        say()
    for n, rec in enumerate(answer.recommendations):
        if n:
            say()
        say(f"{rec.rank}. {rec.title}  [{rec.kind}, {rec.level or 'any level'}]")
        where = titles.get(rec.doc, rec.doc)
        say(wrapped(f"From: {where}" + (f" › {rec.section}" if rec.section else ""), INDENT))
        if rec.guidance:
            say(wrapped(rec.guidance, INDENT))
        if rec.example:
            say(wrapped(f"Example from the documents: {rec.example}", INDENT))
        for label, value in rec.fields.items():
            say(wrapped(f"{label}: {value}", INDENT))
        # the best passage that says more than the guidance or fields above it
        more = [p for p in rec.passages if says_more(p.text, rec.guidance, rec.fields)]
        if more:
            say(wrapped(f"“{whole_sentences(more[0].text)}”", INDENT))
        if rec.why:
            say(wrapped(f"Why: {rec.why}", INDENT))


def no_match_sentence(reason: str | None) -> str:
    """The recommender's reason for abstaining as one sentence ("nothing in the documents is
    close enough to this (...)" already says nothing fits: it is not said twice)."""
    reason = " ".join((reason or "").split()).rstrip(". ")
    if not reason:
        return "Nothing in the documents fits this."
    if not reason.lower().startswith("nothing"):
        reason = f"nothing in the documents fits this: {reason}"
    return reason[0].upper() + reason[1:] + "."


def whole_sentences(text: str, limit: int = PASSAGE_CHARS) -> str:
    """The first sentences of a passage that fit in about `limit` characters (the first one
    alone, cut at a word, when it is longer), marked with an ellipsis when text is left out."""
    text = " ".join(text.split())
    kept = ""
    for sentence in sentences(text):
        longer = f"{kept} {sentence}".strip()
        if len(longer) > limit:
            break
        kept = longer
    if not kept:
        return truncate(text, limit)
    return kept if len(kept) == len(text) else f"{kept} …"


def wrapped(text: str, indent: str) -> str:
    """Text wrapped at 88 columns under an indent, so a card reads as a block in a terminal."""
    return textwrap.fill(
        text, width=88, initial_indent=indent, subsequent_indent=indent, break_on_hyphens=False
    )


def kind_choice(kind: str | None) -> str | None:
    """A --kind as the catalog spells it: any case, singular or plural ("Frameworks")."""
    if kind is None:
        return None
    wanted = kind.strip().lower()
    for known in KINDS:
        if wanted in (known, f"{known}s", f"{known}es"):
            return known
    raise click.BadParameter(
        f"{kind!r} is not a kind; choose from {', '.join(KINDS)}.", param_hint="'--kind'"
    )


def doc_choice(kb, doc: str | None) -> str | None:
    """A --doc as a document id: its id or its title, in any case; else a usage error that
    lists the documents."""
    if doc is None:
        return None
    wanted = " ".join(doc.split()).casefold()
    for d in kb.documents:
        if wanted in (d.doc.casefold(), " ".join(d.title.split()).casefold()):
            return d.doc
    listed = "; ".join(f"{d.doc} ({d.title})" for d in kb.documents) or "none yet"
    raise click.BadParameter(
        f"no document {doc!r} in the KB; its documents are: {listed}.", param_hint="'--doc'"
    )


@cli.command()
@click.option(
    "--kind", help=f"Only this kind: {', '.join(KINDS)} (a plural such as frameworks too)."
)
@click.option("--level", type=LEVEL, help="Only this level.")
@click.option("--doc", help="Only concepts from this document (its title or id).")
@kb_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def concepts(kind, level, doc, kb_dir, as_json) -> None:
    """The catalog of principles, frameworks, practices, risks, cases and terms.

    Example: kb concepts --kind framework
    """
    from kb.catalog import concept_row, filter_concepts
    from kb.store import open_kb

    kind = kind_choice(kind)
    kb = open_kb(kb_dir)
    found = filter_concepts(kb, kind=kind, level=level, doc=doc_choice(kb, doc))
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

    NAME is its title, abbreviation or id, in any case; another name is not guessed at:
    the closest concepts are offered instead.

    Example: kb show "balanced scorecard"
    """
    from kb.catalog import concept_row, detail, exact_match, short
    from kb.store import open_kb

    kb = open_kb(kb_dir)
    if not name.strip():
        raise UsageError('give a concept name, e.g. kb show "balanced scorecard"')
    concept = exact_match(kb, name)
    if concept is None:
        raise KBError(not_found(kb, name))
    d = detail(kb, concept)
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
    if c.fields and is_table_row(c.definition):
        say()  # a table row's definition is its fields: the table below
    else:
        say(f"\n{c.definition}\n")
    if c.fields:
        say("In the documents' comparison:")
        for line in field_table(c.fields):
            say(line)
    say("Sources:")
    for s in c.sources:
        say(f"  - {d.documents.get(s.doc, s.doc)} / {s.section} ({s.level or '-'})")
    for p in d.passages[:3]:
        if not (c.fields and is_table_row(p.text)):
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


def not_found(kb, name: str) -> str:
    """`kb show`'s one line for a name no concept has: the closest few, by name or meaning."""
    from kb.catalog import closest
    from kb.embed import Embedder, read_questions
    from recommender.service import query_model

    embedder = Embedder(query_model(kb), root=kb.root)  # how the recommender reads questions
    near = closest(kb, name, lambda text: read_questions(embedder, [text])[0])
    offer = "; ".join(f'"{m.concept.title}"' for m in near)
    return (
        f"no concept is named {name!r}"
        + (f"; the closest: {offer}" if offer else "")
        + " (`kb concepts` lists them all)"
    )


FIELD_WIDTH = 88


def field_table(fields: dict[str, str]) -> list[str]:
    """A table row's columns as a two-column table: the labels aligned, the values wrapped."""
    width = max(len(k) for k in fields)
    lines = []
    for label, value in fields.items():
        text = textwrap.wrap(
            " ".join(str(value).split()) or "-", width=max(FIELD_WIDTH - width - 4, 40)
        )
        lines.append(f"  {label:<{width}}  {text[0]}")
        lines += [f"  {'':<{width}}  {more}" for more in text[1:]]
    return lines


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
        full = disk_full_line(exc, sys.argv[1:])
        if full:
            say(f"error: {full}", err=True)
            sys.exit(1)
        say(f"error: {type(exc).__name__}: {exc} (run with --debug for details)", err=True)
        sys.exit(1)


def disk_full_line(exc: Exception, args: list[str]) -> str | None:
    """A full disk met by a write no `kb.disk.writing` wraps (`[Errno 28]`, SQLite's
    "database or disk is full"), as one line naming the file or the KB folder and its disk;
    None for any other failure."""
    from kb import disk

    if not disk.says_no_space(exc):
        return None
    filename = getattr(exc, "filename", None)
    if filename:
        where, what = Path(str(filename)).parent, Path(str(filename)).name
    else:
        where, what = kb_dir_of(args), "a file"
    return str(disk.disk_full_error(where, what))


def kb_dir_of(args: list[str]) -> Path:
    """The KB folder a command line names (--kb-dir, else $KB_DIR, else data/kb)."""
    for n, arg in enumerate(args):
        if arg == "--kb-dir" and n + 1 < len(args):
            return Path(args[n + 1])
        if arg.startswith("--kb-dir="):
            return Path(arg.split("=", 1)[1])
    return Path(os.environ.get("KB_DIR") or "data/kb")


__all__ = ["cli", "main", "UsageError"]

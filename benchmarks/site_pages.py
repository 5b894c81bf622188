"""New pages of the site, ingested beside data/docs: is their text clean, are their concepts
the right ones, and do they leave the existing catalog alone?

    .venv/bin/python benchmarks/site_pages.py /outside/repo/pages /outside/repo/labels.jsonl

The pages are copied at measurement time from the site into a folder outside the repo (their
text is never committed). A line of the labels file, written by hand from the page before the
product ran on it:

    {"file": "held/term-x.txt", "type": "term", "subject": "X", "subject_definition": "X is",
     "captions": ["first words of a picture's description"],
     "popups": [{"term": "culture of innovation", "def": "first words of its definition"}],
     "headings": [{"text": "Why X Matters", "role": "section", "kind": null}],
     "items": [{"text": "Vision", "role": "concept", "kind": "principle"}]}

`role` is "concept" (a principle, framework, practice, risk or case; `kind` says which),
"section" (an expository heading), "level", or "part"/"none" for list items that are not
concepts. `file` is relative to the labels file's folder. Two KBs are built in a temporary
folder with the bundled model: data/docs alone, and data/docs with the pages.

A new concept (a title data/docs' catalog lacks) is sensible and of the right kind when its
title matches, by stems as the catalog merges titles, a labelled concept of the same kind, a
labelled pop-up's term (as a term) or a page's subject (any kind); anything else counts
against it. A subject is right when its concept's definition holds the labelled opening.
The catalog bar counts the titles `../shared/eval` labels that a data/docs concept's title
or section matches as `kb eval` matches them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from ingest.concepts import merge_keys
from kb.embed import BUNDLED, Embedder
from kb.model import KINDS
from kb.store import KnowledgeBase, open_kb
from recommender.evaluate import same
from ui.build import ingest

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT.parent / "shared" / "eval"
POPUP = re.compile(r"\bMeaning\s*[●→]")
QUOTE_WORDS = 6  # a caption or definition is recognised by its first words


@dataclass
class Figures:
    pages: int
    noise_chunks: int
    popups_found: int
    popups: int
    question_headings_kept: int
    question_headings: int
    new_concepts_right: int
    new_concepts: int
    term_pages_right: int
    term_pages: int
    area_pages_right: int
    area_pages: int
    existing_changed: int
    existing: int
    eval_titles_found: int
    eval_titles: int


def key_of(title: str) -> str:
    """Titles match as the catalog merges them: by stems in any order (`merge_keys`)."""
    return merge_keys(title)[0]


def opening(text: str, n: int = QUOTE_WORDS) -> str:
    """The first n words, lower case, without punctuation: how labels quote a text."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower())[:n])


def build(paths: list[Path], kb_dir: Path, embedder: Embedder) -> KnowledgeBase:
    report = ingest(paths, kb_dir, embedder=embedder)
    for rejected in report.rejected:
        print(f"rejected {rejected}", file=sys.stderr)
    return open_kb(kb_dir)


def expected_kinds(labels: list[dict]) -> dict[str, set[str]]:
    """Title key -> the kinds a consultant would accept for a concept of that title."""
    kinds: dict[str, set[str]] = {}
    for page in labels:
        for entry in page.get("headings", []) + page.get("items", []):
            if entry.get("role") == "concept" and entry.get("kind"):
                kinds.setdefault(key_of(entry["text"]), set()).add(entry["kind"])
        for popup in page.get("popups", []):
            kinds.setdefault(key_of(popup["term"]), set()).add("term")
        if page.get("subject"):  # a page's subject: a look-up term or an idea of any kind
            kinds.setdefault(key_of(page["subject"]), set()).update(KINDS)
    return kinds


def measure(docs: Path, pages: Path, labels: list[dict], work: Path) -> tuple[Figures, list]:
    embedder = Embedder(BUNDLED, root=work / "base")
    base = build([docs], work / "base", embedder)
    grown = build([docs, pages], work / "grown", embedder)
    page_docs = {d.doc: d for d in grown.documents if Path(d.path).is_relative_to(pages)}
    by_file = {Path(d.path).resolve(): d for d in page_docs.values()}

    noise = [
        c
        for c in grown.chunks
        if c.doc in page_docs
        and (
            POPUP.search(c.text)
            or any(
                opening(cap) in opening(c.text, 10_000)
                for page in labels
                for cap in page.get("captions", [])
            )
        )
    ]

    popups = found = 0
    questions = kept = 0
    subjects = {"term": [0, 0], "area": [0, 0]}  # page type -> [right, labelled]
    misses: list[str] = []
    concepts_by_key = {key_of(c.title): c for c in grown.concepts}
    for page in labels:
        parsed = by_file.get((pages / page["file"]).resolve())
        if parsed is None:
            print(f"not ingested: {page['file']}", file=sys.stderr)
            continue
        terms = {key_of(e.term): e.definition for e in parsed.glossary}
        for popup in page.get("popups", []):
            popups += 1
            found += key_of(popup["term"]) in terms
        headings = {h.heading.strip().lower() for h in parsed.sections}
        for heading in page.get("headings", []):
            if heading["text"].rstrip().endswith("?"):
                questions += 1
                kept += heading["text"].strip().lower() in headings
        if page.get("type") in subjects and page.get("subject"):
            concept = concepts_by_key.get(key_of(page["subject"]))
            wanted = opening(page.get("subject_definition") or "")
            right = bool(concept and wanted and wanted in opening(concept.definition, 10_000))
            subjects[page["type"]][0] += right
            subjects[page["type"]][1] += 1
            if not right:
                seen = f"{concept.title}: {concept.definition[:60]}" if concept else "no concept"
                misses.append(f"subject of {page['file']}: {seen}")

    base_keys = {key_of(c.title): c for c in base.concepts}
    kinds = expected_kinds(labels)
    new = [c for c in grown.concepts if key_of(c.title) not in base_keys]
    judged = [(c, c.kind in kinds.get(key_of(c.title), set())) for c in new]
    changed = [
        c
        for c in grown.concepts
        if (old := base_keys.get(key_of(c.title)))
        and (old.kind != c.kind or old.definition != c.definition)
    ]
    gold = sorted(
        {
            title
            for path in EVAL.glob("*.jsonl")
            for line in path.read_text().splitlines()
            for title in json.loads(line)["relevant"]
        }
    )
    found_titles = sum(
        any(same(t, c.title) or same(t, c.section) for c in base.concepts) for t in gold
    )
    figures = Figures(
        pages=len(page_docs),
        noise_chunks=len(noise),
        popups_found=found,
        popups=popups,
        question_headings_kept=kept,
        question_headings=questions,
        new_concepts_right=sum(ok for _, ok in judged),
        new_concepts=len(new),
        term_pages_right=subjects["term"][0],
        term_pages=subjects["term"][1],
        area_pages_right=subjects["area"][0],
        area_pages=subjects["area"][1],
        existing_changed=len(changed),
        existing=len(base_keys),
        eval_titles_found=found_titles,
        eval_titles=len(gold),
    )
    details = [
        *misses,
        *(f"noise: {c.id}: {c.text[:90]}" for c in noise),
        *(f"changed: {c.title} ({base_keys[key_of(c.title)].kind} -> {c.kind})" for c in changed),
        *(f"new {'ok ' if ok else 'BAD'} {c.kind:9} {c.title}" for c, ok in judged),
    ]
    return figures, details


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", type=Path, help="the folder of pages (outside the repo)")
    parser.add_argument("labels", type=Path, help="their labels, one JSON object a line")
    parser.add_argument("--docs", type=Path, default=ROOT / "data" / "docs")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument("--details", action="store_true", help="every new concept and noise")
    args = parser.parse_args()
    labels = [json.loads(line) for line in args.labels.read_text().splitlines() if line.strip()]
    folder = args.labels.parent.resolve()
    pages = args.pages.resolve()
    labels = [page for page in labels if (folder / page["file"]).resolve().is_relative_to(pages)]
    for page in labels:  # file names relative to the pages folder from here on
        page["file"] = str((folder / page["file"]).resolve().relative_to(pages))
    with tempfile.TemporaryDirectory() as work:
        figures, details = measure(args.docs.resolve(), pages, labels, Path(work))
    if args.details:
        print("\n".join(details))
    if args.json:
        print(json.dumps(asdict(figures)))
        return
    f = figures
    print(f"pages ingested: {f.pages}")
    print(f"chunks with a caption or a pop-up left: {f.noise_chunks}")
    print(f"pop-ups captured with the right term: {f.popups_found} of {f.popups}")
    print(
        f"question headings kept as sections: {f.question_headings_kept} of {f.question_headings}"
    )
    print(
        f"new concepts sensible and of the right kind: {f.new_concepts_right} of {f.new_concepts}"
    )
    print(
        "term pages whose subject is a concept with the page's definition:",
        f"{f.term_pages_right} of {f.term_pages}",
    )
    print(
        "area pages whose subject is a concept with the page's definition:",
        f"{f.area_pages_right} of {f.area_pages}",
    )
    print(
        f"existing concepts whose kind or definition changed: {f.existing_changed} of {f.existing}"
    )
    print(f"eval titles found in the data/docs catalog: {f.eval_titles_found} of {f.eval_titles}")


if __name__ == "__main__":
    main()

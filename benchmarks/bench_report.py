"""The markdown report of a run, and the issue's targets checked against it."""

from __future__ import annotations

import bench_scale
from bench_util import markdown_table


def ok(flag: bool | None) -> str:
    return "-" if flag is None else "yes" if flag else "**no**"


def pick(row: dict, keys: tuple[str, ...]) -> list:
    return [row.get(k) for k in keys]


def md_machine(m: dict) -> str:
    keys = ("cpu", "cores", "ram_gb", "python", "torch", "faiss", "sentence_transformers")
    header = ["CPU", "cores", "RAM GB", "Python", "torch", "faiss", "sentence-transformers"]
    load = ", ".join(f"{x:.2f}" for x in m["load_average_start"])
    end = ", ".join(f"{x:.2f}" for x in m.get("load_average_end", []))
    return (
        f"{markdown_table(header, [pick(m, keys)])}\n\nLoad average (1, 5, 15 min) at start: "
        f"{load}; at end: {end}. The machine is shared: the ratios are the figures to read."
    )


def md_ingest(r: dict, model_load_s: float) -> str:
    keys = ("seconds", "embedded", "chunks")
    rows = [
        ["full, from nothing", *pick(r["full"], keys), 1.0],
        ["again, nothing changed", *pick(r["unchanged"], keys), r["ratio_unchanged_to_full"]],
        ["again, one paragraph changed", *pick(r["one_changed"], keys)]
        + [r["ratio_one_changed_to_full"]],
        ["naive: lines -> MiniLM -> flat FAISS", r["naive"]["seconds"], r["naive"]["embedded"]]
        + [r["naive"]["embedded"], round(r["naive"]["seconds"] / r["full"]["seconds"], 4)],
    ]
    header = ["ingest of data/docs", "seconds", "embedded", "chunks", "x full"]
    return (
        f"{markdown_table(header, rows)}\n\nAll four with the same MiniLM already loaded "
        f"(its weights took {model_load_s:.2f} s, once, before them, torch already imported); "
        "the KB folder and its embedding cache start empty. The full ingest embeds with torch "
        "and ends by exporting the model to ONNX; the runs after it, the naive one included, "
        "embed with that export."
    )


def md_query(r: dict) -> str:
    rows = [
        ["recommend (product)", r["product"], r["ratio_p50"]],
        ["naive: embed + one flat FAISS search", r["naive"], 1.0],
    ]
    header = [f"warm query ({r['queries']} queries, k={r['k']})", "p50 ms", "p95 ms", "p50 x naive"]
    return markdown_table(header, [[a, b["p50_ms"], b["p95_ms"], c] for a, b, c in rows])


def md_train(r: dict) -> str:
    rows = [[stage["at_s"], stage["said"]] for stage in r["stages"]]
    return (
        f"`kb train` on the shipped corpus ({r['items']:,} lines), from a KB never trained: "
        f"**{r['seconds']} s** wall, {r['cpu_seconds']} CPU-seconds.\n\n"
        + markdown_table(["at s", "stage (its --verbose line)"], rows)
    )


def md_stages(s: dict) -> str:
    keys = ("ms", "share", "calls_per_query")
    rows = [[r["stage"].replace("  ", "↳ "), *pick(r, keys)] for r in s["rows"]]
    table = markdown_table(["stage (mean over the queries)", "ms/query", "share", "calls"], rows)
    return f"{table}\n\nDominant stage: {s['dominant']} ({s['dominant_share']:.0%} of recommend)."


def md_cold(r: dict) -> str:
    rows = [["interpreter start (`python -c pass`)", r["interpreter_seconds"]]]
    rows += list(r["stages"].items())
    rows += [
        ["= child process, after interpreter start", r["in_process_seconds"]],
        [f"`{r['command']}`, wall, median of {len(r['wall_runs'])}", r["wall_seconds"]],
    ]
    packages = [[p["package"], p["seconds"]] for p in r["import_packages"]]
    return "\n\n".join(
        [
            markdown_table(["cold start, step by step (median of fresh processes)", "s"], rows),
            f"Peak RSS of the child process: {r['peak_rss_mb']} MB. Imported of torch, "
            f"sentence-transformers and transformers: {', '.join(r['torch_imported']) or 'none'}.",
            markdown_table(["open_kb, part by part", "s"], list(r["kb_load_parts"].items())),
            markdown_table(["import time by package (-X importtime, self time)", "s"], packages),
        ]
    )


def md_start(r: dict) -> str:
    cold, page, again = r["cold_query"], r["page"], r["reingest"]
    rows = [
        ["cold `kb recommend` (product KB, trained encoder, ONNX)", cold["product_seconds"]],
        ["cold naive one-shot query (sentence-transformers + flat FAISS)", cold["naive_seconds"]],
        ["product / naive", cold["ratio_to_naive"]],
        ["page: `streamlit run` to server healthy", page["server_healthy_seconds"]],
        ["page: `streamlit run` to the first answer on screen", page["seconds"]],
        [f"`kb ingest` after a one-paragraph edit of {again['edited']}", again["seconds"]],
    ]
    runs = len(cold["product_runs"])
    return markdown_table([f"first answer, fresh processes (median of {runs})", "s"], rows)


def md_real(r: dict) -> str:
    seed = r["recommend_seed_kb"]
    big = r["recommend"]
    rows = [
        ["seed KB (data/docs)", None, None, None, None, seed["p50_ms"], seed["p95_ms"], 1.0],
        [f"data/docs x{r['copies']}, one word dropped per long line"]
        + pick(r, ("chunks", "ingest_s", "open_kb_s", "recommender_init_s"))
        + [big["p50_ms"], big["p95_ms"], r["ratio_p50_to_seed_kb"]],
    ]
    header = ["recommend on", "chunks", "ingest s", "open_kb s", "init s", "p50 ms", "p95 ms"]
    return markdown_table(header + ["p50 x seed"], rows)


SCALE_COLUMNS = (
    ("data", "data"),
    ("vectors", "n"),
    ("index", "index"),
    ("parameters", "parameters"),
    ("build s", "build_s"),
    ("index MB", "index_mb"),
    ("RSS growth MB", "rss_growth_mb"),
    ("p50 ms", "p50_ms"),
    ("p95 ms", "p95_ms"),
    ("recall@10", "recall_at_10"),
    ("check s", "check_s"),
    ("read s (mmap)", "read_s"),
)


def parameters(row: dict) -> str | None:
    """The index's settings in a few words: nlist/nprobe for IVF, M/ef for HNSW."""
    names = ("nlist", "nprobe", "M", "efConstruction", "efSearch")
    return " ".join(f"{k}={row[k]}" for k in names if row.get(k) is not None) or None


def md_scale(r: dict) -> str:
    header = [name for name, _ in SCALE_COLUMNS]
    keys = tuple(key for _, key in SCALE_COLUMNS)
    rows = [pick({**x, "n": f"{x['n']:,}", "parameters": parameters(x)}, keys) for x in r["rows"]]
    sp = r.get("spectrum") or {}
    note = (
        f"Single-query searches (k={r['k']}, {r['queries']} queries) through kb.vectors.search, "
        f"recall@10 against IndexFlatIP; indexes built with faiss on {r['faiss_threads']} "
        f"threads. Embedding-like data: variance spectrum i^-{r['alpha']}; on "
        f"{sp.get('sample')} vectors it spreads over {sp.get('embedding_like_effective_dims')} "
        f"effective dimensions, the seed KB's real chunk vectors over "
        f"{sp.get('real_effective_dims')} (spectrum slope {sp.get('real_slope')}), uniform ones "
        f"over {sp.get('uniform_effective_dims')}. 'read s' and 'sha256 s' are what open_kb "
        "pays for the file (page cache warm); 'RSS growth' is the process's growth while "
        f"building. Production settings now: EXACT_MAX={r['exact_max']:,}, choice by size: "
        f"{r['production_choice']}."
    )
    return f"{markdown_table(header, rows)}\n\n{note}"


def production_row(s: dict) -> dict | None:
    """The measured row of the index the production code would build at the largest size."""
    choice = s["production_choice"].get(str(s["largest"]), {})
    for row in s["rows"]:
        same = all(row.get(k) == v for k, v in choice.items())
        if row["n"] == s["largest"] and row["data"] == "embedding-like" and same:
            return row
    return None


def targets(results: dict) -> list[list]:
    """The issue's 'done when' figures, measured in this run: [target, measured, met]."""
    rows = []
    ing = results.get("ingest", {})
    if "full" in ing:
        ratio = ing["ratio_unchanged_to_full"]
        rows.append(["re-ingest, nothing changed: < 5% of a full ingest", ratio, ok(ratio < 0.05)])
        embedded = ing["unchanged"]["embedded"]
        rows.append(["re-ingest, nothing changed: embeds nothing", embedded, ok(embedded == 0)])
        full = ing["ratio_full_to_naive"]
        rows.append(["full ingest of data/docs <= 1.0x the naive pipeline", full, ok(full <= 1)])
    q = results.get("query", {})
    if "product" in q:
        rows.append(["recommend p50 <= 2x the naive p50", q["ratio_p50"], ok(q["ratio_p50"] <= 2)])
        p50 = q["product"]["p50_ms"]
        rows.append(["recommend p50 <= 10 ms", p50, ok(p50 <= 10)])
    trained = results.get("query_trained", {})
    if "product" in trained:
        ratio = trained["ratio_p50"]
        rows.append(["recommend p50 on the trained KB <= 2x the naive p50", ratio, ok(ratio <= 2)])
    train = results.get("train", {})
    if "seconds" in train:
        rows.append(
            [
                "training the encoder on the shipped corpus <= 90 s",
                train["seconds"],
                ok(train["seconds"] <= 90),
            ]
        )
    start = results.get("start", {})
    if "cold_query" in start:
        cold = start["cold_query"]
        figures = f"{cold['product_seconds']} s ({cold['ratio_to_naive']}x naive)"
        met = cold["product_seconds"] <= 1.5 and cold["ratio_to_naive"] <= 0.15
        rows.append(["cold `kb recommend`: <= 1.5 s and <= 0.15x naive", figures, ok(met)])
        page = start["page"]["seconds"]
        rows.append(["page: `streamlit run` to first answer <= 8 s", page, ok(page <= 8)])
        again = start["reingest"]["seconds"]
        rows.append(["re-ingest after a one-paragraph edit <= 3 s", again, ok(again <= 3)])
    s = results.get("scale", {})
    if s.get("rows"):
        n = s["largest"]
        prod = production_row(s)
        if prod:
            label = f"{n:,} vectors, production index: p95 < 20 ms, recall@10 >= 0.95"
            index = " ".join(filter(None, [prod["index"], parameters(prod)]))
            figures = f"{index}: p95 {prod['p95_ms']} ms, recall {prod['recall_at_10']}"
            rows.append([label, figures, ok(bench_scale.passes(prod))])
            opened = prod["open_s"]
            label = f"open the index of {n:,} vectors (check + mmap read) <= 0.5 s"
            rows.append([label, opened, ok(opened <= 0.5)])
        meeting = s["meeting_target_at_largest"]
        configs = "; ".join(f"{m['index']} {parameters(m)}" for m in meeting) or "none"
        rows.append([f"{n:,} vectors, approximate indexes meeting it", configs, ok(bool(meeting))])
    return rows


def markdown(results: dict) -> str:
    parts = [
        "# Benchmark results",
        f"Run at {results['finished_at']}, {results['seconds']:.0f} s in all.",
        "## Machine",
        md_machine(results["machine"]),
    ]
    renderers = [
        ("ingest", "Ingest", lambda r: md_ingest(r, results["model_load_s"])),
        ("query", "Warm query latency", md_query),
        ("query", "Where recommend's time goes", lambda r: md_stages(r["stages"])),
        ("query_trained", "Warm query latency on the trained KB (data/kb)", md_query),
        ("query_trained", "Where its time goes", lambda r: md_stages(r["stages"])),
        ("train", "Training the query encoder", md_train),
        ("cold_start", "Cold start", md_cold),
        ("start", "The first answer: CLI, page and re-ingest", md_start),
        ("real_chunks", "A few thousand real chunks", md_real),
        ("real_chunks", "Where the time goes on the larger KB", lambda r: md_stages(r["stages"])),
        ("scale", "Scale: the vector index", md_scale),
    ]
    for key, title, render in renderers:
        body = results.get(key)
        if body is not None:
            parts += [
                f"## {title}",
                f"failed: {body['error']}" if "error" in body else render(body),
            ]
    parts += ["## Targets", markdown_table(["target", "measured", "met"], targets(results))]
    return "\n\n".join(parts) + "\n"

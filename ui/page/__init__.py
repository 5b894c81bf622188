"""The Streamlit page: guidance for owners (Ask), a framework library for consultants
(Frameworks) and upkeep for maintainers (Documents); `app.py` is the server, which preloads
the KB, and each session runs `script.py`, which runs `ui.page.main.main`.

A thin layer over the same Python API as the CLI: `Recommender.recommend` ranks, `kb.catalog`
filters and describes, `kb.stats` counts, `ui.build.ingest` re-ingests; nothing here
ranks or parses. Document text reaches the browser only as text: through `ui.page.html`, which
escapes every piece before adding its own tags, or through widgets that show plain text
(tables, labels escaped by `html.md_escape`).

    script.py      what each session runs
    main.py        the frame: settings, style, header, the chosen view
    ask.py         Ask: the question, filters, recommendation cards and votes
    frameworks.py  Frameworks: the catalog, one concept's detail, the comparison table
    documents.py   Documents: what the KB holds, uploads, re-ingest and its report
    load.py        the documents folder, the cached model and KB, and their preload
    server.py      what app.py adds to the server: no uploads on the public page, errors logged
    maintainer.py  the maintainer's page (make maintain) and its secret
    cells.py       table cells and CSV files that stay text in a spreadsheet
    nav.py         the view switcher, URL state and the filters' "any" option
    upload.py      which uploads may be saved, and saving them
    html.py        escaped HTML fragments and Markdown-safe labels (no Streamlit)
    style.py       the stylesheet
"""

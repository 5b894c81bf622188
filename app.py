"""The page: guidance for owners (Ask), a framework library for consultants (Frameworks) and
upkeep for maintainers (Documents).

    streamlit run app.py        KB_DIR names the KB (default data/kb), DOCS_DIR the documents
                                folder that uploads go to and re-ingest reads (default data/docs)

Only the entry point, so that `streamlit run app.py` stays the way in: the page itself is the
package `ui.page`, a module per view (see its docstring for the map).
"""

from ui.page.main import main

main()

"""What the page's server adds to Streamlit's (app.py): no uploads on the public page, the
KB loaded and frozen at start, errors logged and never shown.

Streamlit's upload endpoint (`/_stcore/upload_file/<session>/<file>`) stores whatever is PUT
for any open session, whether its page has an uploader or not: on the public page anyone
could fill the server's memory. `NoUploads` refuses every request to it (403, before a byte
of the body is read) unless this process is the maintainer's
(`ui.page.maintainer.maintainer_process`).
"""

from __future__ import annotations

import gc
import logging

from starlette.responses import PlainTextResponse

from ui.page.load import preload
from ui.page.maintainer import maintainer_process

UPLOAD_PATH = "/_stcore/upload_file"
REFUSED = "This page accepts no uploads."
log = logging.getLogger("ui.page")


class NoUploads:
    """ASGI middleware: a request to Streamlit's upload endpoint is refused with 403 unless
    this is the maintainer's process; every other request passes untouched."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] == "http"
            and UPLOAD_PATH in scope.get("path", "")
            and not maintainer_process()
        ):
            await PlainTextResponse(REFUSED, status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)


def warm_up() -> None:
    """Load the KB and its model, then freeze what is loaded: Python's collector no longer
    walks the KB's objects on each full collection, which holds every session up."""
    preload()
    gc.collect()
    gc.freeze()


def script_error(exc: Exception) -> bool:
    """An error in a run: its traceback goes to the server's log, never to the visitor, who
    sees Streamlit's redacted notice (config.toml's showErrorDetails = "none")."""
    log.error("the page failed", exc_info=exc)
    return False

"""Who may change the library from the page: the maintainer, on the maintainer's own page.

The public page (`make run`) only reads: it shows no uploader, no re-ingest and nobody's
questions, and its server refuses Streamlit's upload endpoint (app.py's `NoUploads`). The
maintainer's page is the same page started by `make maintain`: KB_MAINTAINER=1, on
127.0.0.1 only (a maintainer process on another address stays read-only), on its own port,
with uploads allowed. There, when KB_MAINTAINER_SECRET is set, the secret must also be typed
(compared in constant time). `kb ingest` on the machine always works.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st
from streamlit import config

SECRET_ENV = "KB_MAINTAINER_SECRET"
MAINTAINER_ENV = "KB_MAINTAINER"  # "1" in the maintainer's process (make maintain)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def maintainer_process() -> bool:
    """Whether this server is the maintainer's: started with KB_MAINTAINER=1 and bound to this
    machine only. Everything else is the public page."""
    return (
        os.environ.get(MAINTAINER_ENV) == "1"
        and str(config.get_option("server.address") or "") in LOOPBACK
    )


def unlocked() -> bool:
    """Whether this session may write and read the votes; shows the secret box, or why not."""
    if not maintainer_process():
        st.info(
            "This page is read-only. Uploads, re-ingest and the visitors' votes are on the "
            "maintainer's page (`make maintain` on the server, reachable from that machine "
            "only), or run `kb ingest` there.",
            icon=":material/lock:",
        )
        return False
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        return True  # the maintainer's own process, on 127.0.0.1 only
    typed = st.text_input("Maintainer secret", type="password", key="maintainer_secret")
    if hmac.compare_digest(typed.encode(), secret.encode()):
        return True
    if typed:
        st.error("That is not the maintainer secret.", icon=":material/lock:")
    else:
        st.caption("Uploads, re-ingest and the votes need the maintainer secret.")
    return False

"""Who may change the library from the page: the maintainer, who knows its secret.

Reading needs nothing. Uploading and re-ingesting need the secret in KB_MAINTAINER_SECRET,
typed into the page and compared in constant time; without that variable the page is
read-only (`kb ingest` on the machine still works).
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

SECRET_ENV = "KB_MAINTAINER_SECRET"


def unlocked() -> bool:
    """Whether this session may write; shows the secret box, or why writing is off."""
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        st.info(
            f"The page is read-only: start it with {SECRET_ENV} set to allow uploads and "
            "re-ingest here, or run `kb ingest` on the server.",
            icon=":material/lock:",
        )
        return False
    typed = st.text_input("Maintainer secret", type="password", key="maintainer_secret")
    if hmac.compare_digest(typed.encode(), secret.encode()):
        return True
    if typed:
        st.error("That is not the maintainer secret.", icon=":material/lock:")
    else:
        st.caption("Uploads and re-ingest need the maintainer secret.")
    return False

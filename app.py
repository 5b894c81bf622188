"""Placeholder page until the Streamlit page lands (issue: the Streamlit page)."""

import streamlit as st

from kb.store import open_kb

st.set_page_config(page_title="SMB strategy guidance", layout="wide")
st.title("Small-business strategy guidance")
kb = open_kb()
st.write(
    f"Knowledge base {kb.version}: {len(kb.documents)} documents, {len(kb.concepts)} concepts."
)

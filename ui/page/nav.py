"""Which view the page shows, what its URL keeps, and the "any" choice of its filters.

The URL holds only what the current view reads (`/?q=...` for Ask, `/?view=frameworks` for
the others) plus Ask's filters, so a shared link opens the same page; after Back or Forward
the widgets follow the URL (`url_changed`), so they match what the page shows.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

VIEWS = {"ask": "Ask", "frameworks": "Frameworks", "documents": "Documents"}
VIEW_ICONS = {
    "ask": ":material/forum:",
    "frameworks": ":material/menu_book:",
    "documents": ":material/folder_open:",
}
ANY = "any"  # the filter option that filters nothing


def go(view: str) -> None:
    """Switch view from a button's callback."""
    st.session_state.view = view
    on_view_change()


def on_view_change() -> None:
    """The URL keeps only what the new view reads; the Ask view gets its last question back."""
    view = st.session_state.get("view") or "ask"
    if st.session_state.get("_last_view") == "ask" and view != "ask":
        st.session_state.last_q = st.query_params.get("q", "")
    # One change of the URL, so one step in the browser's history: Back returns to the page
    # that was left, not to a bare URL between the two.
    if view != "ask":
        st.query_params.from_dict({"view": view})
    elif st.session_state.get("last_q"):
        st.query_params.from_dict({"q": st.session_state.last_q})
        st.session_state.situation = st.session_state.last_q
    else:
        st.query_params.clear()


def came_from_another_view() -> bool:
    """Whether the last run showed another view (the browser's Back or Forward, or a button,
    changed it): the view's widgets are new, and start again from the URL."""
    came_from = st.session_state.get("_came_from")
    return came_from is not None and came_from != st.session_state.get("_last_view")


def url_changed(name: str, value: str) -> bool:
    """Whether the URL's `name` is not what the last run saw (Back or Forward, or a callback
    that wrote it); records `value` as seen. False the first time, when nothing was seen.

    A widget follows the URL when this is true: after Back the box, the filters and the view
    show the earlier page's values, as its results do."""
    seen = st.session_state.setdefault("_url_seen", {})
    changed = name in seen and seen[name] != value
    seen[name] = value
    return changed


def view_switcher() -> str:
    """The view buttons, at the URL's view; returns the view to show."""
    wanted = st.query_params.get("view", "ask")
    wanted = wanted if wanted in VIEWS else "ask"
    if url_changed("view", wanted) or "view" not in st.session_state:
        st.session_state.view = wanted
    view = st.segmented_control(
        "View",
        list(VIEWS),
        key="view",
        format_func=lambda v: f"{VIEW_ICONS[v]} {VIEWS[v]}",
        label_visibility="collapsed",
        required=True,
        on_change=on_view_change,
    )
    st.session_state._came_from = st.session_state.get("_last_view")
    st.session_state._last_view = view or "ask"
    return view or "ask"


def url_filter(
    widget: Callable[..., str | None],
    label: str,
    options: list[str],
    key: str,
    format_func: Callable[[str], str],
    **kwargs: object,
) -> str | None:
    """A filter the URL keeps, so a shared link keeps it; returns its value as the API takes it.

    `widget` is `st.pills` or `st.selectbox`; it starts at the URL's value, each change is
    written back by `set_filter`, and it follows the URL after Back or Forward.
    """
    if url_changed(key, st.query_params.get(key, ANY)) or came_from_another_view():
        st.session_state.pop(key, None)
    init_from_url(key, options)
    value = widget(
        label,
        options,
        key=key,
        format_func=format_func,
        on_change=set_filter,
        args=(key,),
        **kwargs,
    )
    return chosen(value)


def init_from_url(key: str, options: list[str]) -> None:
    """A filter starts at the URL's value when it names one of the options, else at "any"."""
    if key not in st.session_state:
        wanted = st.query_params.get(key, ANY)
        st.session_state[key] = wanted if wanted in options else ANY


def set_filter(name: str) -> None:
    """A filter's callback: the URL follows the widget, and "any" is left out of it."""
    value = st.session_state.get(name)
    if value and value != ANY:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]


def chosen(value: str | None) -> str | None:
    """A filter widget's value as the API takes it: None for "any"."""
    return value if value and value != ANY else None


def any_label(any_text: str, label: Callable[[str], str] = str) -> Callable[[str], str]:
    """A widget's `format_func`: "any" reads `any_text`, every other option goes through `label`."""
    return lambda option: any_text if option == ANY else label(option)

"""The app shell: navbar, theme switch, page container, footer and error states."""

from __future__ import annotations

import functools
import logging
from html import escape
from urllib.parse import urlencode, urlsplit

import dash
import dash._pages as dash_pages
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, dcc, html
from sqlalchemy.exc import SQLAlchemyError

from components.context import current_store, current_viewer
from data.store import ROLE_RANK

log = logging.getLogger("statroom")

THEME_SWITCH = "theme-switch"
#: The cookie holding the visitor's theme (assets/statroom/theme.js applies it on load).
THEME_COOKIE = "statroom-theme"

UNAVAILABLE_TITLE = "Statroom can't reach its database right now"
UNAVAILABLE_ADVICE = (
    "The figures will be back as soon as the connection returns. Try again in a minute; "
    "if this persists, ask your Statroom administrator to check the database server."
)

#: The ids of Dash Pages' container (``dash.page_container``), which page_container()
#: fills with the first view (a test checks they still match).
PAGES_LOCATION, PAGES_CONTENT, PAGES_STORE, PAGES_DUMMY = (
    "_pages_location",
    "_pages_content",
    "_pages_store",
    "_pages_dummy",
)

# Primary sections of the app; pages that do not exist yet are simply not listed.
SECTIONS = [
    ("Overview", "/", "bi-grid-1x2"),
    ("Neighborhoods", "/equity", "bi-geo-alt"),
    ("Meetings", "/meetings", "bi-people"),
    ("Actions", "/actions", "bi-check2-square"),
    ("Public site", "/public", "bi-globe"),
]


def app_shell():
    """The layout around every page. Pages that need the whole screen (presenter, kiosk)
    hide the chrome with the ``chrome-hidden`` body class they set themselves."""
    try:
        store = current_store()
        city = store.city()
        areas = store.areas()
    except SQLAlchemyError:
        log.exception("app shell: database unreachable")
        city, areas = None, []
    return html.Div(
        [
            html.A("Skip to main content", href="#main", className="visually-hidden-focusable"),
            navbar(city.name if city else "Statroom", areas),
            html.Main(
                unavailable_banner() if city is None else page_container(),
                id="main",
                className="container-xxl py-4",
                tabIndex="-1",
            ),
            footer(city.boundaries_note if city else ""),
        ],
        className="app-shell",
    )


def page_container():
    """Dash Pages' container, holding the requested page when the request names one.

    Dash Pages fills its container in the browser: the renderer loads this shell, the
    location component reports the URL and a routing callback returns the page. When the
    renderer's layout request says which page it is for (its Referer is the page's URL),
    the page is rendered into the shell here instead, and the location component starts
    at that URL, so it reports no change and that round trip is saved on every first
    visit. Without a usable Referer, or if the page fails here, the empty container is
    served and the routing callback fills it as before. Links within the app still go
    through the routing callback.
    """
    referrer = flask.request.referrer if flask.has_request_context() else None
    parts = urlsplit(referrer) if referrer else None
    first_view = _first_view(parts) if parts else None
    if first_view is None:
        return dash.page_container
    content, title = first_view
    return html.Div(
        [
            # The ids and properties of ``dash.page_container``, with values (tested).
            dcc.Location(
                id=PAGES_LOCATION,
                refresh="callback-nav",
                pathname=parts.path,
                search=f"?{parts.query}" if parts.query else "",
                href=referrer,
            ),
            html.Div(content, id=PAGES_CONTENT, disable_n_clicks=True),
            dcc.Store(id=PAGES_STORE, data={"title": title}),
            html.Div(id=PAGES_DUMMY, disable_n_clicks=True),
        ]
    )


def _first_view(parts):
    """The page the URL ``parts`` name and its title, as Dash Pages' routing callback
    builds them, or None when no page matches or the page fails (the callback then tries,
    and reports)."""
    # Dash Pages' own path matching and query parsing, so both routes agree.
    page, variables = dash_pages._path_to_page(dash.strip_relative_path(parts.path))
    if not page:
        return None
    try:
        layout = page["layout"]
        if callable(layout):
            search = f"?{parts.query}" if parts.query else ""
            flask.g.statroom_page_url = (parts.path, search)  # for page_location()
            query = dash_pages._parse_query_string(search)
            layout = layout(**{**(variables or {}), **query})
        title = _title_of(page, variables)
    except Exception:
        log.exception("first view of %s failed; the routing callback will retry", parts.path)
        return None
    return layout, title


def page_location(component_id: str) -> dcc.Location:
    """A page's own location component (``refresh=False``), starting at the URL the page
    is rendered for.

    A location component whose ``pathname`` and ``search`` are unset reports them when it
    mounts, which fires the callbacks listening to them (the measure page's sync, the
    equity page's URL check) and makes the renderer go over the page once more before
    the figures are drawn: about 80 ms on the equity page. Started at the URL, it
    reports nothing until the URL changes (Back, Forward, a callback writing it).
    """
    pathname, search = _rendered_url()
    if pathname is None:
        return dcc.Location(id=component_id, refresh=False)
    return dcc.Location(id=component_id, refresh=False, pathname=pathname, search=search)


def _rendered_url() -> tuple[str | None, str | None]:
    """The path and query string of the URL being rendered, as the browser holds them:
    the first view's Referer (page_container), or what Dash Pages' location component
    sent its routing callback. ``(None, None)`` when neither is known."""
    if not flask.has_request_context():
        return None, None
    if "statroom_page_url" in flask.g:
        return flask.g.statroom_page_url
    try:
        inputs = dash.callback_context.inputs
    except dash.exceptions.MissingCallbackContextException:
        return None, None
    pathname = inputs.get(f"{PAGES_LOCATION}.pathname")
    if pathname is None:
        return None, None
    return pathname, inputs.get(f"{PAGES_LOCATION}.search") or ""


def _title_of(page: dict, variables: dict | None) -> str:
    title = page["title"]
    return title(**(variables or {})) if callable(title) else title


def page_title(path: str) -> str | None:
    """The title Dash Pages gives the page at ``path``, for the HTML the page is first
    served in (``app.StatroomDash``); None when no page matches or its title fails."""
    page, variables = dash_pages._path_to_page(dash.strip_relative_path(path))
    if not page:
        return None
    try:
        return _title_of(page, variables)
    except Exception:
        log.exception("the title of %s failed; the app's title is served", path)
        return None


def title_follows_navigation(app: dash.Dash) -> None:
    """Let Dash Pages' title callback wait for the first navigation within the app.

    It sets ``document.title`` from the pages store, and by default also runs once on
    load: on the overview (two thousand components) that one run cost the renderer
    about 100 ms. The first view's title is in the page's HTML instead (:func:`page_title`);
    when the routing callback fills the page (links, or a first view that could not be
    rendered here) it writes the store, which still runs the title callback.
    """
    for callback in app._callback_list:
        if callback["output"] == f"{PAGES_DUMMY}.children":
            callback["prevent_initial_call"] = True
            return
    raise RuntimeError("Dash Pages' title callback was not found (has Dash changed?)")


def _prefers_dark() -> bool:
    return flask.has_request_context() and flask.request.cookies.get(THEME_COOKIE) == "dark"


def navbar(city_name: str, areas) -> html.Header:
    registered = {page["path"] for page in dash.page_registry.values()}
    sections = [
        dbc.NavItem(
            dbc.NavLink(
                [html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), label],
                href=href,
                active="exact",
            )
        )
        for label, href, icon in SECTIONS
        if href in registered
    ]
    area_links = [
        dbc.NavItem(dbc.NavLink(area.name, href=f"/area/{area.id}", active="partial"))
        for area in areas
    ]
    return html.Header(
        [
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand(
                            [
                                html.Span("Statroom", className="brand-mark"),
                                html.Span(city_name, className="brand-city"),
                            ],
                            href="/",
                        ),
                        dbc.NavbarToggler(
                            [
                                html.Span(className="navbar-toggler-icon"),
                                html.Span("Menu", className="visually-hidden"),
                            ],
                            id="navbar-toggler",
                        ),
                        dbc.Collapse(
                            [
                                dbc.Nav(sections, navbar=True, className="me-auto"),
                                dbc.Switch(
                                    id=THEME_SWITCH,
                                    label="Dark",
                                    value=_prefers_dark(),
                                    className="theme-switch mb-0",
                                ),
                            ],
                            id="navbar-collapse",
                            navbar=True,
                        ),
                    ],
                    fluid="xxl",
                ),
                className="statroom-navbar",
                expand="lg",
            ),
            html.Nav(
                dbc.Container(dbc.Nav(area_links, pills=True, className="area-nav"), fluid="xxl"),
                className="area-bar",
                **{"aria-label": "Priority areas"},
            )
            if area_links
            else None,
        ],
        className="app-header",
    )


def footer(boundaries_note: str) -> html.Footer:
    return html.Footer(
        dbc.Container(
            [
                html.Span("Statroom: data as a flashlight, not a hammer."),
                html.Span(boundaries_note, className="ms-md-3 d-block d-md-inline")
                if boundaries_note
                else None,
            ],
            fluid="xxl",
        ),
        className="app-footer",
    )


def unavailable_banner() -> dbc.Alert:
    return dbc.Alert(
        [html.H2(UNAVAILABLE_TITLE, className="h5"), html.P(UNAVAILABLE_ADVICE, className="mb-0")],
        color="warning",
        className="unavailable-banner",
    )


def database_error_html() -> str:
    """A plain HTML page for non-Dash routes when the database is down (no stack trace)."""
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Statroom unavailable</title>"
        f"<body style='font-family:sans-serif;max-width:40rem;margin:4rem auto'>"
        f"<h1>{escape(UNAVAILABLE_TITLE)}</h1><p>{escape(UNAVAILABLE_ADVICE)}</p></body></html>"
    )


def requires(role: str):
    """Wrap a page ``layout()`` so viewers below ``role`` see a sign-in prompt instead.

    This only decides what the page shows; the data itself is protected in the
    Store and the write functions, whatever the page does.
    """

    def decorate(layout_function):
        @functools.wraps(layout_function)
        def wrapper(*args, **kwargs):
            viewer = current_viewer()
            if ROLE_RANK[viewer.role] >= ROLE_RANK[role]:
                return layout_function(*args, **kwargs)
            return sign_in_prompt(viewer, role)

        return wrapper

    return decorate


def sign_in_prompt(viewer, role: str) -> html.Div:
    here = urlsplit(flask.request.referrer or "/").path if flask.has_request_context() else "/"
    signed_in = viewer.role != "public"
    return html.Div(
        [
            html.H1("Sign in to see this page", className="page-title"),
            html.P(
                f"This page is for city staff with the {role} role."
                + (
                    " Your account does not have it; ask a Statroom administrator."
                    if signed_in
                    else " Sign in with your staff account, or visit the public site."
                ),
                className="page-lede",
            ),
            html.Div(
                [
                    dbc.Button(
                        "Sign in",
                        href="/login?" + urlencode({"next": here}),
                        color="primary",
                        className="me-2",
                    )
                    if not signed_in
                    else None,
                    dbc.Button("Go to the public site", href="/public", color="dark", outline=True),
                ]
            ),
        ],
        className="py-5",
    )


def guarded(layout_function):
    """Wrap a page ``layout()`` so a database failure shows the banner, not a broken page."""

    @functools.wraps(layout_function)
    def wrapper(*args, **kwargs):
        try:
            return layout_function(*args, **kwargs)
        except SQLAlchemyError:
            log.exception("page layout: database unreachable")
            return unavailable_banner()

    return wrapper


def register_callbacks(app: dash.Dash) -> None:
    """The shell's own callbacks, registered on each app (components are imported once
    per process, but tests build many apps)."""
    # The theme is applied on load by assets/statroom/theme.js and the switch is rendered
    # in place (a cookie), so nothing runs until the visitor flips the switch.
    app.clientside_callback(
        f"""
        function (dark) {{
            const theme = dark ? "dark" : "light";
            document.documentElement.setAttribute("data-bs-theme", theme);
            document.cookie = "{THEME_COOKIE}=" + theme +
                "; path=/; max-age=31536000; SameSite=Lax";
        }}
        """,
        Input(THEME_SWITCH, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        "function (n, open) { return n ? !open : open; }",
        Output("navbar-collapse", "is_open"),
        Input("navbar-toggler", "n_clicks"),
        State("navbar-collapse", "is_open"),
        prevent_initial_call=True,  # the menu starts closed, as the layout says
    )

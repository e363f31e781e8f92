"""Priority area: one KPI tile per measure, sortable and filterable, state in the URL."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import MissingCallbackContextException
from sqlalchemy.exc import SQLAlchemyError

from analytics.overview import (
    SORT_LABELS,
    SORTS,
    arrange,
    clean_view,
    is_stale,
    page_of,
    status_counts,
    view_query,
)
from components.context import current_store
from components.layout import guarded, requires
from components.page_cache import cached_page
from components.tiles import area_href, counts_row, kpi_tile

log = logging.getLogger("statroom")

ALL_DEPARTMENTS = "all"
#: Tiles on one page: a large city's area holds well over a hundred measures, and a
#: page of sparklines that long is neither quick nor readable.
TILES_PER_PAGE = 24


def area_title(area_id=None, **_kwargs) -> str:
    try:
        area = current_store().area(area_id) if area_id else None
    except SQLAlchemyError:
        area = None
    return f"{area.name} · Statroom" if area else "Priority area · Statroom"


dash.register_page(
    __name__, path_template="/area/<area_id>", title=area_title, name="Priority area", order=1
)


class ids:
    location = "area-location"
    area = "area-id"
    sort = "area-sort"
    department = "area-department"
    tiles = "area-tiles"
    shown = "area-shown"
    pages = "area-pages"


def today() -> date:
    """The date staleness is judged on (a function, so tests can pin it)."""
    return date.today()


@guarded
@requires("viewer")
def layout(area_id=None, sort=None, department=None, page=None, **_query):
    store = current_store()
    area = store.area(area_id) if area_id else None
    if area is None:
        return not_found()
    measures = store.measures(area.id)
    flat = _flat(store)
    departments = sorted({m.department for m in measures if m.department}, key=str.casefold)
    sort, department = clean_view(sort, department, departments)
    tiles, shown, page = render_tiles(store, area.id, measures, flat, sort, department, page)
    return html.Div(
        [
            dcc.Location(id=ids.location, refresh=False, search=view_query(sort, department, page)),
            dcc.Store(id=ids.area, data=area.id),
            dbc.Breadcrumb(
                items=[{"label": "Overview", "href": "/"}, {"label": area.name, "active": True}]
            ),
            html.H1(area.name, className="page-title"),
            html.P(area.description, className="page-lede"),
            _summary(measures, flat),
            _toolbar(sort, department, departments),
            html.P(shown, id=ids.shown, className="small-muted mb-2", **{"aria-live": "polite"}),
            html.Div(tiles, id=ids.tiles),
        ],
        className="area-page",
    )


def not_found() -> html.Div:
    return html.Div(
        [
            html.H1("We couldn't find that priority area", className="page-title"),
            html.P(
                "The link may be out of date, or the area may hold no measures you can see. "
                "Pick an area from the overview.",
                className="page-lede",
            ),
            dbc.Button("Go to the overview", href="/", color="primary"),
        ],
        className="py-5 area-not-found",
    )


def _flat(store) -> dict[str, dict]:
    """measure id → its flat stored summary fields (status, signal, latest period): all
    the summary and the sorting need, without reading every measure's whole payload."""
    frame = store.summaries()
    return {
        row["measure_id"]: {k: (None if pd.isna(v) else v) for k, v in row.items()}
        for row in frame.to_dict("records")
    }


def _summary(measures, flat) -> html.Div:
    counts = status_counts(
        [flat.get(m.id, {}).get("target_status") for m in measures],
        [flat.get(m.id, {}).get("has_new_signal") for m in measures],
    )
    as_of = today()
    stale = sum(
        is_stale(flat.get(m.id, {}).get("latest_period"), m.frequency, m.update_lag_days, as_of)
        for m in measures
    )
    words = f"{len(measures)} measure{'' if len(measures) == 1 else 's'}"
    if stale:
        words += f", {stale} with late data"
    return html.Div(
        [html.Span(words, className="fw-semibold me-2"), counts_row(counts)],
        className="area-summary mb-3",
    )


def _toolbar(sort: str, department: str | None, departments: list[str]) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Label("Sort by", htmlFor=ids.sort, className="form-label mb-0"),
                    dbc.Select(
                        id=ids.sort,
                        options=[{"label": SORT_LABELS[s], "value": s} for s in SORTS],
                        value=sort,
                        size="sm",
                    ),
                ],
                className="area-control",
            ),
            html.Div(
                [
                    html.Label("Department", htmlFor=ids.department, className="form-label mb-0"),
                    dbc.Select(
                        id=ids.department,
                        options=[{"label": "All departments", "value": ALL_DEPARTMENTS}]
                        + [{"label": d, "value": d} for d in departments],
                        value=department or ALL_DEPARTMENTS,
                        size="sm",
                    ),
                ],
                className="area-control",
            ),
        ],
        className="area-toolbar",
        role="group",
        **{"aria-label": "Sort and filter the measures"},
    )


def render_tiles(store, area_id: str, measures, flat, sort: str, department: str | None, page=1):
    """The tile grid of one page in the chosen order with its page links, the "showing
    N of M" line, and the page shown (``page`` made valid)."""
    chosen = arrange(
        measures,
        sort,
        department,
        statuses={m.id: flat.get(m.id, {}).get("target_status") for m in measures},
    )
    on_page, page, pages = page_of(chosen, page, TILES_PER_PAGE)
    if pages > 1:
        first = (page - 1) * TILES_PER_PAGE + 1
        shown = f"Showing {first}–{first + len(on_page) - 1} of {len(chosen)} measures"
    else:
        shown = f"Showing {len(chosen)} of {len(measures)} measures"
    if department:
        shown += f" from {department}"
    shown += f", sorted by {SORT_LABELS[sort].split(' (')[0].lower()}."
    if not chosen:
        return (
            dbc.Alert(
                [
                    "No measures in this area come from that department. ",
                    dcc.Link("Show every department", href=area_href(area_id)),
                ],
                color="light",
            ),
            shown,
            page,
        )
    # The grid is the costly part (every tile's series); it is the same for every viewer
    # of this visibility until the data or the day changes, so it is cached as a whole.
    as_of = today()
    on_page_ids = tuple(m.id for m in on_page)
    grid = cached_page(
        "area-grid",
        lambda: _tile_grid(store, on_page, page, pages, as_of),
        on_page_ids,
        page,
        pages,
        as_of,
    )
    return grid, shown, page


def _tile_grid(store, on_page, page: int, pages: int, as_of: date) -> list:
    payloads = store.summary_payloads([m.id for m in on_page])
    tiles = []
    for measure in on_page:
        tiles.append(
            dbc.Col(
                # The tile cuts the series to the sparkline's years itself.
                kpi_tile(measure, payloads.get(measure.id), store.series(measure.id), as_of),
                md=6,
                lg=4,
                xxl=3,
                className="mb-4",
            )
        )
    pager = dbc.Pagination(
        id=ids.pages,
        max_value=pages,
        active_page=page,
        fully_expanded=False,
        first_last=True,
        previous_next=True,
        class_name="justify-content-center",
        # Always in the layout, so the callback that listens to it always has its input.
        style=None if pages > 1 else {"display": "none"},
    )
    nav = html.Nav(pager, **{"aria-label": "Pages of measures"})
    return [dbc.Row(tiles, className="kpi-grid"), nav]


def _triggered() -> str | None:
    try:
        return dash.ctx.triggered_id
    except MissingCallbackContextException:
        return None


@dash.callback(
    Output(ids.tiles, "children"),
    Output(ids.shown, "children"),
    Output(ids.location, "search"),
    Output(ids.sort, "value"),
    Output(ids.department, "value"),
    Input(ids.sort, "value"),
    Input(ids.department, "value"),
    Input(ids.location, "search"),
    Input(ids.pages, "active_page"),
    State(ids.area, "data"),
    prevent_initial_call=True,
)
def update_view(sort, department, search, page, area_id):
    """Re-arrange the tiles.

    When a control changed, the URL's query string follows (a new history entry, so Back
    returns to the previous arrangement); when the URL changed (Back/Forward), the
    controls follow it.
    """
    if not isinstance(area_id, str) or not area_id:
        raise dash.exceptions.PreventUpdate
    sort, department, search = (
        v if isinstance(v, str) else None for v in (sort, department, search)
    )
    trigger = _triggered()
    from_url = trigger == ids.location
    if from_url:
        query = parse_qs((search or "").lstrip("?"))
        sort = (query.get("sort") or [None])[0]
        department = (query.get("department") or [None])[0]
        page = (query.get("page") or [None])[0]
    elif trigger != ids.pages:
        page = 1  # a new order or filter starts on its first page
    store = current_store()
    measures = store.measures(area_id)
    if not measures:
        raise dash.exceptions.PreventUpdate
    departments = {m.department for m in measures if m.department}
    sort, department = clean_view(sort, department, departments)
    tiles, shown, page = render_tiles(
        store, area_id, measures, _flat(store), sort, department, page
    )
    if from_url:
        return tiles, shown, no_update, sort, department or ALL_DEPARTMENTS
    return tiles, shown, view_query(sort, department, page), no_update, no_update

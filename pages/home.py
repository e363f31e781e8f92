"""Overview: every priority area with its status counts, what changed, and a measure search."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, clientside_callback, dcc, html

from analytics.overview import status_counts, what_changed
from components.context import current_store
from components.layout import guarded, requires
from components.page_cache import cached_page
from components.tiles import area_card, change_list, counts_row

dash.register_page(__name__, path="/", title="Overview · Statroom", order=0)

#: Most matches the search box lists at once.
MAX_HITS = 8


class ids:
    search = "home-search"
    search_index = "home-search-index"
    search_hits = "home-search-hits"
    search_status = "home-search-status"
    nav = "home-nav"


@guarded
@requires("viewer")
def layout(**_query):
    # The overview is the same for every viewer who may see it; cached as a whole.
    return cached_page("overview", overview)


def overview() -> html.Div:
    """The overview for the current viewer's visibility (it reads only cached reads)."""
    store = current_store()
    city = store.city()
    areas = store.areas()
    measures = store.measures()
    if not measures:
        return _empty(city.name)
    flat = _flat_summaries(store, measures)
    payloads = store.change_digests()
    changes = what_changed(measures, payloads)
    by_area = {a.id: [m for m in measures if m.area_id == a.id] for a in areas}
    counts = status_counts(
        [flat.get(m.id, {}).get("target_status") for m in measures],
        [flat.get(m.id, {}).get("has_new_signal") for m in measures],
    )
    return html.Div(
        [
            dcc.Location(id=ids.nav, refresh="callback-nav"),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            html.H1(f"{city.name} performance overview", className="page-title"),
                            html.P(
                                f"{len(measures)} measures across {len(areas)} priority areas"
                                f"{_as_of_words(payloads)}. Pick an area to see each measure "
                                "against its target, or find a measure by name.",
                                className="page-lede mb-2",
                            ),
                            counts_row(counts, class_name="mb-3 city-counts"),
                        ],
                        lg=7,
                        xl=8,
                    ),
                    dbc.Col(search_box(measures), lg=5, xl=4, className="mb-3"),
                ],
                className="align-items-start",
            ),
            dbc.Row(
                [
                    dbc.Col(_what_changed_card(changes), xl=4, className="mb-4 order-xl-last"),
                    dbc.Col(
                        html.Section(
                            [
                                html.H2("Priority areas", className="visually-hidden"),
                                dbc.Row(
                                    [
                                        dbc.Col(
                                            area_card(area, by_area[area.id], flat),
                                            md=6,
                                            className="mb-4",
                                        )
                                        for area in areas
                                    ]
                                ),
                            ],
                            **{"aria-label": "Priority areas"},
                        ),
                        xl=8,
                    ),
                ]
            ),
        ],
        className="home-page",
    )


def _empty(city_name: str) -> html.Div:
    return html.Div(
        [
            html.H1(f"{city_name} performance overview", className="page-title"),
            dbc.Alert(
                [
                    html.H2("No measures to show yet", className="h5"),
                    html.P(
                        [
                            "Once measures are published they appear here, grouped by priority "
                            "area. Administrators can load a catalog with ",
                            html.Code("statroom import"),
                            ", or try the demo city with ",
                            html.Code("statroom demo"),
                            ".",
                        ],
                        className="mb-0",
                    ),
                ],
                color="info",
                className="mt-3",
            ),
        ]
    )


def _flat_summaries(store, measures) -> dict[str, dict]:
    frame = store.summaries()
    flat = {}
    for row in frame.to_dict("records"):
        row = {k: (None if _missing(v) else v) for k, v in row.items()}
        flat[row["measure_id"]] = row
    # Measures not yet refreshed still show their newest value. (Only then: on a large
    # city, finding every measure's newest observation takes seconds.)
    if all(flat.get(m.id, {}).get("latest_value") is not None for m in measures):
        return flat
    for row in store.latest_observations().to_dict("records"):
        entry = flat.setdefault(row["measure_id"], {"measure_id": row["measure_id"]})
        if entry.get("latest_value") is None:
            entry["latest_value"], entry["latest_period"] = row["value"], row["period"]
    return flat


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_of_words(payloads: dict) -> str:
    dates = [p.get("as_of") for p in payloads.values() if p.get("as_of")]
    if not dates:
        return ""
    day = pd.Timestamp(max(dates))
    return f", figures as of {day.day} {day.month_name()} {day.year}"


def _what_changed_card(changes) -> dbc.Card:
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.H2("What changed", className="h5 mb-0"),
                    html.Div(
                        "In each measure's latest period, against the period before",
                        className="small-muted",
                    ),
                ]
            ),
            dbc.CardBody(change_list(changes)),
        ],
        className="what-changed",
        id="home-what-changed",
    )


# -- search ------------------------------------------------------------------------------------


def search_index(measures) -> list[dict]:
    """What the search box searches: one entry per visible measure (our ids, text as data)."""
    return [
        {
            "href": f"/measure/{quote(m.id, safe='')}",
            "name": m.name,
            "short": m.short_name or "",
            "department": m.department or "",
            "area": m.area_name or "",
        }
        for m in measures
    ]


def search_box(measures) -> html.Div:
    return html.Div(
        [
            html.Label("Find a measure", htmlFor=ids.search, className="form-label fw-semibold"),
            html.Div(
                [
                    html.I(className="bi bi-search home-search-icon", **{"aria-hidden": "true"}),
                    dcc.Input(
                        id=ids.search,
                        type="search",
                        placeholder="Name or department",
                        autoComplete="off",
                        debounce=False,
                        className="form-control home-search-input",
                    ),
                ],
                className="home-search-field",
            ),
            html.Div(
                "Type to search; press Enter to open the first match, or Tab to the list.",
                id=ids.search_status,
                className="small-muted home-search-status",
                **{"aria-live": "polite"},
            ),
            html.Ul(id=ids.search_hits, className="home-search-hits list-unstyled", hidden=True),
            dcc.Store(id=ids.search_index, data=search_index(measures)),
        ],
        className="home-search",
        role="search",
    )


# The search runs in the browser: no round trip per keystroke. Every word typed must
# appear in the measure's name, short name, department or area; matches at the start of
# the name come first. Text is passed as component children (rendered as text).
clientside_callback(
    f"""
    function (query, index) {{
        const words = (query || "").toLowerCase().split(/\\s+/).filter(Boolean);
        if (!words.length || !index) {{
            return [[], true,
                "Type to search; press Enter to open the first match, or Tab to the list."];
        }}
        const scored = [];
        index.forEach(function (m, order) {{
            const name = m.name.toLowerCase();
            const hay = [name, m.short.toLowerCase(), m.department.toLowerCase(),
                         m.area.toLowerCase()].join(" | ");
            if (!words.every(function (w) {{ return hay.includes(w); }})) {{ return; }}
            const full = words.join(" ");
            let score = 3;
            if (name.startsWith(full) || m.short.toLowerCase().startsWith(full)) {{ score = 0; }}
            else if (name.includes(full)) {{ score = 1; }}
            else if (words.every(function (w) {{ return name.includes(w); }})) {{ score = 2; }}
            scored.push([score, order, m]);
        }});
        scored.sort(function (a, b) {{ return a[0] - b[0] || a[1] - b[1]; }});
        const hits = scored.slice(0, {MAX_HITS}).map(function (s) {{
            const m = s[2];
            return {{namespace: "dash_html_components", type: "Li", props: {{children:
                {{namespace: "dash_core_components", type: "Link", props: {{
                    href: m.href, className: "home-search-hit",
                    children: [
                        {{namespace: "dash_html_components", type: "Span",
                          props: {{children: m.name, className: "hit-name"}}}},
                        {{namespace: "dash_html_components", type: "Span",
                          props: {{children: m.department + " · " + m.area,
                                   className: "hit-meta"}}}}
                    ]}}}}}}}};
        }});
        let status;
        if (!scored.length) {{
            status = "No measure matches “" + query.trim() + "”.";
        }} else if (scored.length > hits.length) {{
            status = scored.length + " measures match; showing the first " + hits.length +
                ". Press Enter to open the first.";
        }} else {{
            status = scored.length + (scored.length === 1 ? " measure matches" :
                " measures match") + ". Press Enter to open the first.";
        }}
        return [hits, hits.length === 0, status];
    }}
    """,
    Output(ids.search_hits, "children"),
    Output(ids.search_hits, "hidden"),
    Output(ids.search_status, "children"),
    Input(ids.search, "value"),
    State(ids.search_index, "data"),
    prevent_initial_call=True,
)

# Enter opens the first match (a client-side navigation, like clicking it).
clientside_callback(
    """
    function (n, hits) {
        const first = hits && hits.length && hits[0].props.children.props.href;
        return first || window.dash_clientside.no_update;
    }
    """,
    Output(ids.nav, "pathname"),
    Input(ids.search, "n_submit"),
    State(ids.search_hits, "children"),
    prevent_initial_call=True,
)

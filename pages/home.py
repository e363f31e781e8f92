"""Home: every priority area and its measures, with their latest figures."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from analytics.narrative import format_value
from components.badges import count_badge
from components.context import current_store
from components.layout import guarded

dash.register_page(__name__, path="/", title="Overview · Statroom", order=0)


@guarded
def layout(**_query):
    store = current_store()
    city = store.city()
    measures = store.measures()
    latest = store.latest_observations().set_index("measure_id")
    statuses = store.summaries().set_index("measure_id")["target_status"].to_dict()
    cards = [
        _area_card(area, [m for m in measures if m.area_id == area.id], latest, statuses)
        for area in store.areas()
    ]
    return html.Div(
        [
            html.H1(f"{city.name} performance overview", className="page-title"),
            html.P(
                f"{len(measures)} measures across {len(cards)} priority areas. "
                "Pick an area to see how each measure is tracking against its target.",
                className="page-lede",
            ),
            dbc.Row([dbc.Col(card, lg=6, xxl=4, className="mb-4") for card in cards]),
        ]
    )


def _area_card(area, measures, latest, statuses) -> dbc.Card:
    counts = {s: sum(statuses.get(m.id) == s for m in measures) for s in ("met", "near", "missed")}
    items = []
    for measure in measures:
        if measure.id in latest.index:
            row = latest.loc[measure.id]
            value = format_value(
                row["value"], measure.unit, measure.decimals, measure.unit_label, measure.rate_per
            )
            when = row["period"].strftime("%b %Y")
        else:
            value, when = "No data", ""
        items.append(
            html.Li(
                [
                    html.Span(measure.name),
                    html.Span(
                        [
                            html.Span(value, className="value"),
                            html.Span(f" {when}", className="small-muted") if when else None,
                        ],
                    ),
                ]
            )
        )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(html.A(area.name, href=f"/area/{area.id}"), className="card-title h5"),
                html.P(area.description, className="small-muted"),
                html.Div(
                    [count_badge(n, status) for status, n in counts.items() if n],
                    className="status-counts mb-2",
                ),
                html.Ul(items, className="measure-list"),
            ]
        ),
        className="area-card h-100",
    )

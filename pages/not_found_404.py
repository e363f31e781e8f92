"""Shown for any path no page claims."""

import dash
import dash_bootstrap_components as dbc
from dash import html

dash.register_page(__name__, title="Page not found · Statroom")


def layout(**_query):
    return html.Div(
        [
            html.H1("We couldn't find that page", className="page-title"),
            html.P(
                "The link may be out of date, or the measure may not be public. "
                "Start again from the overview.",
                className="page-lede",
            ),
            dbc.Button("Go to the overview", href="/", color="primary"),
        ],
        className="py-5",
    )

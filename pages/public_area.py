"""One public priority area: its public measures, in plain words."""

from __future__ import annotations

import logging

import dash
from dash import html
from sqlalchemy.exc import SQLAlchemyError

from components.layout import guarded
from components.public_panels import (
    PUBLIC_HOME,
    area_href,
    area_section,
    not_found,
    public_header,
    public_store,
    summaries,
)

log = logging.getLogger("statroom")


def title(area_id: str | None = None, **_kwargs) -> str:
    try:
        area = public_store().area(area_id) if area_id else None
    except SQLAlchemyError:
        log.exception("public area title: database unreachable")
        area = None
    return f"{area.name} · Performance dashboard" if area else "Performance dashboard"


dash.register_page(
    __name__,
    path_template="/public/area/<area_id>",
    title=title,
    description="The public measures of one of the city's priority areas.",
)


class ids:
    root = "public-area-root"


@guarded
def layout(area_id: str | None = None, **_query):
    store = public_store()
    city = store.city()
    areas = store.areas()
    area = next((a for a in areas if a.id == area_id), None)
    if area is None:
        return html.Div(
            [
                public_header(city.name, areas),
                not_found("We couldn't find that priority area"),
            ],
            id=ids.root,
            className="public-page",
        )
    measures = store.measures(area.id)
    return html.Div(
        [
            public_header(city.name, areas, current=area_href(area.id)),
            html.Nav(
                html.Ol(
                    [
                        html.Li(
                            html.A("All measures", href=PUBLIC_HOME), className="breadcrumb-item"
                        ),
                        html.Li(
                            area.name,
                            className="breadcrumb-item active",
                            **{"aria-current": "page"},
                        ),
                    ],
                    className="breadcrumb",
                ),
                **{"aria-label": "Breadcrumb"},
            ),
            html.H1(area.name, className="page-title"),
            area_section(
                area, measures, summaries(store, measures), show_link=False, heading=False
            ),
        ],
        id=ids.root,
        className="public-page",
    )

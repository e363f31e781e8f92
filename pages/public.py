"""The public site's front page: every public priority area and measure, in plain words.

Public visitors see public measures only, and so does a signed-in member of staff
here: the page reads through the Store bound to the public viewer.
"""

from __future__ import annotations

import dash
from dash import html

from analytics.public import updated_on
from components.badges import count_badge
from components.layout import guarded
from components.page_cache import cached_page
from components.public_panels import (
    API_ROOT,
    FRONT_PAGE_CARDS,
    PUBLIC_HOME,
    area_section,
    public_header,
    public_store,
    summaries,
)

dash.register_page(
    __name__,
    path=PUBLIC_HOME,
    title="Performance dashboard",
    description="How the city is doing on the goals it has set, updated as new figures arrive.",
    order=40,
)


class ids:
    root = "public-root"


@guarded
def layout(**_query):
    # A function of the public data alone: cached as JSON (components/page_cache.py).
    return cached_page("public", front_page)


def front_page() -> html.Div:
    store = public_store()
    city = store.city()
    areas = store.areas()
    measures = store.measures()
    payloads = summaries(store, measures)
    statuses = [payloads[m.id].get("target_status") for m in measures]
    by_area = {a.id: [m for m in measures if m.area_id == a.id] for a in areas}
    counts = {s: statuses.count(s) for s in ("met", "near", "missed")}
    latest = max((m.updated_at for m in measures), default=None)
    return html.Div(
        [
            public_header(city.name, areas, current=PUBLIC_HOME),
            html.Div(
                [
                    html.H1(f"How {city.name} is doing", className="page-title"),
                    html.P(
                        f"The city tracks {len(measures)} public measures of how well its "
                        f"services work, in {len(areas)} priority areas. Each shows the latest "
                        "figure, how it compares with the target the city set, and whether it "
                        "is getting better.",
                        className="page-lede",
                    ),
                    html.Div(
                        [count_badge(n, status) for status, n in counts.items() if n],
                        className="status-counts mb-2",
                        **{"aria-label": "Measures by target status"},
                    )
                    if any(counts.values())
                    else None,
                    html.P(
                        [
                            f"Figures last updated {updated_on(latest)}. Every figure is open "
                            "data: download it from each measure's page, or use the ",
                            html.A("data API", href=f"{API_ROOT}/measures"),
                            ".",
                        ],
                        className="small-muted mb-0",
                    ),
                ],
                className="public-intro",
            ),
            html.Div(
                [
                    area_section(area, by_area[area.id], payloads, limit=FRONT_PAGE_CARDS)
                    for area in areas
                ]
                if areas
                else html.P("No measures have been published yet.", className="page-lede"),
            ),
            reading_guide(),
        ],
        id=ids.root,
        className="public-page",
    )


def reading_guide() -> html.Section:
    return html.Section(
        [
            html.H2("How to read these figures", id="public-guide", className="h5"),
            html.Ul(
                [
                    html.Li(
                        "On target, near target and off target compare the latest figure "
                        "with the target the city set for this year. Near means within the "
                        "tolerance the department agreed."
                    ),
                    html.Li(
                        "Improving or getting worse is only said when a statistical test "
                        "finds a steady change in the recent figures (for most measures, the "
                        "last two years) that is unlikely to be chance. Otherwise we say "
                        "there is no clear trend."
                    ),
                    html.Li(
                        "Figures can change when late reports arrive; each measure's page "
                        "says when it was last updated."
                    ),
                ]
            ),
        ],
        className="public-guide",
        **{"aria-labelledby": "public-guide"},
    )

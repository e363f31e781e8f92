"""The render-time floor for one page: Statroom's figures served with nothing behind them.

``bench/pages.py`` saves the settled component tree of a page (the whole layout as the
callbacks left it, figures included) as JSON and serves it from here:

* **Dash floor** (``/``): a Dash app with the same Dash, the same ``assets/`` folder and
  the same component bundles as Statroom, whose ``/_dash-layout`` answers with that JSON;
  its head preloads and asset caching are Statroom's (``components.first_view``).
  It has no callbacks, no database and no analytics, so loading it costs what the browser
  must spend on the page anyway: downloading the bundles, rendering the components and
  drawing the figures.
* **Plotly floor** (``/plotly``): a stricter floor, a bare HTML page that draws the same
  figures (with the graphs' own ``style`` and ``config``) with ``Plotly.newPlot`` from the
  same plotly.js (the app's partial bundle) and base map (``assets/statroom/basemap.js``),
  with neither React nor Dash nor the app's CSS.

Both are timed with :func:`bench.browser.render_time`; the plotly page puts each plot in
a ``.dash-graph`` box and, once every ``Plotly.newPlot`` is called, a stand-in
``window.store`` whose state has no pending callbacks, so the same settle test applies.

Run by gunicorn (``floor:server`` with ``bench/`` on the path) with the layout file in
``STATROOM_FLOOR_LAYOUT``; :func:`serve_floor` does that.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from pathlib import Path

import dash
import dash_bootstrap_components  # noqa: F401 - registers the bundle Statroom loads
import flask
from dash import html

from components.first_view import speed_up_first_view

ROOT = Path(__file__).resolve().parent.parent
LAYOUT_ENV = "STATROOM_FLOOR_LAYOUT"
#: The plotly.js the app serves: its partial bundle (``make plotly-bundle``).
PLOTLY_JS = ROOT / "assets" / "vendor" / "plotly-statroom.min.js"


class StaticLayoutDash(dash.Dash):
    """A Dash app whose ``/_dash-layout`` is a fixed JSON text (any component tree)."""

    def __init__(self, layout_json: str, **kwargs):
        self._layout_json = layout_json
        super().__init__(**kwargs)

    def serve_layout(self):
        return flask.Response(self._layout_json, mimetype="application/json")


def create_floor_app(layout_json: str) -> StaticLayoutDash:
    """The Dash floor (``/``) and the plotly floor (``/plotly``) for ``layout_json``."""
    app = StaticLayoutDash(
        layout_json,
        name=__name__,
        assets_folder=str(ROOT / "assets"),
        serve_locally=True,
        title="Statroom",
        update_title=None,
        suppress_callback_exceptions=True,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    # The same preloads and asset caching as Statroom: the floor differs only in what
    # answers the layout request.
    speed_up_first_view(app)
    app.layout = html.Div()  # never served: serve_layout answers with the saved tree
    graphs = graph_props(json.loads(layout_json))
    page = plotly_page(graphs)

    @app.server.get("/healthz")
    def healthz():
        return flask.jsonify(status="ok")

    @app.server.get("/plotly")
    def plotly_floor():
        return flask.Response(page, mimetype="text/html")

    @app.server.get("/plotly.min.js")
    def plotly_js():
        return flask.send_file(PLOTLY_JS, mimetype="text/javascript", conditional=True)

    return app


def graph_props(tree) -> list[dict]:
    """``figure``, ``config`` and ``style`` of every ``Graph`` in a component tree."""
    found = []

    def walk(node):
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            props = node.get("props")
            if node.get("type") == "Graph" and isinstance(props, dict):
                found.append(
                    {
                        "figure": props.get("figure") or {},
                        "config": props.get("config") or {},
                        "style": props.get("style") or {},
                    }
                )
                return
            for value in node.values():
                walk(value)

    walk(tree)
    return found


def plotly_page(graphs: list[dict]) -> str:
    """A bare HTML page drawing ``graphs`` with ``Plotly.newPlot``."""
    data = json.dumps(graphs).replace("</", "<\\/")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape("plotly floor")}</title>
<script src="/assets/statroom/basemap.js"></script>
<script src="/plotly.min.js"></script></head>
<body><div id="graphs"></div>
<script>
(function () {{
  const graphs = {data};
  const box = document.getElementById("graphs");
  for (const graph of graphs) {{
    const outer = document.createElement("div");
    outer.className = "dash-graph";
    Object.assign(outer.style, graph.style);
    const inner = document.createElement("div");
    inner.style.height = "100%";
    outer.appendChild(inner);
    box.appendChild(outer);
    const figure = graph.figure;
    Plotly.newPlot(inner, figure.data || [], figure.layout || {{}}, graph.config);
  }}
  // Stand-in for Dash's store, so bench/browser.py's settle test reads "no callbacks".
  window.store = {{getState: () => ({{layout: {{}}, appLifecycle: "HYDRATED", callbacks: {{}}}})}};
}})();
</script></body></html>
"""


_ASSET = re.compile(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"')


def bundles(index_html: str) -> set[str]:
    """The scripts and stylesheets an index page loads (to compare Statroom and floor)."""
    return set(_ASSET.findall(index_html))


@contextmanager
def serve_floor(layout_file: Path) -> Iterator[str]:
    """gunicorn serving the floor for ``layout_file``; yields the base URL."""
    # Imported here: the floor server itself needs none of Statroom's data layer.
    from common import gunicorn

    arguments = ["--workers", "1", "--threads", "4", "--pythonpath", str(ROOT / "bench")]
    with gunicorn(
        [*arguments, "floor:server"], {**os.environ, LAYOUT_ENV: str(layout_file)}
    ) as base:
        yield base


def __getattr__(name: str):
    if name == "server":
        return create_floor_app(Path(os.environ[LAYOUT_ENV]).read_text()).server
    raise AttributeError(name)

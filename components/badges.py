"""Status badges: every status carries a word and an icon, never colour alone."""

from __future__ import annotations

from dash import html

TARGET_STATUS = {
    "met": ("On target", "bi-check-circle-fill", "status-met"),
    "near": ("Near target", "bi-dash-circle-fill", "status-near"),
    "missed": ("Off target", "bi-x-circle-fill", "status-missed"),
    "no_target": ("No target", "bi-circle", "status-none"),
    "no_data": ("No data", "bi-slash-circle", "status-none"),
}


def _badge(text: str, icon: str, css: str, title: str = "") -> html.Span:
    return html.Span(
        [html.I(className=f"bi {icon} me-1", **{"aria-hidden": "true"}), text],
        className=f"badge status-badge {css}",
        title=title or text,
    )


def target_badge(status: str | None) -> html.Span:
    text, icon, css = TARGET_STATUS.get(status or "no_data", TARGET_STATUS["no_data"])
    return _badge(text, icon, css)


def signal_badge(description: str = "") -> html.Span:
    return _badge("New signal", "bi-lightning-charge-fill", "status-signal", description)


def stale_badge(description: str = "") -> html.Span:
    return _badge("Stale data", "bi-hourglass-split", "status-stale", description)


def count_badge(count: int, status: str) -> html.Span:
    text, icon, css = TARGET_STATUS[status]
    return _badge(f"{count} {text.lower()}", icon, css)

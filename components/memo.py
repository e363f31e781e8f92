"""The Stat memo and the follow-up memo as files: printable HTML, PDF and editable DOCX.

Content comes from :mod:`analytics.agenda` (``MemoDocument``, ``FollowupDocument``); this
module only lays it out. Charts are static PNGs drawn with matplotlib (no browser needed):
the history, the target, the 80% forecast band and the control-chart signals.

Everything a user typed (notes, action descriptions, names) is untrusted. HTML escapes
it; DOCX and PDF write it as literal text runs, so ``<script>`` or ``=HYPERLINK(...)``
appear as the characters they are and never become markup, links or formulas.

Editable texts (the memo's introduction, the follow-up memo) use a tiny plain-text
format: ``# `` starts a heading, ``## `` a sub-heading, ``- `` a bullet, and a blank line
separates paragraphs.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path

import pandas as pd

from analytics.agenda import (
    SECTION_LABELS,
    FollowupDocument,
    MemoDocument,
    build_followup,
    build_memo,
    draft_followup_text,
    draft_memo_intro,
    format_day,
    format_when,
    news_cutoff,
)
from components import theme

PDF_MIME = "application/pdf"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML_MIME = "text/html; charset=utf-8"

# Control characters other than tab and newline are not allowed in DOCX (XML) text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text) -> str:
    """Text safe to put in any of the three formats (control characters removed)."""
    return _CONTROL.sub("", "" if text is None else str(text))


# -- the editable text format --------------------------------------------------------------------


def text_blocks(text: str) -> list[tuple[str, str]]:
    """Split editable text into ``(kind, text)`` blocks: ``h1``, ``h2``, ``bullet``, ``para``.

    >>> text_blocks("# Commitments\\n- Fix it\\nSee you.\\nBye")
    [('h1', 'Commitments'), ('bullet', 'Fix it'), ('para', 'See you. Bye')]
    """
    blocks: list[tuple[str, str]] = []
    paragraph: list[str] = []

    def flush():
        if paragraph:
            blocks.append(("para", " ".join(paragraph)))
            paragraph.clear()

    for raw in clean(text).replace("\r\n", "\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(("h2", line[3:].strip()))
        elif line.startswith("# "):
            flush()
            blocks.append(("h1", line[2:].strip()))
        elif line.startswith(("- ", "* ")):
            flush()
            blocks.append(("bullet", line[2:].strip()))
        else:
            paragraph.append(line)
    flush()
    return blocks


# -- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartData:
    """What a static chart draws, as tidy frames (the same columns as ``measure_chart``)."""

    unit: str
    decimals: int
    history: pd.DataFrame
    targets: pd.DataFrame | None = None
    forecast: pd.DataFrame | None = None
    signals: pd.DataFrame | None = None
    unit_label: str = ""


def _axis_formatter(unit: str, decimals: int):
    decimals = max(int(decimals or 0), 0)

    def fmt(value, _pos=None):
        if unit == "percent":
            return f"{value:,.{decimals}f}%"
        if unit == "currency":
            if abs(value) >= 1e6:
                return f"${value / 1e6:,.1f}M"
            return f"${value:,.0f}"
        return f"{value:,.{decimals}f}"

    return fmt


def chart_png(data: ChartData, width: float = 7.0, height: float = 2.9, dpi: int = 150) -> bytes:
    """A PNG of the measure's main chart: actual values, target, forecast band, signals."""
    from matplotlib.dates import DateFormatter, MonthLocator
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(width, height), dpi=dpi)
    ax = figure.add_subplot()
    history = data.history.dropna(subset=["value"])
    if history.empty:
        ax.text(0.5, 0.5, "No data reported yet", ha="center", va="center", fontsize=12)
        ax.set_axis_off()
    else:
        start = history["period"].max() - pd.DateOffset(years=3)
        history = history[history["period"] >= start]
        if data.forecast is not None and not data.forecast.empty:
            band = data.forecast
            ax.fill_between(
                band["period"],
                band["lo80"],
                band["hi80"],
                color=theme.BLUE,
                alpha=0.18,
                linewidth=0,
                label="80% forecast range",
            )
            ax.plot(
                band["period"],
                band["mean"],
                color=theme.BLUE,
                linestyle="--",
                linewidth=1.4,
                label="Forecast",
            )
        if data.targets is not None and not data.targets.empty:
            end = (
                data.forecast["period"].max()
                if data.forecast is not None and not data.forecast.empty
                else history["period"].max()
            )
            shown = data.targets[
                (pd.to_datetime(data.targets["period_end"]) >= start)
                & (pd.to_datetime(data.targets["period_start"]) <= end)
            ]
            for index, row in enumerate(shown.itertuples(index=False)):
                x0 = max(pd.Timestamp(row.period_start), start)
                x1 = min(pd.Timestamp(row.period_end), end)
                ax.hlines(
                    row.value,
                    x0,
                    x1,
                    colors=theme.GREEN,
                    linestyles=":",
                    linewidth=2.2,
                    label="Target" if index == 0 else None,
                )
        ax.plot(
            history["period"],
            history["value"],
            color=theme.BLUE,
            linewidth=2,
            marker="o",
            markersize=2.5,
            label="Actual",
        )
        if data.signals is not None and not data.signals.empty:
            signals = data.signals[data.signals["period"] >= start]
            if not signals.empty:
                ax.scatter(
                    signals["period"],
                    signals["value"],
                    marker="D",
                    s=36,
                    color=theme.VERMILLION,
                    edgecolors="white",
                    linewidths=0.8,
                    zorder=5,
                    label="Signal",
                )
        ax.yaxis.set_major_formatter(FuncFormatter(_axis_formatter(data.unit, data.decimals)))
        ax.xaxis.set_major_locator(MonthLocator(bymonth=(1, 7)))
        ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
        ax.grid(axis="y", color="#d0d4d9", linewidth=0.6)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.tick_params(labelsize=8, colors="#333333")
        ax.legend(loc="upper left", bbox_to_anchor=(0, -0.12), ncol=5, fontsize=7.5, frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=dpi)
    return out.getvalue()


# -- gathering from the Store --------------------------------------------------------------------


def scope_text(store, meeting) -> str:
    names = {a.id: a.name for a in store.areas()}
    parts = [names.get(a, a) for a in meeting.areas] + list(meeting.departments)
    return "; ".join(parts)


def chart_data(store, measure, payload: dict) -> ChartData:
    history = store.series(measure.id)
    forecast = pd.DataFrame((payload.get("forecast") or {}).get("points") or [])
    if not forecast.empty:
        forecast["period"] = pd.to_datetime(forecast["period"])
    signals = pd.DataFrame((payload.get("control") or {}).get("signals") or [])
    if not signals.empty:
        signals["period"] = pd.to_datetime(signals["period"])
    return ChartData(
        unit=measure.unit,
        decimals=measure.decimals,
        unit_label=measure.unit_label,
        history=history,
        targets=store.targets(measure.id),
        forecast=forecast,
        signals=signals,
    )


def load_memo(store, meeting_id, with_charts: bool = True):
    """``(MemoDocument, charts)`` for a meeting (charts: measure id → PNG), or None."""
    meeting = store.meeting(meeting_id)
    if meeting is None:
        return None
    agenda = store.agenda(meeting.id)
    measures = {m.id: m for m in store.measures()}
    wanted = [m for m in dict.fromkeys(agenda["measure_id"].dropna()) if m in measures]
    payloads = store.summary_payloads(wanted) if wanted else {}
    action_ids = {int(a) for a in agenda["action_item_id"].dropna()}
    actions = {}
    if action_ids:
        frame = store.action_items()
        actions = {int(r["id"]): r for r in frame.to_dict("records") if int(r["id"]) in action_ids}
    meetings = store.meetings()
    since, _ = news_cutoff(meeting, meetings)
    doc = build_memo(
        meeting=meeting,
        agenda=agenda,
        measures=measures,
        payloads=payloads,
        actions=actions,
        meeting_titles=dict(zip(meetings["id"], meetings["title"], strict=True)),
        scope_text=scope_text(store, meeting),
        since=since,
    )
    if not doc.intro:
        doc = _with_intro(doc, draft_memo_intro(doc))
    charts = {}
    if with_charts:
        for measure_id in wanted:
            charts[measure_id] = chart_png(
                chart_data(store, measures[measure_id], payloads.get(measure_id) or {})
            )
    return doc, charts


def _with_intro(doc: MemoDocument, intro: str) -> MemoDocument:
    from dataclasses import replace

    return replace(doc, intro=intro)


def load_followup(store, meeting_id):
    """``(FollowupDocument, text)`` for a meeting — the saved text, or a fresh draft — or None."""
    meeting = store.meeting(meeting_id)
    if meeting is None:
        return None
    doc = build_followup(
        meeting=meeting,
        actions=store.action_items(meeting_id=meeting.id),
        notes=store.meeting_notes(meeting.id),
        agenda=store.agenda(meeting.id),
        annotations=store.meeting_annotations(meeting.id),
        measure_names={m.id: m.name for m in store.measures()},
    )
    return doc, meeting.followup_text.strip() or draft_followup_text(doc)


# -- HTML ----------------------------------------------------------------------------------------

_PRINT_CSS = """
body { font-family: Inter, "Segoe UI", Roboto, Arial, sans-serif; color: #1b1f23;
  max-width: 50rem; margin: 2rem auto; padding: 0 1.25rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #0b2545; padding-bottom: .2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .3rem; }
.meta { color: #3d4349; margin: .1rem 0; }
.reason { font-style: italic; color: #3d4349; margin: .2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { border: 1px solid #aab1b8; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
td.num { text-align: right; white-space: nowrap; }
img { max-width: 100%; height: auto; border: 1px solid #d6dade; }
.item { break-inside: avoid; }
.screen-note { background: #fff3cd; border: 1px solid #e0c36a; padding: .5rem .75rem; }
footer { margin-top: 2.5rem; font-size: .85rem; color: #3d4349; }
@media print { .screen-note { display: none; } body { margin: 0; max-width: none; } }
"""


def _page(title: str, body: list[str]) -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(clean(title))}</title><style>{_PRINT_CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>"
    )


def _blocks_html(text: str, top: int = 2) -> str:
    out, items = [], []
    for kind, value in text_blocks(text):
        if kind != "bullet" and items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if kind == "bullet":
            items.append(f"<li>{escape(value)}</li>")
        elif kind == "h1":
            out.append(f"<h{top}>{escape(value)}</h{top}>")
        elif kind == "h2":
            out.append(f"<h{top + 1}>{escape(value)}</h{top + 1}>")
        else:
            out.append(f"<p>{escape(value)}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)


def _list_html(values: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(clean(v))}</li>" for v in values) + "</ul>"


def memo_html(doc: MemoDocument, charts: dict[str, bytes], city: str = "") -> str:
    """The Stat memo as one self-contained printable HTML page (charts inlined as PNG)."""
    e = lambda value: escape(clean(value))  # noqa: E731
    body = [
        '<p class="screen-note">To print or save as PDF, use your browser\'s Print command '
        "(Ctrl+P or ⌘P).</p>",
        f"<h1>Stat memo: {e(doc.meeting_title)}</h1>",
        f'<p class="meta"><strong>Meeting:</strong> {e(format_when(doc.meeting_when))}'
        f" · {doc.total_minutes} minutes</p>",
        f'<p class="meta"><strong>Covers:</strong> {e(doc.scope_text)}</p>'
        if doc.scope_text
        else "",
        f'<p class="meta"><strong>Attendees:</strong> {e(", ".join(doc.attendees))}</p>'
        if doc.attendees
        else "",
        f'<p class="meta"><strong>Send by:</strong> {e(format_when(doc.send_by))} '
        "(48 hours before the meeting)</p>",
        "<h2>Summary</h2>",
        _blocks_html(doc.intro, top=3),
        "<h2>Agenda</h2>",
        "<table><caption class=meta>Items in order, with suggested minutes</caption>"
        "<thead><tr><th scope=col>#</th><th scope=col>Item</th><th scope=col>Section</th>"
        "<th scope=col>Minutes</th><th scope=col>Why it is on the agenda</th></tr></thead><tbody>",
    ]
    for item in doc.items:
        body.append(
            f"<tr><td class=num>{item.number}</td><td>{e(item.title)}</td>"
            f"<td>{e(SECTION_LABELS[item.section])}</td><td class=num>{item.minutes}</td>"
            f"<td>{e(item.reason)}</td></tr>"
        )
    body.append("</tbody></table>")
    for label, items in doc.sections():
        body.append(f"<h2>{e(label)}</h2>")
        for item in items:
            body.append('<section class="item">')
            body.append(f"<h3>{item.number}. {e(item.title)} ({item.minutes} min)</h3>")
            if item.reason:
                body.append(f'<p class="reason">{e(item.reason)}</p>')
            if item.key_figures:
                body.append("<p><strong>Key figures</strong></p>" + _list_html(item.key_figures))
            png = charts.get(item.measure_id) if item.measure_id else None
            if png:
                alt = item.key_figures[0] if item.key_figures else item.title
                body.append(
                    f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" '
                    f'alt="{escape(clean(alt), quote=True)}">'
                )
            if item.questions:
                body.append(
                    "<p><strong>Questions for the room</strong></p>" + _list_html(item.questions)
                )
            body.append("</section>")
    body.append(
        f"<footer>Prepared with Statroom{' for ' + e(city) if city else ''} on "
        f"{e(format_day(date.today()))}.</footer>"
    )
    return _page(f"Stat memo: {doc.meeting_title}", body)


def followup_html(doc: FollowupDocument, text: str, city: str = "") -> str:
    e = lambda value: escape(clean(value))  # noqa: E731
    body = [
        '<p class="screen-note">To print or save as PDF, use your browser\'s Print command '
        "(Ctrl+P or ⌘P).</p>",
        f"<h1>Follow-up: {e(doc.meeting_title)}</h1>",
        f'<p class="meta"><strong>Meeting:</strong> {e(format_when(doc.meeting_when))}</p>',
        f'<p class="meta"><strong>Send by:</strong> {e(format_when(doc.send_by))} '
        "(within 2 days of the meeting)</p>",
        _blocks_html(text, top=2),
        f"<footer>Prepared with Statroom{' for ' + e(city) if city else ''} on "
        f"{e(format_day(date.today()))}.</footer>",
    ]
    return _page(f"Follow-up: {doc.meeting_title}", body)


# -- PDF -----------------------------------------------------------------------------------------


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Pdf:
    """A thin layer over fpdf2 with a Unicode font (DejaVu Sans, shipped with matplotlib)."""

    def __init__(self, title: str):
        from fpdf import FPDF

        pdf = FPDF(format="A4")
        pdf.set_title(clean(title))
        pdf.set_creator("Statroom")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        fonts = _font_dir()
        pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.add_font("DejaVu", "I", str(fonts / "DejaVuSans-Oblique.ttf"))
        pdf.add_page()
        self.pdf = pdf

    def text(self, value: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", style, size)
        pdf.multi_cell(0, size * 0.5, clean(value), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    def heading(self, value: str, level: int = 1) -> None:
        size = {0: 17, 1: 13.5, 2: 11.5}[level]
        self.pdf.ln(2 if level else 0)
        self.text(value, size, "B", gap=1)

    def bullets(self, values: list[str], size: float = 10) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", "", size)
        for value in values:
            pdf.set_x(pdf.l_margin)
            pdf.cell(5, size * 0.5, "•")
            pdf.multi_cell(0, size * 0.5, clean(value), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8)
        pdf.ln(1)

    def blocks(self, text: str, top: int = 1) -> None:
        pending: list[str] = []
        for kind, value in text_blocks(text):
            if kind != "bullet" and pending:
                self.bullets(pending)
                pending = []
            if kind == "bullet":
                pending.append(value)
            elif kind == "h1":
                self.heading(value, top)
            elif kind == "h2":
                self.heading(value, min(top + 1, 2))
            else:
                self.text(value)
        if pending:
            self.bullets(pending)

    def image(self, png: bytes) -> None:
        pdf = self.pdf
        width = pdf.w - pdf.l_margin - pdf.r_margin
        height = width * 2.9 / 7.0
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=width)
        pdf.ln(2)

    def table(self, header: list[str], rows: list[list[str]], widths: tuple) -> None:
        pdf = self.pdf
        pdf.set_font("DejaVu", "", 8.5)
        with pdf.table(col_widths=widths, text_align="LEFT", line_height=4.6) as table:
            head = table.row()
            for cell in header:
                head.cell(clean(cell))
            for values in rows:
                row = table.row()
                for cell in values:
                    row.cell(clean(cell))
        pdf.ln(3)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def memo_pdf(doc: MemoDocument, charts: dict[str, bytes], city: str = "") -> bytes:
    pdf = _Pdf(f"Stat memo: {doc.meeting_title}")
    pdf.heading(f"Stat memo: {doc.meeting_title}", 0)
    pdf.text(f"Meeting: {format_when(doc.meeting_when)} · {doc.total_minutes} minutes", gap=0.5)
    if doc.scope_text:
        pdf.text(f"Covers: {doc.scope_text}", gap=0.5)
    if doc.attendees:
        pdf.text(f"Attendees: {', '.join(doc.attendees)}", gap=0.5)
    pdf.text(f"Send by: {format_when(doc.send_by)} (48 hours before the meeting)")
    pdf.heading("Summary")
    pdf.blocks(doc.intro, top=2)
    pdf.heading("Agenda")
    pdf.table(
        ["#", "Item", "Section", "Min", "Why it is on the agenda"],
        [
            [str(i.number), i.title, SECTION_LABELS[i.section], str(i.minutes), i.reason]
            for i in doc.items
        ],
        (6, 52, 24, 10, 82),
    )
    for label, items in doc.sections():
        pdf.heading(label)
        for item in items:
            pdf.heading(f"{item.number}. {item.title} ({item.minutes} min)", 2)
            if item.reason:
                pdf.text(item.reason, 9.5, "I")
            if item.key_figures:
                pdf.text("Key figures", 10, "B", gap=0.5)
                pdf.bullets(item.key_figures)
            png = charts.get(item.measure_id) if item.measure_id else None
            if png:
                pdf.image(png)
            if item.questions:
                pdf.text("Questions for the room", 10, "B", gap=0.5)
                pdf.bullets(item.questions)
    pdf.text(
        f"Prepared with Statroom{' for ' + city if city else ''} on {format_day(date.today())}.",
        8.5,
    )
    return pdf.output()


def followup_pdf(doc: FollowupDocument, text: str, city: str = "") -> bytes:
    pdf = _Pdf(f"Follow-up: {doc.meeting_title}")
    pdf.heading(f"Follow-up: {doc.meeting_title}", 0)
    pdf.text(f"Meeting: {format_when(doc.meeting_when)}", gap=0.5)
    pdf.text(f"Send by: {format_when(doc.send_by)} (within 2 days of the meeting)")
    pdf.blocks(text, top=1)
    pdf.text(
        f"Prepared with Statroom{' for ' + city if city else ''} on {format_day(date.today())}.",
        8.5,
    )
    return pdf.output()


# -- DOCX ----------------------------------------------------------------------------------------


def _docx():
    from docx import Document
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    return document


def _docx_blocks(document, text: str, top: int = 1) -> None:
    for kind, value in text_blocks(text):
        if kind == "h1":
            document.add_heading(value, level=top)
        elif kind == "h2":
            document.add_heading(value, level=top + 1)
        elif kind == "bullet":
            document.add_paragraph(value, style="List Bullet")
        else:
            document.add_paragraph(value)


def _labelled(document, label: str, value: str) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{label}: ").bold = True
    paragraph.add_run(clean(value))


def _docx_bytes(document) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def memo_docx(doc: MemoDocument, charts: dict[str, bytes], city: str = "") -> bytes:
    """The Stat memo as an editable Word document."""
    from docx.shared import Inches

    document = _docx()
    document.core_properties.title = clean(f"Stat memo: {doc.meeting_title}")
    document.core_properties.author = "Statroom"
    document.add_heading(clean(f"Stat memo: {doc.meeting_title}"), level=0)
    _labelled(document, "Meeting", f"{format_when(doc.meeting_when)} · {doc.total_minutes} minutes")
    if doc.scope_text:
        _labelled(document, "Covers", doc.scope_text)
    if doc.attendees:
        _labelled(document, "Attendees", ", ".join(doc.attendees))
    _labelled(document, "Send by", f"{format_when(doc.send_by)} (48 hours before the meeting)")
    document.add_heading("Summary", level=1)
    _docx_blocks(document, doc.intro, top=2)
    document.add_heading("Agenda", level=1)
    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ["#", "Item", "Section", "Minutes", "Why it is on the agenda"],
        strict=True,
    ):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for item in doc.items:
        cells = table.add_row().cells
        for cell, text in zip(
            cells,
            [
                str(item.number),
                item.title,
                SECTION_LABELS[item.section],
                str(item.minutes),
                item.reason,
            ],
            strict=True,
        ):
            cell.text = clean(text)
    for label, items in doc.sections():
        document.add_heading(label, level=1)
        for item in items:
            document.add_heading(
                clean(f"{item.number}. {item.title} ({item.minutes} min)"), level=2
            )
            if item.reason:
                document.add_paragraph().add_run(clean(item.reason)).italic = True
            if item.key_figures:
                document.add_paragraph().add_run("Key figures").bold = True
                for line in item.key_figures:
                    document.add_paragraph(clean(line), style="List Bullet")
            png = charts.get(item.measure_id) if item.measure_id else None
            if png:
                document.add_picture(io.BytesIO(png), width=Inches(6.3))
            if item.questions:
                document.add_paragraph().add_run("Questions for the room").bold = True
                for line in item.questions:
                    document.add_paragraph(clean(line), style="List Bullet")
    document.add_paragraph(
        f"Prepared with Statroom{' for ' + clean(city) if city else ''} on {format_day(date.today())}."
    )
    return _docx_bytes(document)


def followup_docx(doc: FollowupDocument, text: str, city: str = "") -> bytes:
    document = _docx()
    document.core_properties.title = clean(f"Follow-up: {doc.meeting_title}")
    document.core_properties.author = "Statroom"
    document.add_heading(clean(f"Follow-up: {doc.meeting_title}"), level=0)
    _labelled(document, "Meeting", format_when(doc.meeting_when))
    _labelled(document, "Send by", f"{format_when(doc.send_by)} (within 2 days of the meeting)")
    _docx_blocks(document, text, top=1)
    document.add_paragraph(
        f"Prepared with Statroom{' for ' + clean(city) if city else ''} on {format_day(date.today())}."
    )
    return _docx_bytes(document)


def file_name(meeting_title: str, kind: str, extension: str, when=None) -> str:
    """A safe download name: ``stat-memo-infrastat-2026-11-12.pdf``."""
    slug = re.sub(r"[^a-z0-9]+", "-", clean(meeting_title).lower()).strip("-")[:48] or "meeting"
    day = f"-{pd.Timestamp(when).date().isoformat()}" if when is not None else ""
    return f"{kind}-{slug}{day}.{extension}"

"""Memo exports: printable HTML, PDF and DOCX open, carry the content, and show untrusted
text literally."""

from __future__ import annotations

import io
from datetime import date, datetime

import pandas as pd
import pytest
from docx import Document
from pypdf import PdfReader

from analytics.agenda import (
    Commitment,
    FollowupDocument,
    MemoDocument,
    MemoItem,
    draft_followup_text,
)
from components import memo

SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def chart() -> bytes:
    periods = pd.date_range("2024-01-01", periods=30, freq="MS")
    history = pd.DataFrame({"period": periods, "value": [70 + i % 7 for i in range(30)]})
    targets = pd.DataFrame(
        {
            "period_start": [pd.Timestamp("2025-07-01")],
            "period_end": [pd.Timestamp("2026-06-30")],
            "value": [75.0],
            "tolerance": [1.0],
        }
    )
    forecast = pd.DataFrame(
        {
            "period": pd.date_range("2026-07-01", periods=6, freq="MS"),
            "mean": [74.0] * 6,
            "lo80": [70.0] * 6,
            "hi80": [78.0] * 6,
        }
    )
    signals = history.iloc[[5, 20]].assign(rule="beyond_limits")
    return memo.chart_png(memo.ChartData("percent", 1, history, targets, forecast, signals))


@pytest.fixture(scope="module")
def memo_doc():
    items = [
        MemoItem(
            1,
            "follow_up",
            f"Follow up {SCRIPT}",
            5,
            "Overdue by 3 days.",
            key_figures=[f"Owner committed to: {FORMULA}"],
            questions=["What is blocking this commitment?"],
        ),
        MemoItem(
            2,
            "standing",
            "Potholes repaired within 3 days",
            10,
            "Off target.",
            measure_id="potholes",
            measure_name="Potholes",
            key_figures=["Potholes repaired within 3 days was 72.0% in June 2026."],
            questions=["What will close the gap?"],
        ),
    ]
    doc = MemoDocument(
        meeting_title=f"InfraStat {SCRIPT}",
        meeting_when=datetime(2026, 11, 12, 9, 30),
        attendees=["CPO", "Director <b>bold</b>"],
        scope_text="Streets; Public Works",
        intro=f"# Summary heading\nFirst paragraph with {SCRIPT}.\n\n- A bullet {FORMULA}\n",
        items=items,
    )
    return doc, {"potholes": chart()}


@pytest.fixture(scope="module")
def followup():
    doc = FollowupDocument(
        meeting_title="InfraStat",
        meeting_when=datetime(2026, 11, 12, 9, 30),
        attendees=[],
        owners=[
            (
                "Director",
                "Public Works",
                [
                    Commitment(
                        1, f"Fix it {SCRIPT}", "Director", "Public Works", date(2026, 12, 1), "open"
                    ),
                    Commitment(2, FORMULA, "Director", "Public Works", date(2026, 12, 5), "open"),
                ],
            )
        ],
        notes=[("General", ["A note \x00 with a control character"])],
        annotations=[("Potholes", "1 Mar 2027", "New crew starts")],
    )
    return doc, draft_followup_text(doc)


def test_mem001_chart_is_a_png():
    png = chart()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000


def test_mem002_html_memo_escapes_untrusted_text(memo_doc):
    doc, charts = memo_doc
    page = memo.memo_html(doc, charts, "Riverton")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "Director &lt;b&gt;bold&lt;/b&gt;" in page
    assert "=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)" in page
    assert 'href="http://evil' not in page
    assert page.count('<img src="data:image/png;base64,') == 1
    for text in (
        "Follow-up items",
        "Standing items",
        "Questions for the room",
        "Key figures",
        "<h3>Summary heading</h3>",
        "Tue 10 Nov 2026, 09:30",
    ):
        assert text in page


def test_mem003_pdf_memo_opens_and_carries_the_content(memo_doc):
    doc, charts = memo_doc
    data = memo.memo_pdf(doc, charts, "Riverton")
    assert data[:5] == b"%PDF-"
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Stat memo: InfraStat <script>alert('x')</script>" in flat
    assert FORMULA in flat
    assert "Potholes repaired within 3 days was 72.0% in June 2026." in flat
    assert "What will close the gap?" in flat
    assert "Send by: Tue 10 Nov 2026, 09:30" in flat
    images = sum(len(page.images) for page in reader.pages)
    assert images == 1
    assert reader.metadata.title == "Stat memo: InfraStat <script>alert('x')</script>"


def test_mem004_docx_memo_is_editable_word_with_the_content(memo_doc):
    doc, charts = memo_doc
    document = Document(io.BytesIO(memo.memo_docx(doc, charts, "Riverton")))
    paragraphs = [p.text for p in document.paragraphs]
    assert f"Stat memo: InfraStat {SCRIPT}" in paragraphs
    assert f"A bullet {FORMULA}" in paragraphs
    assert "What will close the gap?" in paragraphs
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Standing items" in headings and "Summary heading" in headings
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert f"Owner committed to: {FORMULA}" in bullets
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "#",
        "Item",
        "Section",
        "Minutes",
        "Why it is on the agenda",
    ]
    assert table.rows[1].cells[1].text == f"Follow up {SCRIPT}"
    assert len(document.inline_shapes) == 1
    # No field codes or hyperlinks were created from the formula text.
    xml = document.element.xml
    assert "w:hyperlink" not in xml and "w:fldSimple" not in xml and "instrText" not in xml


def test_mem005_follow_up_exports(followup):
    doc, text = followup
    page = memo.followup_html(doc, text, "Riverton")
    assert "<script>" not in page and "Fix it &lt;script&gt;" in page
    assert "<h2>Commitments</h2>" in page and "<h3>Director (Public Works)</h3>" in page
    pdf_text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(memo.followup_pdf(doc, text))).pages
        ).split()
    )
    assert f"Fix it {SCRIPT} — due 1 Dec 2026" in pdf_text
    assert "Send by: Sat 14 Nov 2026, 09:30" in pdf_text
    document = Document(io.BytesIO(memo.followup_docx(doc, text)))
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert f"{FORMULA} — due 5 Dec 2026" in bullets
    assert "A note  with a control character" in bullets


def test_mem006_text_blocks_and_file_names():
    assert memo.text_blocks("# H\n## Sub\nline one\nline two\n\n- b1\n* b2\nend") == [
        ("h1", "H"),
        ("h2", "Sub"),
        ("para", "line one line two"),
        ("bullet", "b1"),
        ("bullet", "b2"),
        ("para", "end"),
    ]
    assert (
        memo.file_name("InfraStat: Roads & <Bridges>", "stat-memo", "pdf", datetime(2026, 11, 12))
        == "stat-memo-infrastat-roads-bridges-2026-11-12.pdf"
    )
    assert memo.file_name("€€€", "follow-up", "docx") == "follow-up-meeting.docx"


def test_mem007_memo_for_a_demo_meeting_from_the_store(demo_request):
    from components.context import current_store
    from data.store import SYSTEM, Store

    store = Store(current_store().engine, SYSTEM)
    loaded = memo.load_memo(store, 1)
    doc, charts = loaded
    assert doc.meeting_title.startswith("InfraStat")
    assert len(doc.items) == 4
    assert set(charts) == {i.measure_id for i in doc.items}
    assert all(png[:4] == b"\x89PNG" for png in charts.values())
    assert doc.items[0].key_figures[0].startswith("Potholes repaired within 3 days was")
    assert memo.load_memo(store, 999) is None
    followup_doc, text = memo.load_followup(store, 1)
    assert followup_doc.n_commitments == 4
    assert text.startswith("Four actions agreed")  # the demo's saved follow-up wins

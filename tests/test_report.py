"""The HTML report: marks, escaping, offline; and a real headless browser when one is installed."""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from extractor.audit import audit_document, claim_status
from extractor.models import Claim
from extractor.report import (
    MarkIds,
    ReportDoc,
    ReportStream,
    mark_spans,
    render_report,
    render_section,
    write_report,
    write_sections,
)

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
EVIL = "<script>alert(1)</script>"


def _claim(doc: str, text: str, num_text: str, unit: str, n: int, category: str = "discipline",
           after: int = 0, **extra) -> Claim:
    """A claim on the `after`-th occurrence of `num_text` in `text`, claim span = numeral + unit."""
    start = -1
    for _ in range(after + 1):
        start = text.index(num_text, start + 1)
    end = start + len(num_text)
    sentence_start = max(text.rfind("。", 0, start) + 1, 0)
    sentence_end = text.find("。", end) + 1 or len(text)
    fields = dict(doc=doc, category=category, subject=f"指标{n}", value=int(num_text) if num_text.isdigit() else None,
                  unit=unit, num_text=num_text, num_start=start, num_end=end, claim_text=text[start:end + len(unit)],
                  claim_start=start, claim_end=end + len(unit), line=text.count("\n", 0, start) + 1,
                  sentence=text[sentence_start:sentence_end], rule="test", period=2021,
                  claim_id=f"0001-{n:04d}", sentence_start=sentence_start)
    fields.update(extra)
    return Claim(**fields)


def _risk_doc() -> ReportDoc:
    text = ("一、总体情况\n风险点达89个，其中一级风险点9个、二级风险点39个、三级风险点41个。\n"
            f"有人写了{EVIL}和\"引号\"&符号。\n在3个单位中位列第5。")
    claims = [_claim("risk.txt", text, "89", "个", 1, "risk"),
              _claim("risk.txt", text, "9", "个", 2, "risk", after=1, parent="0001-0001"),
              _claim("risk.txt", text, "39", "个", 3, "risk", parent="0001-0001"),
              _claim("risk.txt", text, "41", "个", 4, "risk", parent="0001-0001"),
              _claim("risk.txt", text, "5", "位", 5, "ranking", value=5, rank_of=3, subject="考核<b>排名</b>")]
    return _doc("risk.txt", text, claims)


def _doc(name: str, text: str, claims: list[Claim]) -> ReportDoc:
    checks = audit_document(claims)
    return ReportDoc(name, text, claims, checks, claim_status(claims, checks))


class _Page(HTMLParser):
    """Collects marks (attributes, nesting depth), the text inside .text divs, rows and resources."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.marks: list[dict] = []
        self.rows: list[dict] = []
        self.texts: list[str] = []
        self.scripts = 0
        self.resources: list[str] = []
        self._depth = 0            # inside div.text
        self._mark_depth = 0
        self.max_mark_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href", "action", "srcset"):
            if key in attrs:
                self.resources.append(attrs[key])
        if tag == "script":
            self.scripts += 1
        if tag == "div" and "text" in (attrs.get("class") or "").split():
            self._depth = 1
            self.texts.append("")
        elif tag == "div" and self._depth:
            self._depth += 1
        if tag == "mark":
            self._mark_depth += 1
            self.max_mark_depth = max(self.max_mark_depth, self._mark_depth)
            self.marks.append(attrs)
        if tag == "tr" and "data-claim" in attrs:
            self.rows.append(attrs)

    def handle_endtag(self, tag):
        if tag == "mark":
            self._mark_depth -= 1
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.texts[-1] += data


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    assert parser._mark_depth == 0, "unbalanced <mark>"
    return parser


# --- the HTML ------------------------------------------------------------------------------------


def test_every_claim_has_its_mark_and_row(tmp_path):
    doc = _risk_doc()
    path = tmp_path / "report.html"
    write_report(path, [doc])
    page = _parse(path.read_text(encoding="utf-8"))
    ids = [f"c-{c.claim_id}" for c in doc.claims]
    assert [m["id"] for m in page.marks] == ids
    assert [r["data-claim"] for r in page.rows] == ids
    assert page.texts == [doc.text]                      # marks neither drop nor repeat text
    by_id = {m["id"]: m for m in page.marks}
    assert "st-ok" in by_id["c-0001-0002"]["class"] and "cat-risk" in by_id["c-0001-0002"]["class"]
    assert "st-impossible" in by_id["c-0001-0005"]["class"]
    assert all("title" not in m for m in page.marks)      # tooltips are built on hover (see the browser test)


def test_document_text_is_escaped():
    page = render_report([_risk_doc()])
    assert EVIL not in page and "<b>排名</b>" not in page
    assert html.escape(EVIL) in page
    assert page.count("<script>") == 1                   # ours, at the end
    parsed = _parse(page)
    assert parsed.scripts == 1
    assert EVIL in parsed.texts[0]                        # shown as text


def test_no_external_resources():
    page = render_report([_risk_doc()])
    parsed = _parse(page)
    assert parsed.resources == []
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(", page, re.IGNORECASE)
    assert "default-src 'none'" in page                  # CSP: the page cannot load anything


def test_overlapping_claims_mark_their_numerals():
    text = "谈话诫勉、书面检讨30人次。"
    wide = _claim("a.txt", text, "30", "人次", 1, claim_start=0, claim_end=13)
    inner = _claim("a.txt", text, "30", "人次", 2)                      # same numeral, nested claim span
    crossing = _claim("a.txt", text, "书面", "", 3, value=1, num_start=5, num_end=11)  # crosses "30"
    spans = mark_spans([wide, inner, crossing], len(text))
    assert sorted(spans, key=lambda s: s[2]) == [(9, 11, 0), (9, 11, 1), (5, 11, 2)]
    page = _parse(render_report([_doc("a.txt", text, [wide, inner, crossing])]))
    assert sorted(m["id"] for m in page.marks) == ["c-0001-0001", "c-0001-0002", "c-0001-0003"]
    assert page.texts == [text]
    assert page.max_mark_depth == 3


def test_random_spans_stay_balanced_and_keep_the_text():
    rng = random.Random(7)
    text = "全系统党纪处分10人、政务处分2人，其中<b>机关</b>24人次&amp;。\n" * 3
    for _ in range(200):
        claims = []
        for n in range(rng.randint(1, 8)):
            a, b, c, d = sorted(rng.randint(-3, len(text) + 3) for _ in range(4))
            claims.append(_claim("r.txt", text, "10", "人", n + 1, num_start=b, num_end=c, claim_start=a, claim_end=d))
        page = _parse(render_report([ReportDoc("r.txt", text, claims, [], {})]))
        assert len(page.marks) == len(claims)
        assert page.texts == [text]


def test_bad_offsets_and_duplicate_ids_are_safe():
    text = "处分10人。"
    claims = [_claim("a.txt", text, "10", "人", 1),
              _claim("a.txt", text, "10", "人", 1, num_start=50, num_end=40, claim_start=90, claim_end=99),
              _claim("a.txt", text, "10", "人", 2, claim_id='"><img src=x onerror=alert(1)>')]
    page_text = render_report([ReportDoc("a.txt", text, claims, [], {})])
    page = _parse(page_text)
    ids = [m["id"] for m in page.marks]
    assert len(ids) == 3 and len(set(ids)) == 3 and "c-0001-0001" in ids
    assert all(re.fullmatch(r"c-[A-Za-z0-9_-]+", i) for i in ids)
    assert "<img" not in page_text
    assert page.texts == [text]


def test_write_is_atomic_and_replaces(tmp_path):
    path = tmp_path / "sub" / "report.html"
    write_report(path, [_risk_doc()])
    write_report(path, [])
    assert "0 篇文档" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_sections_rendered_elsewhere_get_their_final_statuses(tmp_path):
    """Sections rendered where documents are processed (one in a file, one kept by the stream), their
    open statuses filled in at `close`: the page a renderer of the final statuses writes."""
    first, second = _risk_doc(), _long_doc()
    write_sections(tmp_path / "part.pkl", [render_section(first, MarkIds(), {"0001-0001", "0001-0005"})])
    path = tmp_path / "report.html"
    stream = ReportStream(path)
    for doc in (first, second):
        stream.count(len(doc.claims), [check.status for check in doc.checks])
    stream.add_part(tmp_path / "part.pkl", 1)
    stream.add_section(render_section(second, MarkIds(), {"0002-0003"}))
    stream.close({"0001-0005": "conflict", "0002-0003": "mismatch", "0002-0004": "conflict"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]       # the part file removed
    first.status["0001-0005"] = "conflict"
    second.status["0002-0003"] = "mismatch"         # 0002-0004 was not open: its status stays
    page = path.read_text(encoding="utf-8")
    assert page == render_report([first, second])
    assert '<mark id="c-0001-0005" class="claim cat-ranking st-conflict">' in page
    assert '<tr data-claim="c-0002-0004" class="st-none">' in page


# --- a real browser ------------------------------------------------------------------------------


def _chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path and Path("/usr/bin/chromium").exists():
        path = "/usr/bin/chromium"
    if not path:
        pytest.skip("chromium not installed (apt-get install -y chromium)")
    return path


def _screenshot_path() -> Path:
    out = ROOT / "output"
    if out.is_dir() and os.access(out, os.W_OK):
        return out / "report-screenshot.png"
    return Path(tempfile.gettempdir()) / "report-screenshot.png"


def _long_doc() -> ReportDoc:
    """A document long enough that its last claims start below the fold."""
    lines, claims = [], []
    text = ""
    for n in range(1, 41):
        line = f"第{n}段：全系统党纪处分{n}人，谈话函询{n + 100}件次，其中问题线索{n + 50}件。" + "加强监督执纪。" * 12 + "\n"
        base = len(text)
        text += line
        lines.append(line)
        for num, unit, category in ((str(n), "人", "discipline"), (str(n + 100), "件次", "case")):
            start = base + line.index(num + unit)
            subject = f"第{n}段" + ("党纪处分" if unit == "人" else "谈话函询")
            claims.append(Claim("long.txt", category, subject, int(num), unit,
                                num, start, start + len(num), num + unit, start, start + len(num) + len(unit),
                                n, line, "test", period=2021, claim_id=f"0002-{len(claims) + 1:04d}",
                                sentence_start=base))
    return _doc("long.txt", text, claims)


def test_report_in_headless_chromium(tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)",
                                   exc_type=ImportError)
    executable = _chromium()
    docs = [_risk_doc(), _long_doc()]
    path = tmp_path / "report.html"
    write_report(path, docs)
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(path.as_uri())
            _check_page(page, docs)
        finally:
            browser.close()
    assert errors == []
    assert dialogs == []                               # the <script> in the document text stayed inert


def _check_page(page, docs: list[ReportDoc]) -> None:
    for n, doc in enumerate(docs, start=1):
        assert page.locator(f"#d-{n} mark.claim").count() == len(doc.claims)
    assert page.locator("#claims tbody tr").count() == sum(len(d.claims) for d in docs)
    target = f"c-{docs[1].claims[-1].claim_id}"
    assert not _in_viewport(page, target)
    page.click(f'tr[data-claim="{target}"]')
    page.wait_for_timeout(100)
    assert _in_viewport(page, target)
    assert "flash" in page.get_attribute(f"#{target}", "class")
    page.click('tr[data-claim="c-0001-0005"]')                            # back to the first document
    assert _in_viewport(page, "c-0001-0005")
    page.screenshot(path=str(_screenshot_path()))
    _check_tooltips(page)
    _check_filter_and_sort(page)


def _check_tooltips(page) -> None:
    """Hovering a mark gives it a tooltip from its row and from the checks it takes part in."""
    page.hover("#c-0001-0005")
    failed = page.get_attribute("#c-0001-0005", "title")
    assert "排名第5超出参评总数3" in failed and "核对：" in failed
    page.hover("#c-0001-0001")
    ok = page.get_attribute("#c-0001-0001", "title")
    assert "数值：89" in ok and "单位：个" in ok and "规则：test" in ok
    texts = page.eval_on_selector_all("#claims tbody tr td:nth-child(10)", "tds => tds.map(t => t.textContent)")
    assert all(texts)                                  # 原文 filled in from the marks where the page left it out


def _in_viewport(page, mark_id: str) -> bool:
    return page.evaluate("""(id) => {
        const r = document.getElementById(id).getBoundingClientRect();
        return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    }""", mark_id)


def _check_filter_and_sort(page) -> None:
    total = page.locator("#claims tbody tr").count()
    page.fill("#filter", "谈话函询")
    assert page.locator("#claims tbody tr:not([hidden])").count() == 40
    page.fill("#filter", "")
    assert page.locator("#claims tbody tr:not([hidden])").count() == total
    page.select_option("#status", "impossible")
    assert page.locator("#claims tbody tr:not([hidden])").count() == 1
    page.select_option("#status", "")
    page.click("#claims th:nth-child(5)")                                  # 数值, ascending
    values = page.eval_on_selector_all("#claims tbody tr td:nth-child(5)", "tds => tds.map(t => t.dataset.sort)")
    numbers = [float(v) for v in values if v]
    assert numbers == sorted(numbers)
    page.click("#claims th:nth-child(5)")                                  # descending
    values = page.eval_on_selector_all("#claims tbody tr td:nth-child(5)", "tds => tds.map(t => t.dataset.sort)")
    assert [float(v) for v in values if v] == sorted(numbers, reverse=True)

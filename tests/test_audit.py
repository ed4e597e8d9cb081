"""Audit checks over claims built by hand (no pipeline needed)."""

from __future__ import annotations

import pytest

from extractor.audit import (
    CHECK_COLUMNS,
    DOCUMENT_CHECKS,
    SEVERITY,
    STATUS_ORDER,
    Check,
    audit_corpus,
    audit_document,
    claim_interval,
    claim_status,
    normalise_subject,
    precision,
)
from extractor.models import Claim

_MULT = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}


class Doc:
    """Builds the claims of one document: sentences appended, numerals found left to right."""

    def __init__(self, name: str = "a.txt", doc_no: int = 1):
        self.name, self.doc_no, self.text, self.claims = name, doc_no, "", []

    def sentence(self, text: str, *figures: tuple, period: int | None = 2021, scope: str = "") -> list[Claim]:
        """Append `text`; each figure is (num_text, unit, subject[, category[, extra fields]])."""
        start, pos, made = len(self.text), 0, []
        self.text += text
        for figure in figures:
            num_text, unit, subject = figure[:3]
            category = figure[3] if len(figure) > 3 else "discipline"
            extra = figure[4] if len(figure) > 4 else {}
            at = text.index(num_text, pos)
            pos = at + len(num_text)
            value = extra["value"] if "value" in extra else _value(num_text)
            claim = Claim(
                doc=self.name, category=category, subject=subject, value=value, unit=unit,
                num_text=num_text, num_start=start + at, num_end=start + pos, claim_text=text[at:pos + len(unit)],
                claim_start=start + at, claim_end=start + pos + len(unit), line=1, sentence=text,
                rule="test", period=period, scope=scope, sentence_start=start,
                claim_id=f"{self.doc_no:04d}-{len(self.claims) + 1:04d}")
            for key, value in extra.items():
                setattr(claim, key, value)
            self.claims.append(claim)
            made.append(claim)
        return made


def _value(num_text: str) -> float | int | None:
    if num_text in {"ｘ", "x", "X"}:
        return None
    mult = _MULT.get(num_text[-1], 1)
    digits = num_text.rstrip("万萬亿").lstrip("第")
    number = float(digits) if "." in digits else int(digits)
    return round(number * mult, 6) if mult > 1 or isinstance(number, float) else number


def _link(parts: list[Claim], total: list[Claim]) -> None:
    for part in parts:
        part.parent = "+".join(t.claim_id for t in total)


def _one(checks: list[Check], kind: str) -> Check:
    found = [c for c in checks if c.kind == kind]
    assert len(found) == 1, found
    return found[0]


# --- intervals ------------------------------------------------------------------------------


@pytest.mark.parametrize("num_text, value, low, high", [
    ("9.3万", 93_000, 92_500, 93_500),
    ("41.7万", 417_000, 416_500, 417_500),
    ("70.7", 70.7, 70.65, 70.75),
    ("９．３万", 93_000, 92_500, 93_500),          # full-width digits
    ("1.2亿", 120_000_000, 115_000_000, 125_000_000),
    ("89", 89, 89, 89),                            # exact integer
    ("三十", 30, 30, 30),                          # Chinese numeral: exact
    ("九点三万", 93_000, 92_500, 93_500),          # Chinese with 点: rounded
    ("八成", 80, 75, 85),
])
def test_rounding_interval(num_text, value, low, high):
    claim = Claim("a", "share", "x", value, "人", num_text, 0, len(num_text), num_text, 0, len(num_text), 1,
                  num_text, "r")
    interval = claim_interval(claim)
    assert interval.low == pytest.approx(low)
    assert interval.high == pytest.approx(high)


def test_precision_of_trailing_zeros_and_fractions():
    assert precision("850").nonzero == 10
    assert precision("三分之一").rounded is False
    assert precision("1/4").rounded is False
    assert precision("第五").place == 0


def test_qualifiers_widen_softly():
    doc = Doc()
    over, approx, redacted = doc.sentence("处置问题线索850余件，约14人，ｘ次。",
                                          ("850", "件", "问题线索", "case", {"qualifier": "over"}),
                                          ("14", "人", "人", "discipline", {"qualifier": "approx"}),
                                          ("ｘ", "次", "会议", "activity", {"qualifier": "redacted"}))
    assert (claim_interval(over).low, claim_interval(over).high, claim_interval(over).hard) == (850, 860, False)
    assert (claim_interval(approx).low, claim_interval(approx).high) == (13, 15)
    assert claim_interval(redacted) is None


# --- parts_total ------------------------------------------------------------------------------


def _four_forms(share_text: str = "70.7") -> Doc:
    doc = Doc()
    (total,) = doc.sentence("运用四种形态批评教育帮助和处理41.7万人次。", ("41.7万", "人次", "运用四种形态"))
    first, share, *rest = doc.sentence(
        f"其中，第一种形态29.5万人次，占{share_text}%；第二种形态9.3万人次；第三种形态1.4万人次；第四种形态1.6万人次。",
        ("29.5万", "人次", "第一种形态"), (share_text, "%", "第一种形态占比", "share"),
        ("9.3万", "人次", "第二种形态"), ("1.4万", "人次", "第三种形态"), ("1.6万", "人次", "第四种形态"))
    _link([first, *rest], [total])
    return doc


def test_rounded_parts_and_share_agree_with_total():
    checks = audit_document(_four_forms().claims)
    parts = _one(checks, "parts_total")
    assert parts.status == "ok" and parts.severity == ""
    assert parts.expected == 417_000 and parts.actual == 418_000     # 41.8万 written vs 41.7万: rounding
    assert parts.low <= parts.actual <= parts.high
    assert "相符" in parts.message and "允许四舍五入" in parts.message
    share = _one(checks, "share_counts")
    assert share.status == "ok"
    assert share.actual == pytest.approx(70.743, abs=1e-3)
    assert share.message.startswith("占比 70.7% 与 29.5万/41.7万 = 70.74% 相符")
    assert share.claim_ids == "0001-0003;0001-0002;0001-0001"


def test_share_that_disagrees_is_mismatch_and_over_100_is_impossible():
    assert _one(audit_document(_four_forms("60.2").claims), "share_counts").status == "mismatch"
    bad = _one(audit_document(_four_forms("170.7").claims), "share_counts")
    assert (bad.status, bad.severity) == ("impossible", "error")


def test_whole_percentages_are_rounded_to_the_percent():
    assert _one(audit_document(_four_forms("71").claims), "share_counts").status == "ok"     # 70.7%
    assert _one(audit_document(_four_forms("72").claims), "share_counts").status == "mismatch"
    doc = Doc()
    total, part = doc.sentence("处理3216人次，其中第二种形态612人次，", ("3216", "人次", "处理"), ("612", "人次", "第二种形态"))
    _link([part], [total])
    (share,) = doc.sentence("占百分之十九。", ("百分之十九", "%", "占", "share", {"value": 19}))
    assert claim_interval(share).low == 18.5 and claim_interval(share).high == 19.5
    assert precision("百分之十五点六").place == pytest.approx(0.1)


def test_share_total_from_sibling_parent():
    doc = _four_forms()
    doc.sentence("第二种形态9.3万人次，占22.3%。", ("9.3万", "人次", "第二种形态"), ("22.3", "%", "占比", "share"))
    checks = audit_document(doc.claims)
    shares = [c for c in checks if c.kind == "share_counts"]
    assert [c.status for c in shares] == ["ok", "ok"]                  # 9.3/41.7 = 22.30%
    assert shares[1].claim_ids.endswith("0001-0001")


def test_share_without_a_total_is_not_checked():
    doc = Doc()
    doc.sentence("同比增长15.3%，处分10人，占全省的5%。", ("15.3", "%", "同比增长", "share"),
                 ("10", "人", "处分"), ("5", "%", "占全省", "share"))
    assert [c for c in audit_document(doc.claims) if c.kind == "share_counts"] == []


def test_risk_points_exact_sum_ok():
    doc = Doc()
    total, *parts = doc.sentence("风险点达89个，其中一级风险点9个、二级风险点39个、三级风险点41个。",
                                 ("89", "个", "风险点", "risk"), ("9", "个", "一级风险点", "risk"),
                                 ("39", "个", "二级风险点", "risk"), ("41", "个", "三级风险点", "risk"))
    _link(parts, [total])
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.expected, check.actual) == ("ok", 89, 89)
    assert check.message == "其中各项之和 89 等于合计 89"
    assert (check.low, check.high) == (89, 89)


def test_run_total_with_some_parts_is_partial():
    doc = Doc()
    *run, a, b, c = doc.sentence("科级及以上干部有11人次、一般干部56人次、其他人员19人次，其中，机关24人次、事业单位23人次、基层站所28人次。",
                                 ("11", "人次", "科级及以上干部"), ("56", "人次", "一般干部"),
                                 ("19", "人次", "其他人员"), ("24", "人次", "机关"),
                                 ("23", "人次", "事业单位"), ("28", "人次", "基层站所"))
    _link([a, b, c], run)
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.severity) == ("partial", "note")
    assert check.message == "其中各项之和 75 小于合计 86"
    assert check.claim_ids == "0001-0001;0001-0002;0001-0003;0001-0004;0001-0005;0001-0006"


def test_exact_integers_compare_exactly():
    doc = Doc()
    total, *parts = doc.sentence("处分10人，其中党纪处分3人、政务处分6人。",
                                 ("10", "人", "处分"), ("3", "人", "党纪处分"), ("6", "人", "政务处分"))
    _link(parts, [total])
    assert _one(audit_document(doc.claims), "parts_total").status == "partial"


def test_parts_above_total_impossible_or_mismatch():
    doc = Doc()
    total, *parts = doc.sentence("处分2万人，其中县处级干部2.5万人、乡科级干部4500人。",
                                 ("2万", "人", "处分"), ("2.5万", "人", "县处级干部"), ("4500", "人", "乡科级干部"))
    _link(parts, [total])
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.severity) == ("impossible", "error")
    assert check.message == "其中各项之和 29,500 超过合计 20,000"
    soft = Doc()
    total, *parts = soft.sentence("处分约20人，其中县处级干部25人、乡科级干部6人。",
                                  ("20", "人", "处分", "discipline", {"qualifier": "approx"}),
                                  ("25", "人", "县处级干部"), ("6", "人", "乡科级干部"))
    _link(parts, [total])
    check = _one(audit_document(soft.claims), "parts_total")
    assert (check.status, check.severity) == ("mismatch", "warning")


def test_measures_one_person_may_receive_together_are_not_added():
    doc = Doc()
    total, *parts = doc.sentence("处分25.3万人，其中党纪处分21.1万人、政务处分6.1万人。",  # a person may get both
                                 ("25.3万", "人", "处分"), ("21.1万", "人", "党纪处分"), ("6.1万", "人", "政务处分"))
    _link(parts, [total])
    check = _one(audit_document(doc.claims), "parts_total")
    assert check.status == "unverifiable" and "可能重叠" in check.message
    ranks = Doc()
    total, *parts = ranks.sentence("处分20000人，其中县处级干部15000人、乡科级干部8000人。",
                                   ("20000", "人", "处分"), ("15000", "人", "县处级干部"), ("8000", "人", "乡科级干部"))
    _link(parts, [total])
    assert _one(audit_document(ranks.claims), "parts_total").status == "impossible"
    below = Doc()
    total, *parts = below.sentence("處分3萬人，其中黨紀處分1萬人、政務處分0.5萬人。",
                                   ("3萬", "人", "處分"), ("1萬", "人", "黨紀處分"), ("0.5萬", "人", "政務處分"))
    _link(parts, [total])
    assert _one(audit_document(below.claims), "parts_total").status == "partial"


def test_rounding_never_raises_a_false_alarm_above():
    doc = Doc()
    total, *parts = doc.sentence("处置1.2万件，其中0.7万件、0.6万件。",
                                 ("1.2万", "件", "处置", "case"), ("0.7万", "件", "甲", "case"),
                                 ("0.6万", "件", "乙", "case"))
    _link(parts, [total])
    assert _one(audit_document(doc.claims), "parts_total").status == "ok"   # 1.3 vs 1.2: within rounding


def test_complete_list_that_falls_short_is_mismatch():
    doc = Doc()
    total, *parts = doc.sentence("查处问题30起，分别为违反工作纪律12起、违反廉洁纪律10起。",
                                 ("30", "起", "问题", "case"), ("12", "起", "违反工作纪律", "case"),
                                 ("10", "起", "违反廉洁纪律", "case"))
    _link(parts, [total])
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.severity) == ("mismatch", "warning")
    assert "小于合计 30" in check.message


def test_redacted_part_is_unverifiable():
    doc = Doc()
    total, *parts = doc.sentence("开展活动20次，其中讲党课ｘ次、专题学习8次。",
                                 ("20", "次", "活动", "activity"),
                                 ("ｘ", "次", "讲党课", "activity", {"qualifier": "redacted"}),
                                 ("8", "次", "专题学习", "activity"))
    _link(parts, [total])
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.severity) == ("unverifiable", "note")
    assert "ｘ" in check.message


def test_redacted_part_with_known_parts_already_above():
    doc = Doc()
    total, *parts = doc.sentence("开展活动5次，其中讲党课ｘ次、专题学习8次。",
                                 ("5", "次", "活动", "activity"),
                                 ("ｘ", "次", "讲党课", "activity", {"qualifier": "redacted"}),
                                 ("8", "次", "专题学习", "activity"))
    _link(parts, [total])
    assert _one(audit_document(doc.claims), "parts_total").status == "impossible"


def test_redacted_total_is_unverifiable():
    doc = Doc()
    total, part = doc.sentence("风险点ｘ个，其中一级风险点9个。", ("ｘ", "个", "风险点", "risk", {"qualifier": "redacted"}),
                               ("9", "个", "一级风险点", "risk"))
    _link([part], [total])
    assert _one(audit_document(doc.claims), "parts_total").status == "unverifiable"


# --- rank_field ------------------------------------------------------------------------------


def test_rank_beyond_field_is_impossible_and_within_is_ok():
    doc = Doc()
    doc.sentence("在3个单位中位列第5。", ("第5", "位", "考核", "ranking", {"value": 5, "rank_of": 3}))
    doc.sentence("在40个部门中位列第一。", ("第一", "位", "党风廉政建设工作考核", "ranking", {"value": 1, "rank_of": 40}))
    doc.sentence("测评位列第五。", ("第五", "位", "政风行风测评", "ranking", {"value": 5}))
    checks = [c for c in audit_document(doc.claims) if c.kind == "rank_field"]
    assert [(c.status, c.severity) for c in checks] == [("impossible", "error"), ("ok", "")]
    assert checks[0].message == "排名第5超出参评总数3"
    assert (checks[1].low, checks[1].high) == (1, 40)


def test_redacted_rank_is_unverifiable():
    doc = Doc()
    doc.sentence("在40个部门中位列第ｘ。", ("ｘ", "位", "考核", "ranking", {"qualifier": "redacted", "rank_of": 40}))
    assert _one(audit_document(doc.claims), "rank_field").status == "unverifiable"


# --- same_figure -----------------------------------------------------------------------------


def test_same_figure_twice_conflict_and_ok():
    doc = Doc()
    doc.sentence("党纪处分10人。", ("10", "人", "党纪处分"))
    doc.sentence("全年“党纪 处分”12人。", ("12", "人", "“党纪 处分”"))
    doc.sentence("通报了4起典型案例。", ("4", "起", "典型案例", "case"))
    doc.sentence("结合通报的4起典型案例。", ("4", "起", "典型案例", "case"))
    doc.sentence("2020年党纪处分8人。", ("8", "人", "党纪处分"), period=2020)      # another year
    checks = [c for c in audit_document(doc.claims) if c.kind == "same_figure"]
    assert [(c.status, c.severity) for c in checks] == [("conflict", "warning"), ("ok", "")]
    assert checks[0].message == "同一指标前后两处数值不同：10 与 12"
    assert checks[0].claim_ids == "0001-0001;0001-0002"


def test_same_figure_traditional_and_rounded_is_ok():
    doc = Doc()
    doc.sentence("處分幹部9.3萬人。", ("9.3萬", "人", "處分幹部"))
    doc.sentence("处分干部93,000人。", ("93", "人", "处分干部", "discipline", {"value": 93_000, "num_text": "93,000"}))
    assert _one(audit_document(doc.claims), "same_figure").status == "ok"


def test_same_figure_with_redaction_is_unverifiable():
    doc = Doc()
    doc.sentence("讲党课ｘ次。", ("ｘ", "次", "讲党课", "activity", {"qualifier": "redacted"}))
    doc.sentence("讲党课3次。", ("3", "次", "讲党课", "activity"))
    assert _one(audit_document(doc.claims), "same_figure").status == "unverifiable"


def test_same_figure_generic_subject_not_compared():
    doc = Doc()
    doc.sentence("明察暗访发现问题132个。", ("132", "个", "问题", "case"))
    doc.sentence("巡察发现问题563个。", ("563", "个", "问题", "case"))
    assert [c for c in audit_document(doc.claims) if c.kind == "same_figure"] == []


def test_corpus_checks_need_two_documents():
    doc = Doc()
    doc.sentence("党纪处分10人。", ("10", "人", "党纪处分"))
    doc.sentence("党纪处分12人。", ("12", "人", "党纪处分"))
    assert audit_corpus(doc.claims) == []


def test_same_figure_across_documents():
    a, b = Doc("a.txt", 1), Doc("b.txt", 2)
    a.sentence("全国立案审查63.1万件。", ("63.1万", "件", "立案审查", "case"), scope="全国")
    b.sentence("全国立案审查65万件。", ("65万", "件", "立案审查", "case"), scope="全国")
    a.sentence("本单位立案审查3件。", ("3", "件", "立案审查", "case"))
    b.sentence("本单位立案审查5件。", ("5", "件", "立案审查", "case"))                 # no scope: not compared
    assert audit_document(a.claims) == [] and audit_document(b.claims) == []
    checks = audit_corpus(a.claims + b.claims)
    assert len(checks) == 1
    check = checks[0]
    assert (check.kind, check.status, check.doc) == ("same_figure", "conflict", "a.txt;b.txt")
    assert check.check_id == "KX-0001"
    assert check.claim_ids == "0001-0001;0002-0001"


def test_same_figure_across_documents_agreeing():
    a, b = Doc("a.txt", 1), Doc("b.txt", 2)
    a.sentence("全国立案审查63.1万件。", ("63.1万", "件", "立案审查", "case"), scope="全国")
    b.sentence("全国立案审查631,000件。", ("631", "件", "立案审查", "case", {"value": 631_000, "num_text": "631,000"}),
               scope="全国")
    assert [c.status for c in audit_corpus(a.claims + b.claims)] == ["ok"]


# --- the API -----------------------------------------------------------------------------------


def test_rows_ids_severity_and_claim_status():
    doc = _four_forms("60.2")
    doc.sentence("在3个单位中位列第5。", ("第5", "位", "考核", "ranking", {"value": 5, "rank_of": 3}))
    checks = audit_document(doc.claims)
    assert [c.check_id for c in checks] == [f"K0001-{n:04d}" for n in range(1, len(checks) + 1)]
    assert audit_document(doc.claims) == checks                       # deterministic
    for check in checks:
        assert list(check.row()) == CHECK_COLUMNS
        assert check.severity == SEVERITY[check.status]
    status = claim_status(doc.claims, checks)
    assert set(status) == {c.claim_id for c in doc.claims}
    assert status["0001-0002"] == "mismatch"          # the stated share
    assert status["0001-0001"] == "mismatch"          # total: ok (parts) and mismatch (share) → worst
    assert status["0001-0004"] == "ok"
    assert status["0001-0007"] == "impossible"


def test_claim_status_empty_when_unchecked_and_registry_is_extensible():
    doc = Doc()
    doc.sentence("讲党课3次。", ("3", "次", "讲党课", "activity"))
    assert claim_status(doc.claims, audit_document(doc.claims)) == {"0001-0001": ""}
    assert set(DOCUMENT_CHECKS) >= {"parts_total", "share_counts", "rank_field", "same_figure"}
    assert STATUS_ORDER[0] == "impossible" and STATUS_ORDER[-1] == "ok"


def test_subject_normalisation():
    assert normalise_subject("人次、 “一般干部”") == normalise_subject("一般幹部") == "一般干部"
    assert normalise_subject("谈话诫勉、书面检讨") == "谈话诫勉、书面检讨"


def test_thousands_separators_are_exact():
    doc = Doc()
    doc.sentence("查处问题3,568起，其中违规吃喝问题1,102起、违规收送礼品问题1,266起。",
                 ("3,568", "起", "查处问题", "case", {"value": 3568}),
                 ("1,102", "起", "违规吃喝问题", "case", {"value": 1102}),
                 ("1,266", "起", "违规收送礼品问题", "case", {"value": 1266}))
    doc.claims[1].parent = doc.claims[2].parent = doc.claims[0].claim_id
    check = _one(audit_document(doc.claims), "parts_total")
    assert (check.status, check.low, check.high) == ("partial", 3568, 3568)


def test_a_share_does_not_reach_into_another_paragraph():
    doc = Doc()
    doc.sentence("处理5,005人，其中党纪政务处分3,427人。", ("5,005", "人", "处理", "discipline", {"value": 5005}),
                 ("3,427", "人", "党纪政务处分", "discipline", {"value": 3427}))
    doc.claims[1].parent = doc.claims[0].claim_id
    later = doc.sentence("处分县处级以上干部约2,500人，占处分总人数的比例不足5%。",
                         ("2,500", "人", "处分县处级以上干部", "discipline", {"value": 2500}),
                         ("5", "%", "占处分总人数的比例", "share"))
    for claim in later:
        claim.line = 2
    assert [c for c in audit_document(doc.claims) if c.kind == "share_counts"] == []


def test_checks_read_traditional_script_as_simplified():
    """占/佔 · 总/總 · 分别为/分別為 · 与/與 between figures are read on the simplified view: a
    traditional-script text gets the checks and statuses of the same text in simplified script."""
    import opencc

    from extractor import extract_text

    text = ("全县共处分干部80人，其中乡科级干部20人，占处分总人数的25%；一般干部60人。"
            "全县共立案50件，分别为违反中央八项规定精神问题30件、违反廉洁纪律问题20件。"
            "全市受理信访举报120件，其中检举控告类96件，占80%。")
    traditional = opencc.OpenCC("s2t").convert(text)
    assert traditional != text and len(traditional) == len(text)

    def checks(of: str) -> list[tuple]:
        claims = extract_text(of, year=2024)
        return sorted((c.kind, c.status, tuple(c.claim_ids.split(";"))) for c in audit_document(claims))

    simplified = checks(text)
    assert {kind for kind, _, _ in simplified} >= {"share_counts", "parts_total"}
    assert checks(traditional) == simplified

"""Tests for extractor.numerals: finding, gating, kinds, qualifiers, ranges, offsets, parse_numeral."""

from __future__ import annotations

import inspect
from pathlib import Path

import cn2an
import pytest

from extractor import numerals
from extractor.numerals import MEASURE_WORDS, find_numerals, parse_numeral
from extractor.stoplist import Scanner, StopList

RULES = Path(__file__).resolve().parent.parent / "rules" / "stoplist.yaml"


@pytest.fixture(scope="module")
def stop() -> StopList:
    return StopList.load(RULES)


def found(text: str, stop: StopList) -> list[tuple]:
    """(text, value, kind) of every numeral."""
    return [(n.text, n.value, n.kind) for n in find_numerals(text, stop)]


# --- one form a case ---------------------------------------------------------------------

FORMS = [
    # Arabic figures: half/full width, separators, decimals, multipliers
    ("本季度共给予党纪处分27人", [("27", 27, "count")]),
    ("查处违纪问题2,417起", [("2,417", 2417, "count")]),
    ("罚没款1,234.56万元", [("1,234.56万", 12345600, "count")]),
    ("排查隐患点３７个", [("３７", 37, "count")]),
    ("全省立案审查8.4万件", [("8.4万", 84000, "count")]),
    ("追缴违纪款项3.6亿元", [("3.6亿", 360000000, "count")]),
    ("立案１．７万件", [("１．７万", 17000, "count")]),
    ("本轮受理来信 4215 件", [("4215", 4215, "count")]),
    # Chinese numerals
    ("抽调三十名干部组成督查组", [("三十", 30, "count")]),
    ("检查了一百零七个项目", [("一百零七", 107, "count")]),
    ("涉及两千八百户群众", [("两千八百", 2800, "count")]),
    ("开展督查十一次", [("十一", 11, "count")]),
    ("共处理一千零六十件", [("一千零六十", 1060, "count")]),
    ("扎根基层廿年", [("廿", 20, "count")]),
    ("坚守岗位卅载", [("卅", 30, "count")]),
    ("全年處分兩萬三千人", [("兩萬三千", 23000, "count")]),
    ("挽回損失4.2億元", [("4.2億", 420000000, "count")]),
    ("安置资金四百五十万元", [("四百五十万", 4500000, "count")]),
    ("查处问题7.8万个", [("7.8万", 78000, "count")]),
    ("处分副厅级以上干部贰拾叁人", [("贰拾叁", 23, "count")]),
    # percentages, points, fractions
    ("问题整改率占61.3%", [("61.3", 61.3, "percent")]),
    ("群众满意度达９７．３％", [("９７．３", 97.3, "percent")]),
    ("百分之六十五的问题已办结", [("百分之六十五", 65, "percent")]),
    ("同比上升百分之三点五", [("百分之三点五", 3.5, "percent")]),
    ("近八成问题出在基层", [("八成", 80, "percent")]),
    ("占比较上年提高4.6个百分点", [("4.6", 4.6, "points")]),
    ("四分之三的单位完成整改", [("四分之三", 0.75, "fraction")]),
    ("有2/5的问题涉及资金", [("2/5", 0.4, "fraction")]),
    # ordinals
    ("考核位列全市第四", [("第四", 4, "ordinal")]),
    ("获得第7名", [("第7", 7, "ordinal")]),
    ("排在第十五位", [("第十五", 15, "ordinal")]),
    ("稳居第一梯队", [("第一", 1, "ordinal")]),
    ("第四季度开展回头看", [("第四", 4, "ordinal")]),
    # times, years
    ("违规案件增长三倍", [("三", 3, "times")]),
    ("受理量增长2.5倍", [("2.5", 2.5, "times")]),
    ("2019年以来", [("2019", 2019, "year")]),
    ("二〇二一年工作要点", [("二〇二一", 2021, "year")]),
    # single characters: counted before a measure word only
    ("给予撤职处分的有一人", [("一", 1, "count")]),
    ("两名科长被立案审查", [("两", 2, "count")]),
    ("限三个月内整改到位", [("三", 3, "count")]),
    ("排名前三的单位", [("三", 3, "count")]),
    ("〇", [("〇", 0, "count")]),
    # no number at all
    ("干部队伍建设要久久为功", []),
    ("两岸同胞血浓于水", []),
    ("千万不能心存侥幸", []),
    ("万一出了事故怎么办", []),
    ("老百姓的事十分重要", []),
    ("一二三", []),
    ("COVID-19疫情期间", []),
    ("通过ISO9001认证", []),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_forms(stop, text, expected):
    assert found(text, stop) == expected


def test_value_types(stop):
    nums = find_numerals("处分9.3万人，占比70.9%，三分之一", stop)
    assert [type(n.value) for n in nums] == [int, float, float]


# --- stop-list at work ----------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("违反中央八项规定精神问题6起", [("6", 6, "count")]),
    ("运用“四种形态”处理3.1万人次", [("3.1万", 31000, "count")]),
    ("第二种形态占比21.5%", [("21.5", 21.5, "percent")]),
    ("落实一岗双责，约谈12人", [("12", 12, "count")]),
    ("十九届六中全会以来查处42起", [("42", 42, "count")]),
    ("一是查处一起违规吃喝问题", [("一", 1, "count")]),
    ("进一步压实责任，同一批次检查5家", [("5", 5, "count")]),
])
def test_stoplisted_parts_dropped(stop, text, expected):
    assert found(text, stop) == expected


def test_without_stoplist_formulas_may_count():
    assert [n.value for n in find_numerals("两个维护")] == [2]
    assert find_numerals("两个维护", StopList.from_entries([])) == find_numerals("两个维护")


# --- qualifiers -------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "num_text", "qualifier"), [
    ("办结线索640余件", "640", "over"),
    ("开展专项督查三十余次", "三十", "over"),
    ("追回资金六千余万元", "六千余万", "over"),
    ("涉案2.8亿余元", "2.8亿", "over"),
    ("教育帮助三万六千余人次", "三万六千", "over"),
    ("约谈300多人", "300", "over"),
    ("逾千人参加", "千", "over"),
    ("上千人参加", "千", "over"),
    ("处分数百人", "百", "over"),                  # several hundred: at least a hundred
    ("谈话几十人次", "十", "over"),
    ("超过200家企业", "200", "over"),
    ("至少3名干部", "3", "over"),
    ("50人以上的单位", "50", "over"),
    ("三分之一以上的部门", "三分之一", "over"),
    ("约300人", "300", "approx"),
    ("近5000人", "5000", "approx"),
    ("大约六十人", "六十", "approx"),
    ("200人左右", "200", "approx"),
    ("不足10%", "10", "under"),
    ("不到二十人", "二十", "under"),
    ("多达60人", "60", "exact"),
    ("整改率达**%", "**", "redacted"),
])
def test_qualifier(stop, text, num_text, qualifier):
    (n,) = find_numerals(text, stop)
    assert (n.text, n.qualifier) == (num_text, qualifier)


def test_qualifier_values():
    (n,) = find_numerals("追回资金六千余万元")
    assert n.value == 60_000_000


# --- ranges -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value", "high"), [
    ("每组5至8人", 5, 8),
    ("整改期限3—5年", 3, 5),
    ("每批10-15人", 10, 15),
    ("抽查四五个单位", 4, 5),
    ("七八十万人口", 700000, 800000),
    ("两到三万元", 20000, 30000),
    ("1至6月", 1, 6),
    ("二十至三十人", 20, 30),
    ("增长5%-8%", 5, 8),
    ("2020—2022年", 2020, 2022),
])
def test_range(stop, text, value, high):
    (n,) = find_numerals(text, stop)
    assert (n.value, n.value_high) == (value, high)


def test_range_kinds(stop):
    (pct,) = find_numerals("增长5%-8%", stop)
    assert pct.kind == "percent"
    (year,) = find_numerals("2020—2022年", stop)
    assert year.kind == "year"


def test_not_a_range(stop):
    assert [n.value for n in find_numerals("2023-12-01", stop)] == [2023, 12, 1]
    assert [(n.value, n.value_high) for n in find_numerals("约3亿~8000万", stop)] == [
        (300000000, None), (80000000, None)]


def test_negative(stop):
    assert [n.value for n in find_numerals("同比-3.5%，负百分之二", stop)] == [-3.5, -2]
    assert find_numerals("肩负一份责任", stop)[0].value == 1


# --- redaction marks ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["发现问题ｘ个", "处分xx人", "整改率达XX%", "查处**余家", "约谈×名干部", "第**"])
def test_redaction_counts(stop, text):
    (n,) = find_numerals(text, stop)
    assert n.kind == "redacted" and n.value is None and n.qualifier == "redacted"


@pytest.mark.parametrize("text", [
    "ｘ县纪委监委", "市**局党组", "*同志作了讲话", "按照ｘ办发〔ｘ〕ｘ号文件", "x月x日召开会议", "Maximum 值",
])
def test_redaction_marks_that_are_no_number(stop, text):
    assert find_numerals(text, stop) == []


# --- single-character gating ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "values"), [
    ("一岗双责", []),
    ("统一部署", []),
    ("三会一课", []),
    ("一人", [1]),
    ("两名干部", [2]),
    ("两个月内", [2]),
    ("五四精神", []),
    ("五四个", []),
    ("三四个", [3, 4]),
    ("一九四九年", [1949]),
    ("十分关键", []),
    ("十人", [10]),
    ("百姓", []),
    ("百人", [100]),
    ("第一", [1]),
    ("完成率为百分之百", [100]),
    ("三倍", [3]),
])
def test_single_character_gating(text, values):
    nums = find_numerals(text)
    got = [v for n in nums for v in (n.value, n.value_high) if v is not None]
    assert sorted(got) == values


def test_measure_words():
    assert {"人", "人次", "名", "起", "件", "件次", "个", "個", "项", "條", "条", "家", "类",
            "种", "次", "场", "位", "轮", "批", "期", "所", "处"} <= MEASURE_WORDS
    assert isinstance(MEASURE_WORDS, frozenset)


# --- offsets, scripts, no text-wide transform --------------------------------------------------

PARAGRAPH = (
    "2021年，全区纪检监察机关共收到群众来信来访４，６０８件次（其中检举控告类2,113件），"
    "办结问题线索730余件，立案审查41.7万件，處分12.6萬人。通过“四种形态”教育提醒"
    "八千三百余人次，第一种形态占比72.4％；受到撤职处分的有一人，两名科长受到诫勉，走访五六个村。"
    "处分数量较上年下降3.4个百分点，约为总量的三分之二，年度考评排名第六，案件数增长三倍，"
    "发现问题ｘ个，完成率为xx%，每批4至6人，坚守一线卅载，百分之二十点五。一是压实责任，"
    "严格落实一岗双责，严守中央八项规定，学习二十届三中全会精神。\n（二）二〇二二年3—11月。"
)


def test_offsets_hold_on_a_mixed_paragraph(stop):
    nums = find_numerals(PARAGRAPH, stop)
    assert len(nums) >= 20
    for n in nums:
        assert PARAGRAPH[n.start:n.end] == n.text
    assert [n.start for n in nums] == sorted(n.start for n in nums)
    texts = [n.text for n in nums]
    assert "４，６０８" in texts and "41.7万" in texts and "12.6萬" in texts and "第六" in texts
    assert "ｘ" in texts and "3—11" in texts and "二〇二二" in texts
    assert "八" not in texts and "二十" not in texts and "二" not in texts


def test_traditional_script(stop):
    assert found("全年處分8.7萬人，其中兩名廳級幹部，挽回損失參億元", stop)[:2] == [
        ("8.7萬", 87000, "count"), ("兩", 2, "count")]
    assert parse_numeral("兩千七") == 2700


def test_full_width(stop):
    assert found("占比９３．８％，结案４．１万件", stop) == [
        ("９３．８", 93.8, "percent"), ("４．１万", 41000, "count")]


def test_no_text_wide_transform(monkeypatch, stop):
    def refuse(*args, **kwargs):
        raise AssertionError("cn2an.transform must not be used")

    monkeypatch.setattr(cn2an, "transform", refuse)
    assert found("压实一岗双责，查处十三起案件", stop) == [("十三", 13, "count")]
    assert "transform(" not in inspect.getsource(numerals)


# --- parse_numeral ----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [
    ("三十", 30), ("8.6万", 86000), ("壹拾贰", 12), ("300亿零五千120", 30000005120),
    ("４．７万", 47000), ("兩千七", 2700), ("十七万五", 175000), ("一百三", 130),
    ("一千零二", 1002), ("廿三", 23), ("卅", 30), ("〇", 0), ("二〇一九", 2019),
    ("负十二", -12), ("-20.5万", -205000), ("零点五", 0.5), ("百分之六十", 60), ("66.5%", 66.5),
    ("三分之一", 1 / 3), ("七千余万", 70_000_000), ("3,456", 3456), ("贰拾叁元肆角", 23.4),
    ("近800万元", 8_000_000), ("36500美元", 36500),
])
def test_parse_numeral(text, value):
    got = parse_numeral(text)
    assert got == pytest.approx(value)
    assert isinstance(got, int) == isinstance(value, int)


@pytest.mark.parametrize("text", ["", "   ", "一岗双责？不，干部", "abc"])
def test_parse_numeral_none(text):
    assert parse_numeral(text) is None


def test_a_number_listed_after_an_ordinal_is_an_ordinal(stop):
    assert [(n.text, n.kind) for n in find_numerals("完成第三、四轮巡察", stop)] == [("第三", "ordinal"), ("四", "ordinal")]
    assert [(n.text, n.kind) for n in find_numerals("位列第二，处分3人、4人", stop)] == [
        ("第二", "ordinal"), ("3", "count"), ("4", "count")]                 # not after the ordinal itself


def _shapes() -> list[str]:
    """Every span of up to three numeral characters, and years read digit by digit."""
    chars = "零〇一二三四五六七八九两十百千万亿"
    spans = list(chars + "壹贰叁肆伍陆柒捌玖拾佰仟")
    spans += [a + b for a in chars for b in chars]
    spans += [a + b + c for a in chars for b in chars for c in chars]
    spans += [f"{a}{b}{c}{d}" for a in "一二" for b in "〇九" for c in "〇一二九" for d in "〇五九"]
    spans += ["17万1542", "3万0042", "120万9999", "5万12345", "5万123", "0万1234", "1万1000"]
    return spans


def test_plain_shapes_read_as_cn2an_reads_them():
    """`_plain_cn` spares importing cn2an for the commonest numerals; wherever it answers, the
    answer is cn2an's (normal mode, then smart, as `_cn2an` asks)."""
    answered = 0
    for span in _shapes():
        plain = numerals._plain_cn(span)
        if plain is not None:
            answered += 1
            assert plain == numerals._by_cn2an(span), span
    assert answered > 300


# --- word parts dropped before they are read ----------------------------------------------

_PIECES = (list("一二三四五两十百千万亿零〇廿") + ["xx", "**", "ｘ", "12", "3.5", "第", "前", "负", "-", "至", "到", "～",
           "—", "、", "，", "和", "与", "%", "成", "倍", "年", "个", "人", "起", "余", "多", "几", " ", "\n", "百分点",
           "分之", "统", "些", "定", "步", "会", "党", "中", "全", "大", "“", "”", "是", "方面", "次", "届"])


@pytest.mark.parametrize("seed", range(4))
def test_word_parts_dropped_early_change_nothing(seed, stop, monkeypatch):
    """`_cannot_count` (and the scanner passing over lone word-part characters) only drops what
    the numeral gate would drop anyway and what could join no range or list: find_numerals gives
    the same numerals with them and without them, on texts made of numeral characters, measure
    words, connectors, list words, signs and ordinary characters."""
    import random

    rng = random.Random(seed)
    texts = ["".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 14))) for _ in range(1500)]
    with_it = [find_numerals(t, stop) for t in texts]
    monkeypatch.setattr(numerals, "_cannot_count", lambda m, norm: False)
    monkeypatch.setattr(numerals, "_SCANNER", Scanner(numerals._SCAN))
    without = [find_numerals(t, stop) for t in texts]
    assert with_it == without
    assert sum(map(len, with_it)) > 1000            # the texts hold numerals to compare


def test_word_parts_are_dropped_early():
    """统一 · 一些 · 千万 · a redaction mark in a name are no numerals and are not read at all."""
    text = "统一思想，注意一些问题，他千万要注意，张**同志"
    assert [m.group() for m in Scanner(numerals._SCAN).matches(text)] == ["一", "一", "千万", "**"]
    assert [m.group() for m in numerals._SCANNER.matches(text)] == ["千万", "**"]      # 一 passed over
    assert [m for m in numerals._SCANNER.matches(text) if not numerals._cannot_count(m, text)] == []

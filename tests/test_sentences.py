from extractor.sentences import is_heading_line, split_sentences

TEXT = "一、2023年工作回顾\n今年共处分10人。其中，县处级2人！“要严字当头。”他说\n\n（二）强化监督。\n"


def test_offsets_and_lines():
    sentences = split_sentences(TEXT)
    for s in sentences:
        assert TEXT[s.start:s.end] == s.text
    assert [s.text for s in sentences] == [
        "一、2023年工作回顾", "今年共处分10人。", "其中，县处级2人！", "“要严字当头。”", "他说", "（二）强化监督。"]
    assert [s.line for s in sentences] == [1, 2, 2, 2, 2, 4]


def test_closing_quote_stays_with_its_sentence():
    s = split_sentences("他强调：“纪律严明。”随后散会。")
    assert s[0].text == "他强调：“纪律严明。”"


def test_headings():
    assert is_heading_line("一、2021年工作回顾 ")
    assert is_heading_line("（六）制度建设不断规范完善。")
    assert is_heading_line("在全县廉政工作会议上的讲话")
    assert not is_heading_line("同志们：")
    assert not is_heading_line("全年处分10人。其中县处级2人。")
    assert not is_heading_line("总体上看，今年工作具有几个明显特征：")


def test_split_semicolon_and_exclamation():
    s = split_sentences("立案5件；结案3件!完毕")
    assert [x.text for x in s] == ["立案5件；", "结案3件!", "完毕"]


def test_heading_levels():
    from extractor.sentences import UNNUMBERED, heading_level

    assert [heading_level(h) for h in ("第二部分 总体要求", "一、2023年工作回顾", "（二）强化监督", "3. 巡察", "（4）整改")] \
        == [0, 1, 2, 3, 4]
    assert heading_level("在全县廉政工作会议上的讲话") == UNNUMBERED


def test_white_space_and_bare_end_marks():
    text = "  甲乙 。  丙丁  \n\u3000；戊\t\n \n己庚"
    sentences = split_sentences(text)
    assert [(s.text, s.line) for s in sentences] == [("甲乙 。", 1), ("丙丁", 1), ("；", 2), ("戊", 2), ("己庚", 4)]
    for s in sentences:
        assert text[s.start:s.end] == s.text
    assert split_sentences("") == [] and split_sentences(" \n\n ") == []


def test_a_single_line_splits_as_the_same_line_of_a_longer_text():
    """One line (no line break) takes the short path: the same sentences as that line below another."""
    for line in ("（三）强化执纪问责。", "  岭南镇处分4人；立案2件。 “好！”他说  ", "二、2019年重点工作", "。。甲", "乙\t丙"):
        alone = split_sentences(line)
        below = split_sentences("首行。\n" + line)[1:]
        assert alone == [s._replace(start=s.start - 4, end=s.end - 4, line=1) for s in below]


def test_sentences_are_those_a_scan_of_each_line_finds():
    """Sentences of a whole text (offsets, line numbers, headings) equal a scan of each line on its
    own, with white space of every kind, blank lines and a last line with or without a break."""
    import random

    from extractor.sentences import _SENTENCE

    rng = random.Random(7)
    pieces = ["柳河", "丙", "。", "！", "？", "；", "!", "”", "）", " ", "\u3000", "\t", "\n", "\n\n", "\r", "一、",
              "（二）", "2031年", "：", "，"]
    for _ in range(500):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        expected, start = [], 0
        for number, line in enumerate(text.split("\n"), start=1):
            heading = is_heading_line(line)
            expected += [(start + m.start(), start + m.end(), m.group(), number, heading) for m in _SENTENCE.finditer(line)]
            start += len(line) + 1
        assert [tuple(s) for s in split_sentences(text)] == expected

"""Load rule files (YAML, one per claim family) and compile their patterns once per run.

A pattern is text with placeholders; everything outside a placeholder is literal:

    {number}   the numeral the claim is about (exactly one of {number} / {rank} per pattern)
    {rank}     the same, for ordinals (第五)
    {subject}  a phrase naming what is counted; it must hold one of the rule's `subjects`
    {any}      a phrase with no such condition (may be empty)
    {gap}      up to 12 characters of filler
    {unit}     one of the rule's `units` ({unit?}: optional)
    {field}    another numeral and the group it counts (40个部门): the field of a ranking
    {NAME}     any word list the file declares under `words:`

`regex:` instead of `pattern:` is the escape hatch: a raw regular expression over the sentence
(simplified characters, numerals masked), with groups `number` and optionally `subject`, `unit`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .script import to_simplified

# Numerals are masked in the text rules see: first character NUM_HEAD, the rest NUM_TAIL.
NUM_HEAD = "\ue000"
NUM_TAIL = "\ue001"
# Clause separators: no phrase placeholder crosses one.
SEPARATORS = "，,；;。！？!?：:\n"
_PHRASE = f"[^{SEPARATORS}{NUM_HEAD}{NUM_TAIL}]"
# After the number a phrase also stops at 、: what follows it is the next item of a list
# (暂存待查50件、予以了结100件), while before it 、 joins the measures one number counts.
_PHRASE_AFTER = f"[^{SEPARATORS}、{NUM_HEAD}{NUM_TAIL}]"
_NUMBER = f"(?P<number>{NUM_HEAD}{NUM_TAIL}*)"
# What may stand between a numeral and its unit: 余/多 qualifiers, a space left by PDF extraction.
_AFTER_NUMBER = r"\s?(?:余|多|来)?\s?"

SCHEMA_FILE = "schema.json"
NOT_FAMILIES = ("stoplist.yaml", "indicators.yaml", "tables.yaml")    # data files of the rules folder that are no rule family
COUNT_KINDS = ("count", "redacted")
KNOWN_KINDS = {"count", "redacted", "percent", "fraction", "points", "ordinal", "times", "year"}
_PLACEHOLDER = re.compile(r"\{(\w+\??)\}")
# Phrases before the number are lazy (the words after them take the longest reading, 位列 not 列);
# phrases after it are greedy (they run to the end of the clause). Marked, then resolved per side.
_GREEDY = "}\x00"


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message names file and line."""


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # libyaml's parser when present
    """SafeLoader that records the line of each mapping under `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class Example:
    """A sentence from a rule file and the claims it must produce (none for a negative example)."""

    text: str
    claims: list[dict]
    file: str
    line: int


@dataclass
class Rule:
    """One compiled pattern of a family."""

    id: str
    family: str
    category: str
    priority: int
    order: int
    source: str                      # the pattern or regex as written
    left: re.Pattern | None          # matched so that it ends right before the numeral
    right: re.Pattern | None         # matched right after the numeral
    whole: Any                       # escape hatch: a raw regex over the sentence (regex module)
    subject_words: re.Pattern | None
    context_words: re.Pattern | None
    unless_words: re.Pattern | None  # none of these may stand in the claim's clause
    background_words: re.Pattern | None   # none of these may stand in the sentence before the number
    not_numerals: frozenset[str]     # numerals, as written, the rule never takes (一 of 一份答卷)
    kinds: frozenset[str]
    unit_default: str
    unit_map: dict[str, str]
    uses_field: bool
    fallback: bool                   # tried only after a numeral found no other reading
    file: str
    line: int
    right_test: str | None = None    # `right`'s regex without its groups: many rules tested in one call


@dataclass
class RuleSet:
    """All rules of a run, in the order they are tried, with the examples of their files."""

    rules: list[Rule] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)
    units: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)

    def table(self) -> list[dict]:
        """One row per rule, for the `rules` sheet."""
        return [{"rule": r.id, "category": r.category, "pattern": r.source,
                 "file": r.file, "line": r.line} for r in self.rules]


def load_rules(folders: Path | str | Sequence[Path | str], validate: bool = True) -> RuleSet:
    """Every family file (*.yaml except stoplist.yaml, indicators.yaml and tables.yaml) of `folders`,
    merged, compiled and validated against rules/schema.json (`validate=False`: files known to pass it).

    A file whose `family:` was already read extends it: its subjects, units, context words, word
    lists and examples are added, and its rules are added or, from a later folder, replace the
    rule of the same id.
    """
    folders = [Path(folders)] if isinstance(folders, (str, Path)) else [Path(f) for f in folders]
    families: dict[str, _Family] = {}
    for rank, folder in enumerate(folders):
        if not folder.is_dir():
            raise RuleFileError(f"{folder}: no such rules folder")
        for path in sorted(folder.glob("*.yaml")):
            if path.name not in NOT_FAMILIES:
                _add_file(path, rank, families, validate)
    ruleset = RuleSet()
    for family in families.values():
        _compile_family(family, ruleset)
    if not ruleset.rules:
        raise RuleFileError(f"{', '.join(map(str, folders))}: no rules found in any *.yaml file")
    ruleset.rules.sort(key=lambda r: (r.priority, r.order))
    return ruleset


@dataclass
class _Family:
    """A family as read from one or more files, before compilation."""

    data: dict
    rules: dict[str, tuple[dict, Path, int]] = field(default_factory=dict)   # id -> (spec, file, folder rank)
    examples: list[Example] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


_MERGED_LISTS = ("subjects", "units", "context", "unless", "background")


def _add_file(path: Path, rank: int, families: dict[str, _Family], validate: bool = True) -> None:
    data = read_yaml(path)
    where = f"{path}:{data.get('__line__', 1)}"
    if validate:
        validate_against_schema(data, path)
    name = str(data["family"])
    family = families.get(name)
    if family is None:
        for key in ("category", "rules"):
            if key not in data:
                raise RuleFileError(f"{where}: missing `{key}:`")
        family = families[name] = _Family({k: v for k, v in data.items() if k not in ("rules", "examples")})
    else:
        _extend(family.data, data, where)
    family.files.append(str(path))
    family.examples.extend(_examples({**family.data, **data, "category": family.data["category"]}, path))
    for spec in data.get("rules") or []:
        if not isinstance(spec, dict) or "id" not in spec:
            raise RuleFileError(f"{path}:{data['__line__']}: each entry of `rules:` is a mapping with an `id:`")
        rule_id = str(spec["id"])
        if rule_id in family.rules and family.rules[rule_id][2] == rank:
            first = family.rules[rule_id]
            raise RuleFileError(f"{path}:{spec['__line__']}: duplicate rule id `{rule_id}` "
                                f"(first in {first[1]}:{first[0]['__line__']})")
        family.rules[rule_id] = (spec, path, rank)


def _extend(base: dict, extra: dict, where: str) -> None:
    """Merge an extension file of a family into what was read before."""
    for key in _MERGED_LISTS:
        if key in extra:
            base[key] = _word_list(base.get(key), where, key) + _word_list(extra[key], where, key)
    words = dict(base.get("words") or {})
    for name, value in (extra.get("words") or {}).items():
        if name != "__line__":
            words[name] = _word_list(words.get(name), where, name) + _word_list(value, where, name)
    base["words"] = words
    for key in ("category", "priority", "description", "kinds", "unit_map", "fallback"):
        if key in extra:
            base[key] = extra[key]


def _compile_family(family: _Family, ruleset: RuleSet) -> None:
    data = family.data
    where = f"{family.files[0]}:{data.get('__line__', 1)}"
    words = {name: _word_list(v, where, f"words.{name}")
             for name, v in (data.get("words") or {}).items() if name != "__line__"}
    seen = {r.id: f"{r.file}:{r.line}" for r in ruleset.rules}
    for spec, path, _rank in family.rules.values():
        rule = _compile_rule(spec, data, words, path, len(ruleset.rules))
        if rule.id in seen:
            raise RuleFileError(f"{path}:{rule.line}: duplicate rule id `{rule.id}` (first in {seen[rule.id]})")
        ruleset.rules.append(rule)
        ruleset.units.update(_word_list(spec.get("units", []), f"{path}:{rule.line}", "units"))
    ruleset.units.update(_word_list(data.get("units", []), where, "units"))
    ruleset.examples.extend(family.examples)
    ruleset.files.extend(family.files)


def read_yaml(path: Path) -> dict:
    try:
        source = path.read_text(encoding="utf-8")
        refuse_aliases(source, path)
        data = yaml.load(source, Loader=_LineLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        line = mark.line + 1 if mark else 1
        raise RuleFileError(f"{path}:{line}: YAML syntax error: {err.problem}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RuleFileError(f"{path}:1: cannot read: {err}") from None
    if not isinstance(data, dict):
        raise RuleFileError(f"{path}:1: a rule file is a mapping with `family:`, `rules:` …")
    return data


def refuse_aliases(source: str, path: Path | str) -> None:
    """Refuse YAML anchors and aliases (&name, *name) in a rule file: a few lines of nested
    aliases expand to billions of nodes (an alias bomb), and rule files never need them.
    The scan is linear and expands nothing; syntax errors are left to the parser."""
    try:
        for token in yaml.scan(source, Loader=_LineLoader):
            if isinstance(token, (yaml.AnchorToken, yaml.AliasToken)):
                raise RuleFileError(f"{path}:{token.start_mark.line + 1}: YAML anchors and aliases (&name, *name) "
                                    "are not allowed in rule files; write the list out")
    except yaml.MarkedYAMLError:
        return


def installed_rules_dir() -> Path:
    """The rules shipped with the package: rules/ of a source checkout, or its installed copy."""
    package = Path(__file__).resolve().parent
    checkout = package.parent / "rules"
    if (checkout / SCHEMA_FILE).is_file():
        return checkout
    return package / "rules_data"          # where pip installs rules/ (see pyproject.toml)


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema

    schema = json.loads((installed_rules_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def validate_against_schema(data: dict, path: Path) -> None:
    """Check a family file against rules/schema.json; the first fault is raised as file:line."""
    errors = sorted(_schema_validator().iter_errors(_without_lines(data)), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    where = ".".join(str(p) for p in err.absolute_path) or "the file"
    raise RuleFileError(f"{path}:{_line_at(data, list(err.absolute_path))}: {err.message} (in {where}); "
                        f"see rules/schema.json")


def _without_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_lines(v) for k, v in value.items() if k != "__line__"}
    if isinstance(value, list):
        return [_without_lines(v) for v in value]
    return value


def _line_at(data: Any, path: list) -> int:
    """Line of the innermost mapping on `path` through the YAML data."""
    line = data.get("__line__", 1) if isinstance(data, dict) else 1
    node = data
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            line = node.get("__line__", line)
    return line


def _word_list(value: Any, where: str, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise RuleFileError(f"{where}: `{name}` must be a list of words")
    return [to_simplified(str(v)) for v in value]


def _alternation(words: list[str]) -> str:
    """Regex alternative of `words`, longest first, each literal."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)) + ")"


def _compile_rule(spec: dict, family: dict, words: dict[str, list[str]], path: Path, order: int) -> Rule:
    line = spec.get("__line__", family.get("__line__", 1))
    where = f"{path}:{line}"
    if "id" not in spec:
        raise RuleFileError(f"{where}: a rule needs an `id:`")
    if ("pattern" in spec) == ("regex" in spec):
        raise RuleFileError(f"{where}: rule `{spec['id']}` needs exactly one of `pattern:` or `regex:`")
    subjects = _word_list(spec.get("subjects", family.get("subjects")), where, "subjects")
    units = _word_list(spec.get("units", family.get("units")), where, "units")
    context = _word_list(spec.get("context", family.get("context")), where, "context")
    unless = _word_list(family.get("unless"), where, "unless") + _word_list(spec.get("unless"), where, "unless")
    background = _word_list(family.get("background"), where, "background")
    kinds = frozenset(spec.get("kinds", family.get("kinds", COUNT_KINDS)))
    if not kinds <= KNOWN_KINDS:
        raise RuleFileError(f"{where}: unknown kind(s) {sorted(kinds - KNOWN_KINDS)}; known: {sorted(KNOWN_KINDS)}")
    unit_map = {to_simplified(k): v for k, v in (family.get("unit_map") or {}).items() if k != "__line__"}
    unit_map.update({to_simplified(k): v for k, v in (spec.get("unit_map") or {}).items() if k != "__line__"})
    left = right = whole = None
    uses_field = False
    if "pattern" in spec:
        left, right, uses_field = _compile_pattern(str(spec["pattern"]), subjects, units, words, where)
    else:
        whole = compile_user_regex(str(spec["regex"]), where)
        if "number" not in whole.groupindex:
            raise RuleFileError(f"{where}: `regex:` of `{spec['id']}` needs a group (?P<number>…)")
    return Rule(
        id=str(spec["id"]), family=str(family["family"]), category=str(spec.get("category", family["category"])),
        priority=int(family.get("priority", 50)), order=order, source=str(spec.get("pattern", spec.get("regex"))),
        left=left, right=right, whole=whole,
        subject_words=re.compile(_alternation(subjects)) if subjects else None,
        context_words=re.compile(_alternation(context)) if context else None,
        unless_words=re.compile(_alternation(unless)) if unless else None,
        background_words=re.compile(_alternation(background)) if background else None,
        not_numerals=frozenset(_word_list(spec.get("not_numerals", family.get("not_numerals")), where,
                                          "not_numerals")),
        kinds=kinds, unit_default=to_simplified(str(spec.get("unit_default", ""))), unit_map=unit_map,
        uses_field=uses_field, fallback=bool(family.get("fallback", False)), file=str(path), line=line,
        right_test=_without_groups(right.pattern) if right is not None else None,
    )


def _compile_pattern(pattern: str, subjects: list[str], units: list[str],
                     words: dict[str, list[str]], where: str) -> tuple[re.Pattern | None, re.Pattern | None, bool]:
    """Left and right regexes of a placeholder pattern, split at {number}/{rank}."""
    pieces = _PLACEHOLDER.split(pattern)   # literal, name, literal, name, …
    anchors = [i for i in range(1, len(pieces), 2) if pieces[i] in ("number", "rank")]
    if len(anchors) != 1:
        raise RuleFileError(f"{where}: pattern `{pattern}` needs exactly one {{number}} or {{rank}}")
    cut = anchors[0]
    left = "".join(_expand(pieces, range(0, cut), subjects, units, words, where, pattern)).replace(_GREEDY, "}?")
    right = "".join(_expand(pieces, range(cut + 1, len(pieces)), subjects, units, words, where, pattern))
    right = right.replace(_GREEDY, "}").replace(_PHRASE, _PHRASE_AFTER)
    uses_field = "field" in pieces[1::2]
    left_re = compile_pattern(left + r"\Z", where) if left else None
    right_re = compile_pattern(_AFTER_NUMBER + right, where) if right else None
    return left_re, right_re, uses_field


def _without_groups(regex: str) -> str:
    """A pattern's regex with its placeholders' named groups made plain (literal text is escaped,
    so only a placeholder writes `(?P<`)."""
    for name in ("subject", "unit", "field"):
        regex = regex.replace(f"(?P<{name}>", "(?:")
    return regex


def _expand(pieces: list[str], indexes: range, subjects: list[str], units: list[str],
            words: dict[str, list[str]], where: str, pattern: str) -> list[str]:
    out = []
    for i in indexes:
        piece = pieces[i]
        if i % 2 == 0:
            out.append(re.escape(to_simplified(piece)))
            continue
        optional = piece.endswith("?")
        name = piece.rstrip("?")
        out.append(_placeholder(name, subjects, units, words, where, pattern) + ("?" if optional else ""))
    return out


def _placeholder(name: str, subjects: list[str], units: list[str], words: dict[str, list[str]],
                 where: str, pattern: str) -> str:
    if name == "subject":
        if not subjects:
            raise RuleFileError(f"{where}: {{subject}} in `{pattern}` but the rule has no `subjects:`")
        return f"(?P<subject>{_PHRASE}{{1,40{_GREEDY})"
    if name == "any":
        return f"(?P<subject>{_PHRASE}{{0,40{_GREEDY})"
    if name == "gap":
        return f"{_PHRASE}{{0,12}}?"
    if name == "unit":
        if not units:
            raise RuleFileError(f"{where}: {{unit}} in `{pattern}` but the rule has no `units:`")
        return f"(?P<unit>{_alternation(units)})"
    if name == "field":
        return f"(?P<field>{NUM_HEAD}{NUM_TAIL}*)[个家名所]?{_PHRASE}{{0,20}}?"
    if name in words:
        return _alternation(words[name])
    known = ", ".join(["number", "rank", "subject", "any", "gap", "unit", "field", *sorted(words)])
    raise RuleFileError(f"{where}: unknown placeholder {{{name}}} in `{pattern}`; known: {known}")


# A raw `regex:` is matched with the `regex` engine and a time limit per sentence, and probed
# when loaded: one that backtracks catastrophically is refused, naming its file and line.
REGEX_TIMEOUT = 0.25        # seconds per sentence and rule
_PROBE_LENGTH = 2000


def compile_user_regex(source: str, where: str):
    """A raw regex from a rule file, compiled for time-limited matching and probed for backtracking."""
    import regex

    try:
        compiled = regex.compile(source)
    except regex.error as err:
        raise RuleFileError(f"{where}: pattern does not compile: {err}") from None
    for probe in _probes(source):
        try:
            compiled.search(probe, timeout=REGEX_TIMEOUT)
        except TimeoutError:
            raise RuleFileError(
                f"{where}: the regex backtracks catastrophically (over {REGEX_TIMEOUT} s on a "
                f"{len(probe):,}-character probe); bound its repeats ({{0,20}}) or make alternatives exclusive"
            ) from None
    return compiled


# A member of each character class rule regexes use (\d, \w, \s, hanzi, punctuation, masked numerals):
# a nested repeat over a class chokes on a run of its members. These runs are shorter than those
# of the regex's own characters: long enough for exponential backtracking to time out, short
# enough that a plain repeat (\d+人), quadratic at worst, passes.
_CLASS_MEMBERS = "1a中 ，,、" + NUM_TAIL
_CLASS_PROBE_LENGTH = 600
_REGEX_SYNTAX = set("\\()[]{}?*+|^$.-")


def _probes(source: str) -> list[str]:
    """Texts built from the regex's own characters and from members of common character
    classes (alone, with spaces, all together), which nested repeats choke on."""
    chars = sorted({ch for ch in source if ch.isalnum() or ch in NUM_HEAD + NUM_TAIL}) or ["a"]
    runs = [ch * _PROBE_LENGTH for ch in chars[:20]] + ["".join(chars) * (_PROBE_LENGTH // len(chars))]
    members = sorted(set(_CLASS_MEMBERS) | {ch for ch in source if ch not in _REGEX_SYNTAX and ch.isprintable()})
    runs += [ch * _CLASS_PROBE_LENGTH for ch in members[:30]]
    runs += [(ch + " ") * (_CLASS_PROBE_LENGTH // 2) for ch in _CLASS_MEMBERS[:3]]
    runs.append("".join(members) * (_CLASS_PROBE_LENGTH // len(members)))
    return [head + run + "\u3002" for run in runs for head in ("", NUM_HEAD, NUM_HEAD + NUM_TAIL)]


def compile_pattern(regex: str, where: str) -> re.Pattern:
    """`re.compile`, a fault raised as a RuleFileError naming `where` (file:line)."""
    try:
        return re.compile(regex)
    except re.error as err:
        raise RuleFileError(f"{where}: pattern does not compile: {err}") from None


def _examples(data: dict, path: Path) -> list[Example]:
    out = []
    for item in data.get("examples") or []:
        line = item.get("__line__", 1) if isinstance(item, dict) else data["__line__"]
        if not isinstance(item, dict) or "text" not in item:
            raise RuleFileError(f"{path}:{line}: an example is a mapping with `text:` and `claims:`")
        claims = item.get("claims") or []
        if not isinstance(claims, list):
            raise RuleFileError(f"{path}:{line}: `claims:` of an example must be a list")
        default = {"category": data["category"]}
        out.append(Example(str(item["text"]), [{**default, **c} for c in claims], str(path), line))
    return out

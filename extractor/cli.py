"""Command line: `extractor run | explain | check-rules | test-rules | eval | annotate`."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from .cliargs import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SKIPPED,
    EXIT_USAGE,
    add_rules_option,
    inputs_missing,
)
from .reader import ReadError
from .rules import REGEX_TIMEOUT, RuleFileError
from .ruletests import require_examples_pass, run_examples
from .run import ENGINES, NoDocuments, OutputError, default_jobs, run


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `extractor` console script."""
    args = _parser().parse_args(argv)
    status = EXIT_OK
    try:
        status = args.func(args)
        sys.stdout.flush()
    except RuleFileError as err:
        print(f"rule error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:                 # `extractor run | head -1`: the reader left, the outputs are written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # no second error at exit
    except KeyboardInterrupt:
        print(f"interrupted{_kept(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except NoDocuments as err:
        for line in err.skipped:
            print(f"skipped {line}", file=sys.stderr)
        print(f"error: {err}{_kept(args)}", file=sys.stderr)
        return EXIT_SKIPPED if err.skipped else EXIT_USAGE
    except OutputError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as err:                  # writing failed: disk full, folder removed, permission …
        where = f" {err.filename}" if err.filename else ""
        print(f"error: cannot write{where}: {err.strerror or err}{_kept(args)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:                # a bug: one line, the traceback only when asked for
        if os.environ.get("EXTRACTOR_DEBUG"):
            raise
        print(f"internal error: {type(err).__name__}: {err}{_kept(args)} "
              "(set EXTRACTOR_DEBUG=1 to see where)", file=sys.stderr)
        return EXIT_FAILED
    return status


def _kept(args: argparse.Namespace) -> str:
    """What a failed `run` left as it was."""
    out = getattr(args, "out", None)
    return f"; the outputs in {out} are left as they were" if args.command == "run" and out else ""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="extractor", description="Statistical claims from Chinese official texts.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="extract and audit claims; write CSV, XLSX and an HTML review page")
    p.add_argument("inputs", nargs="*", type=Path, default=[Path("corpus")], help="files or folders (default: corpus/)")
    add_rules_option(p)
    p.add_argument("--out", type=Path, default=Path("output"), help="output folder (default: output/)")
    p.add_argument("--year", type=int, default=None, help="the year the documents speak from (for 去年/今年)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--jobs", type=_positive, default=default_jobs(), metavar="N",
                   help="worker processes (default: all cores, %(default)s here); 1: no workers")
    p.add_argument("--engine", choices=ENGINES, default="local",
                   help="local (this machine, --jobs processes) or dask (a Dask cluster; needs '.[dask]')")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler, e.g. tcp://host:8786 (default: a local cluster "
                        "of --jobs workers)")
    p.add_argument("--report", action=argparse.BooleanOptionalAction, default=True,
                   help="write report.html, the review page holding every document's text (default: on)")
    p.add_argument("--dump-text", type=Path, metavar="DIR",
                   help="write each document's decoded text, the text every offset refers to, to DIR/<doc>.txt")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("explain", help="show how a sentence is read: numerals, stop-list, rules tried, claims")
    p.add_argument("sentence", nargs="?", help="the sentence (or use --file and --line)")
    p.add_argument("--file", type=Path, help="a document to take the sentence from")
    p.add_argument("--line", type=int, help="the line of --file (1-based)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    add_rules_option(p)
    p.add_argument("--year", type=int, default=None)
    p.set_defaults(func=_cmd_explain)

    p = sub.add_parser("check-rules", help="validate rule files (syntax, keys, placeholders, regexes, ids)")
    p.add_argument("rules", nargs="*", type=Path, help="rules folders (default: rules/)")
    p.set_defaults(func=_cmd_check_rules)

    p = sub.add_parser("test-rules", help="run every example sentence of the rule files")
    p.add_argument("rules", nargs="*", type=Path, help="rules folders (default: rules/)")
    p.set_defaults(func=_cmd_test_rules)

    p = sub.add_parser("eval", help="score the extractor against a gold CSV or annotated xlsx")
    p.add_argument("gold", type=Path, help="gold CSV (shared/gold format) or xlsx from `extractor annotate`")
    p.add_argument("inputs", nargs="*", type=Path, default=[Path("corpus")], help="files or folders (default: corpus/)")
    add_rules_option(p)
    p.add_argument("--year", type=int, default=None, help="the year the documents speak from (for 去年/今年)")
    p.add_argument("--xlsx", type=Path, default=None, help="write scores, misses, extras, wrong_fields here")
    p.add_argument("--show", type=int, default=20, help="misses, extras and wrong fields listed (default 20)")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("annotate", help="write a starting gold sheet (xlsx) to mark by hand")
    p.add_argument("inputs", nargs="*", type=Path, default=[Path("corpus")], help="files or folders (default: corpus/)")
    p.add_argument("--out", type=Path, required=True, help="the workbook to write, e.g. gold.xlsx")
    add_rules_option(p)
    p.add_argument("--year", type=int, default=None, help="the year the documents speak from (for 去年/今年)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists (marks in it are lost)")
    p.set_defaults(func=_cmd_annotate)
    return parser


# Handlers import their module when called: `extractor run` does not load pandas or the gold readers.


def _cmd_eval(args: argparse.Namespace) -> int:
    from .evaluate import cmd_eval

    return cmd_eval(args)


def _cmd_annotate(args: argparse.Namespace) -> int:
    from .annotate import cmd_annotate

    return cmd_annotate(args)


def _cmd_run(args: argparse.Namespace) -> int:
    if inputs_missing(args.inputs):
        return EXIT_USAGE
    if args.scheduler and args.engine != "dask":
        print("error: --scheduler needs --engine dask", file=sys.stderr)
        return EXIT_USAGE
    if args.engine == "dask" and importlib.util.find_spec("distributed") is None:
        print("error: --engine dask needs Dask: pip install 'cn-stat-extractor[dask]'", file=sys.stderr)
        return EXIT_USAGE
    summary = run(args.inputs, args.rules, args.out, args.year, progress=not args.quiet and sys.stderr.isatty(),
                  jobs=args.jobs, engine=args.engine, scheduler=args.scheduler, report=args.report,
                  dump_text_dir=args.dump_text)
    for line in summary.skipped:
        print(f"skipped {line}", file=sys.stderr)
    for rule, count in sorted(summary.timeouts.items()):
        print(f"warning: rule {rule}: its regex ran over {REGEX_TIMEOUT} s at {count} numeral(s) and took none "
              "of them; bound its repeats", file=sys.stderr)
    cats = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_category.items()))
    checks = ", ".join(f"{k} {v}" for k, v in sorted(summary.by_status.items()))
    print(f"{summary.documents} documents, {summary.claims} claims ({cats or 'none'}); "
          f"checks: {checks or 'none'}; {len(summary.skipped)} skipped")
    print("wrote " + ", ".join(str(p) for p in summary.outputs))
    if args.dump_text:
        print(f"texts in {args.dump_text}")
    return EXIT_SKIPPED if summary.skipped else EXIT_OK


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain, line_of

    within = None
    if args.file is not None:
        if args.line is None:
            print("error: --file needs --line", file=sys.stderr)
            return EXIT_USAGE
        try:
            sentence, text, start = line_of(args.file, args.line)
            within = (text, start)
        except (ReadError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_USAGE
    elif args.sentence:
        sentence = args.sentence
    else:
        print("error: give a sentence, or --file F --line N", file=sys.stderr)
        return EXIT_USAGE
    print(explain(sentence, args.rules, args.year, as_json=args.json, within=within))
    return EXIT_OK


def _cmd_check_rules(args: argparse.Namespace) -> int:
    from .pipeline import Extractor, rules_folders

    extractor = Extractor.load(args.rules or None)
    require_examples_pass(extractor, rules_folders(args.rules or None))
    print(f"{len(extractor.ruleset.rules)} rules in {len(extractor.ruleset.files)} files, "
          f"{len(extractor.stoplist.entries)} stop-list entries, every example passes: ok")
    return EXIT_OK


def _cmd_test_rules(args: argparse.Namespace) -> int:
    failures, total = run_examples(args.rules or None)
    for failure in failures:
        print(failure)
    print(f"{total - len(failures)} passed, {len(failures)} failed")
    return EXIT_OK if not failures else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())

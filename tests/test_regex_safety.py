"""No regex the service runs on review text can backtrack catastrophically (ReDoS).

Every compiled pattern at module level in `service`, and every fragment of the lexicon, is
checked with redoctor, a static ReDoS checker. Its own timed confirmation of an attack is
switched off because it misfires on a loaded machine; instead each attack it reports is
replayed here at growing sizes, and only one whose cost grows much faster than its length
counts. A pattern redoctor cannot decide must be listed below with the reason it is still
linear. Timing on hostile input (tests/analysis/test_properties.py, `make bench`) covers how
the patterns are combined.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import multiprocessing
import pkgutil
import re
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path

from redoctor import AttackPattern, Config, Flags, Status, check
from support.lexicon import fragments, lexicon_document

import service
from service.analysis.lexicon import load_lexicon

# Patterns redoctor answers "unknown" for (it does not model backreferences), with why they
# are linear anyway.
UNDECIDED_BUT_LINEAR = {
    # `(\*\*|__)` ... `\1`: the run between the markers is bounded ({1,160} / {1,60}), and
    # both are used with `match` on one line, so a failed attempt costs at most one line.
    "service.analysis.segment._BOLD_LINE",
    "service.analysis.segment._BOLD_LABEL",
}
_SKIPPED_MODULES = {"service.wsgi", "service.gunicorn_conf", "service.__main__"}


def _module_patterns() -> dict[str, re.Pattern[str]]:
    found: dict[int, tuple[str, re.Pattern[str]]] = {}
    for module_info in pkgutil.walk_packages(service.__path__, "service."):
        if module_info.name in _SKIPPED_MODULES:
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
                # The same object imported elsewhere is named after its first home found.
                found.setdefault(id(value), (f"{module_info.name}.{name}", value))
    return dict(found.values())


def _lexicon_fragments() -> list[str]:
    found = []
    for fragment in sorted(set(fragments(lexicon_document()))):
        try:
            re.compile(fragment)
        except re.error:
            continue  # a plain word list entry, not a pattern
        found.append(fragment)
    return found


def _verdict(pattern: str, flags: int) -> tuple[str, AttackPattern | None]:
    """redoctor's status for a pattern, with its attack when it reports one."""
    config = Config(random_seed=1, timeout=2.0, skip_recall=True)
    result = check(pattern, flags=Flags.from_re_flags(flags), config=config)
    return str(result.status.value), result.attack_pattern


def _status(pattern: str, flags: int, verdict: tuple[str, AttackPattern | None]) -> str:
    """SAFE, UNKNOWN, or VULNERABLE only when replaying the attack confirms it."""
    status, attack = verdict
    if status == Status.VULNERABLE.value and (
        attack is None or not _superlinear(re.compile(pattern, flags), attack)
    ):
        return str(Status.UNKNOWN.value)
    return status


def _growth(pattern: str, flags: int, attack: AttackPattern, answer: Connection) -> None:
    """Send how much 8x the pump costs against 1x, at a size that takes measurable time.

    The attack is timed as redoctor built it and with its suffix replaced by a character that
    cannot match: an attack whose suffix lets the match succeed (a fence opener's closing
    newline) would otherwise run in linear time and hide a quadratic pattern.
    """
    compiled = re.compile(pattern, flags)

    def cost(pumps: int, suffix: str) -> float:
        text = attack.prefix + attack.pump * pumps + suffix
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            compiled.search(text)
            best = min(best, time.perf_counter() - started)
        return best

    ratios = []
    for suffix in (attack.suffix, "\x00"):
        pumps = 16
        while cost(pumps, suffix) < 0.002 and pumps < 100_000:
            pumps *= 2
        ratios.append(cost(8 * pumps, suffix) / max(cost(pumps, suffix), 1e-9))
    answer.send(max(ratios))


def _superlinear(compiled: re.Pattern[str], attack: AttackPattern) -> bool:
    """Whether 8x the pump costs far more than 8x the time (linear ~8, quadratic ~64).

    The replay runs in a child process: an exponential pattern would never return.
    """
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.Process(
        target=_growth, args=(compiled.pattern, compiled.flags, attack, send)
    )
    child.start()
    child.join(timeout=5)
    if child.is_alive():
        child.kill()
        child.join()
        return True
    return bool(receive.poll() and receive.recv() > 24)


def _statuses(patterns: list[tuple[str, int]]) -> list[str]:
    """Each pattern's status; attacks are replayed one at a time, on an otherwise idle pool."""
    with ProcessPoolExecutor(max_workers=2) as pool:
        verdicts = list(pool.map(_verdict, *zip(*patterns, strict=True), chunksize=16))
    return [_status(p, f, v) for (p, f), v in zip(patterns, verdicts, strict=True)]


def test_every_module_level_pattern_is_linear() -> None:
    patterns = _module_patterns()
    assert len(patterns) > 40, "the scan must find the service's patterns"
    names = sorted(patterns)
    statuses = _statuses([(patterns[n].pattern, patterns[n].flags) for n in names])
    verdicts = dict(zip(names, statuses, strict=True))
    assert [n for n, s in verdicts.items() if s == Status.VULNERABLE.value] == []
    undecided = {n for n, s in verdicts.items() if s != Status.SAFE.value}
    assert undecided <= UNDECIDED_BUT_LINEAR, undecided - UNDECIDED_BUT_LINEAR


def _inline_patterns() -> list[str]:
    """`re.search(r"...")`-style calls with a literal pattern inside functions, which the
    module-level scan cannot see (patterns built from data, as f-strings, are the lexicon's
    and the YAML reader's; their parts are scanned as fragments)."""
    found = []
    for path in sorted(Path(service.__file__).parent.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for call in ast.walk(function):
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "re"
                    and call.func.attr != "escape"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    found.append(f"{path.name}:{call.lineno}")
    return found


def test_every_literal_pattern_is_module_level_so_the_scan_sees_it() -> None:
    # A JSON fence opener written inline in a function was quadratic on "```" + spaces and
    # went unseen until it was moved to module level.
    assert _inline_patterns() == []


def test_no_compiled_lexicon_pattern_is_confirmed_catastrophic() -> None:
    """The lexicon's composite patterns (fragments joined with the structure around them) are
    too large for redoctor to decide most of the time; any attack it does report is replayed."""
    lexicon = load_lexicon()
    patterns = [
        value
        for field in dataclasses.fields(lexicon)
        if isinstance(value := getattr(lexicon, field.name), re.Pattern)
    ]
    assert len(patterns) > 8
    statuses = _statuses([(p.pattern, p.flags) for p in patterns])
    assert Status.VULNERABLE.value not in statuses


def test_every_lexicon_fragment_is_linear() -> None:
    fragments = _lexicon_fragments()
    assert len(fragments) > 500
    statuses = _statuses([(f, re.IGNORECASE) for f in fragments])
    vulnerable = [
        f for f, s in zip(fragments, statuses, strict=True) if s == Status.VULNERABLE.value
    ]
    assert vulnerable == []


def test_the_checker_does_flag_exponential_and_quadratic_patterns() -> None:
    # The second is the JSON fence opener this project once had: quadratic on "```" + spaces,
    # and redoctor's own attack for it ends in a newline that lets the match succeed.
    patterns = [(r"^(a+)+$", 0), (r"^[ \t]*```[ \t]*(?:json|JSON)?[ \t]*\n", re.M)]
    assert _statuses(patterns) == [Status.VULNERABLE.value] * 2


def test_a_false_alarm_is_not_confirmed() -> None:
    """redoctor (without its timed recall) calls this O(n^4); replaying its attack shows linear."""
    pattern = r"(cannot|can't)\s+(be\s+)?(overflow|inject|be\s+exploited)"
    status, attack = _verdict(pattern, re.IGNORECASE)
    assert status == Status.VULNERABLE.value
    assert attack is not None
    assert not _superlinear(re.compile(pattern, re.IGNORECASE), attack)

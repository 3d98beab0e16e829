"""Benchmark the condition engine: first match over N rules where only the last matches (run by hand)."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, without Django

from routing.engine import CompiledRuleset, RuleSpec, compile_rule_condition, library_env  # noqa: E402

SIZES = (10, 1_000, 10_000)
RUNS = 7
LIBRARY_MAX_RULES = 10_000


def equality_rules(count: int) -> tuple[list[str], dict]:
    """Indexable: attributes.country == 'C<i>'; the lead matches only the last one."""
    return [f"attributes.country == 'C{i}'" for i in range(count)], {"country": f"C{count - 1}", "score": 1}


def range_rules(count: int) -> tuple[list[str], dict]:
    """Not indexable: attributes.score > <count - i>; a score of 2 passes only the last rule's bound of 1."""
    return [f"attributes.score > {count - i}" for i in range(count)], {"country": "UK", "score": 2}


def per_lead_us(run_once: Callable[[], object], budget_s: float = 0.15) -> float:
    """Median over RUNS of the mean time of one call, in microseconds."""
    loops = 1
    while True:  # size the loop so one run takes roughly budget_s
        start = time.perf_counter()
        for _ in range(loops):
            run_once()
        elapsed = time.perf_counter() - start
        if elapsed > budget_s / 4 or loops >= 1 << 20:
            break
        loops *= 4
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for _ in range(loops):
            run_once()
        samples.append((time.perf_counter() - start) / loops * 1e6)
    return statistics.median(samples)


def first_match(ruleset: CompiledRuleset, attributes: dict, use_index: bool) -> Callable[[], object]:
    def run() -> object:
        for outcome in ruleset.evaluate(attributes, "lead-1", use_index=use_index):
            if outcome.matched:
                return outcome.key
        raise AssertionError("no rule matched")

    return run


def closure_scan(texts: list[str], attributes: dict) -> Callable[[], object]:
    """The bare closures in a loop: no ruleset, no outcome objects."""
    matchers = [compile_rule_condition(text, None) for text in texts]

    def run() -> object:
        for position, matcher in enumerate(matchers):
            if matcher(attributes, "lead-1")[0]:
                return position
        raise AssertionError("no rule matched")

    return run


def library_scan(texts: list[str], attributes: dict) -> Callable[[], object]:
    """The official library evaluating each compiled expression with one shared activation per lead."""
    env = library_env()
    expressions = [env.compile(text) for text in texts]

    def run() -> object:
        activation = env.Activation({"attributes": attributes, "lead_id": "lead-1"})
        for position, expression in enumerate(expressions):
            result = expression.eval(activation)
            if result.type().name() == "BOOL" and result.value() is True:
                return position
        raise AssertionError("no rule matched")

    return run


def measure(kind: str, make_rules) -> dict[int, dict[str, float]]:
    figures: dict[int, dict[str, float]] = {}
    for size in SIZES:
        texts, attributes = make_rules(size)
        ruleset = CompiledRuleset(
            [RuleSpec(key=i, priority=i, condition=text) for i, text in enumerate(texts)]
        )
        row = {
            "indexed": per_lead_us(first_match(ruleset, attributes, use_index=True)),
            "ruleset scan": per_lead_us(first_match(ruleset, attributes, use_index=False)),
            "closures": per_lead_us(closure_scan(texts, attributes)),
        }
        if size <= LIBRARY_MAX_RULES:
            row["library"] = per_lead_us(library_scan(texts, attributes), budget_s=0.3)
        figures[size] = row
        cells = "  ".join(f"{name} {value:>10.1f}" for name, value in row.items())
        print(f"{kind:<9} {size:>6} rules  µs/lead:  {cells}", flush=True)
    return figures


def paired_equality_ratio(rounds: int = 15) -> float:
    """10,000 vs 10 indexed rules, runs interleaved so a noisy neighbour hits both sides alike."""
    runs = {}
    for size in (10, 10_000):
        texts, attributes = equality_rules(size)
        ruleset = CompiledRuleset(
            [RuleSpec(key=i, priority=i, condition=text) for i, text in enumerate(texts)]
        )
        runs[size] = first_match(ruleset, attributes, use_index=True)
    samples: dict[int, list[float]] = {10: [], 10_000: []}
    for _ in range(rounds):
        for size, run in runs.items():
            start = time.perf_counter()
            for _ in range(20_000):
                run()
            samples[size].append((time.perf_counter() - start) / 20_000 * 1e6)
    return statistics.median(samples[10_000]) / statistics.median(samples[10])


def main() -> None:
    print("First match where only the last rule matches; median of", RUNS, "runs, microseconds per lead.")
    print("indexed = CompiledRuleset.evaluate; ruleset scan = same with use_index=False;")
    print("closures = compiled closures in a bare loop; library = cel-expr-python eval of each rule.\n")
    equality = measure("equality", equality_rules)
    ranges = measure("range", range_rules)
    ratio = paired_equality_ratio()
    print(f"\nindexed equality, 10,000 vs 10 rules, interleaved runs: {ratio:.2f}x", end="")
    print(f" (separate runs above: {equality[10_000]['indexed'] / equality[10]['indexed']:.2f}x)")
    range_1000 = ranges[1_000]["indexed"]
    print()
    verdict = "MET" if ratio <= 2 else "MISSED"
    print(f"target 1: 10,000 equality rules within 2x of 10 rules: {ratio:.2f}x -> {verdict}")
    verdict = "MET" if range_1000 < 1000 else "MISSED"
    print(f"target 2: 1,000 range rules under 1 ms per lead: {range_1000:.0f} µs -> {verdict}")


if __name__ == "__main__":
    main()

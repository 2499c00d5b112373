"""Routing decisions per second: omnicx vs rule-engine, business-rules, panzi-json-logic
and a hand-written if/elif function, on one 50-rule first-match table.

    benchmarks/run routing            # 100k messages
    benchmarks/run routing --quick    # 5k messages, for development

Every engine gets the same messages; each peer also cuts the text into words
with the same tokenizer inside its timed loop (a keyword rule needs words),
and every engine's decisions are checked equal before figures are printed.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
import ruleset
import synth

from omnicx.routing import RuleEngine, load_rules
from omnicx.routing._text import Words


def run_omnicx(plain: list[dict[str, Any]]) -> tuple[list[str], float]:
    engine = RuleEngine.compile(load_rules(ruleset.omnicx_rules()))
    ctxs = synth.contexts(plain)
    decide = engine.decide
    start = time.perf_counter()
    out = [decide(c).fired[0] for c in ctxs]
    return out, time.perf_counter() - start


def _prepared(m: dict[str, Any]) -> dict[str, Any]:
    return {**m, "words": set(Words.of(m["text"]).words)}


def run_handwritten(plain: list[dict[str, Any]]) -> tuple[list[str], float]:
    route = handwritten.route
    start = time.perf_counter()
    out = [route(m) for m in plain]
    return out, time.perf_counter() - start


def run_rule_engine(plain: list[dict[str, Any]]) -> tuple[list[str], float]:
    import rule_engine

    rules = [(rid, rule_engine.Rule(text)) for rid, text in ruleset.rule_engine_texts()]
    start = time.perf_counter()
    out = []
    for m in plain:
        data = _prepared(m)
        out.append(next(rid for rid, rule in rules if rule.matches(data)))
    return out, time.perf_counter() - start


def run_json_logic(plain: list[dict[str, Any]]) -> tuple[list[str], float]:
    from json_logic import jsonLogic

    rules = ruleset.jsonlogic_rules()
    start = time.perf_counter()
    out = []
    for m in plain:
        data = _prepared(m)
        data["words"] = list(data["words"])  # its "in" only searches lists and strings
        out.append(next(rid for rid, logic in rules if jsonLogic(logic, data)))
    return out, time.perf_counter() - start


def run_business_rules(plain: list[dict[str, Any]]) -> tuple[list[str], float]:
    from business_rules import run_all
    from business_rules.actions import BaseActions, rule_action
    from business_rules.fields import FIELD_TEXT
    from business_rules.variables import (
        BaseVariables,
        boolean_rule_variable,
        numeric_rule_variable,
        select_multiple_rule_variable,
        string_rule_variable,
    )

    class Variables(BaseVariables):  # type: ignore[misc]
        def __init__(self, data: dict[str, Any]) -> None:
            self.data = data

        @string_rule_variable()  # type: ignore[misc]
        def channel(self) -> str:
            return str(self.data["channel"])

        @select_multiple_rule_variable()  # type: ignore[misc]
        def words(self) -> list[str]:
            return list(self.data["words"])

        @boolean_rule_variable()  # type: ignore[misc]
        def vip(self) -> bool:
            return bool(self.data["vip"])

        @numeric_rule_variable()  # type: ignore[misc]
        def ltv(self) -> float:
            return float(self.data["ltv"])

        @string_rule_variable()  # type: ignore[misc]
        def tier(self) -> str:
            return self.data["tier"] or ""

    class Actions(BaseActions):  # type: ignore[misc]
        def __init__(self) -> None:
            self.fired: str | None = None

        @rule_action(params={"rule_id": FIELD_TEXT})  # type: ignore[misc]
        def route(self, rule_id: str) -> None:
            self.fired = rule_id

    rules = ruleset.business_rules_rules()
    start = time.perf_counter()
    out = []
    for m in plain:
        actions = Actions()
        run_all(rules, Variables(_prepared(m)), actions, stop_on_first_trigger=True)
        out.append(actions.fired or "")
    return out, time.perf_counter() - start


ENGINES: dict[str, Callable[[list[dict[str, Any]]], tuple[list[str], float]]] = {
    "omnicx.routing": run_omnicx,
    "hand-written if/elif": run_handwritten,
    "rule-engine": run_rule_engine,
    "panzi-json-logic": run_json_logic,
    "business-rules": run_business_rules,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5k messages")
    parser.add_argument("--n", type=int, default=None, help="number of messages")
    parser.add_argument("--peer-n", type=int, default=None, help="messages for the slow peers")
    args = parser.parse_args()
    n = args.n or (5_000 if args.quick else 100_000)
    peer_n = min(args.peer_n or n, n)
    plain = synth.messages(n)
    print(f"50 rules, first match; {n:,} messages (peers: {peer_n:,})")
    results: dict[str, tuple[list[str], float, int]] = {}
    for name, run in ENGINES.items():
        sample = plain if name in ("omnicx.routing", "hand-written if/elif") else plain[:peer_n]
        try:
            decided, seconds = run(sample)
        except Exception as error:  # a peer that does not run here is reported, not fatal
            print(f"{name:22} did not run: {type(error).__name__}: {error}")
            continue
        results[name] = (decided, seconds, len(sample))
    reference = results["hand-written if/elif"][0]
    for name, (decided, _, count) in results.items():
        assert decided == reference[:count], f"{name} decided differently"
    print("all engines decided the same for every message")
    ours = results["omnicx.routing"][2] / results["omnicx.routing"][1]
    for name, (_, seconds, count) in results.items():
        rate = count / seconds
        print(f"{name:22} {rate:>12,.0f} decisions/s   omnicx is {ours / rate:6.2f}x")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")


if __name__ == "__main__":
    main()

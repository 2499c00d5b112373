"""Fuzz every shipped adapter as a host calls it, and measure its parse throughput.

For each adapter, 20,000 inputs are built deterministically from valid,
provider-format samples: every single mutation ``omnicx.testing.mutations``
makes (a key dropped, a value's type changed, nulls, huge numbers and
strings, deep nesting, invalid UTF-8, lone surrogates, edge dates, each
header changed), then those again with a seeded byte-level change on top.
Body mutations are signed again with the adapter's secret (an authentic
provider sending something odd reaches ``parse``); every tenth keeps the
stale signature (a forger's request must stop at ``verify``). Each input goes
through ``verify``, then ``parse`` when verify accepted it, as a host does.

The outcome per adapter: inputs parsed into events, refused with
``PayloadError``, refused with ``SignatureError``, and untyped exceptions by
type (any at all: exit 1). Then the parse throughput of the valid samples in
webhooks/s, against the named peer measured in the same run: for the
inbound email providers the raw MIME ``EmailAdapter`` parsing the same mail
(the envelope's cost), for the others the standard library decoding the
same body (``json.loads``, ``urllib.parse.parse_qsl`` or
``email.message_from_bytes``) with no mapping at all.

    benchmarks/run channels             # 20,000 inputs per adapter
    benchmarks/run channels --quick     # 2,000
"""

from __future__ import annotations

import argparse
import collections
import email
import email.policy
import json
import random
import resource
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import attrs

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples import TARGETS, Target

from omnicx.channels import WebhookRequest
from omnicx.errors import PayloadError, SignatureError
from omnicx.testing import mutations


def inputs(target: Target, count: int, seed: int = 21) -> list[WebhookRequest]:
    """``count`` deterministic mutated requests for ``target``."""
    rng = random.Random(seed)
    singles: list[tuple[bool, WebhookRequest]] = []
    for sample in target.samples:
        for mutation in mutations(sample):
            headers_changed = mutation.request.headers != sample.headers
            singles.append((headers_changed, mutation.request))
    found: list[WebhookRequest] = []
    index = 0
    while len(found) < count:
        headers_changed, request = singles[index % len(singles)]
        if index >= len(singles):  # second pass on: a seeded byte change on top
            body = bytearray(request.body)
            if body:
                start = rng.randrange(len(body))
                end = min(len(body), start + rng.randrange(1, 9))
                body[start:end] = rng.randbytes(rng.randrange(0, 9))
            request = attrs.evolve(request, body=bytes(body))
        if not headers_changed and index % 10 != 9:
            if target.resign_body is not None:
                request = attrs.evolve(request, body=target.resign_body(request.body))
            request = attrs.evolve(request, headers=target.sign(request.body, request.headers))
        found.append(request)
        index += 1
    return found


@attrs.define
class Outcome:
    """What the inputs did."""

    parsed: int = 0
    refused: int = 0
    forged: int = 0
    untyped: collections.Counter[str] = attrs.field(factory=collections.Counter)
    example: dict[str, str] = attrs.field(factory=dict)


def fuzz(target: Target, requests: Sequence[WebhookRequest]) -> tuple[Outcome, float]:
    """Verify then parse each request; count the outcomes; return them and the seconds taken."""
    outcome = Outcome()
    start = time.perf_counter()
    for request in requests:
        try:
            target.verify(request)
        except SignatureError:
            outcome.forged += 1
            continue
        except PayloadError:
            outcome.refused += 1
            continue
        except Exception as error:  # counted, never raised: the benchmark reports them all
            _untyped(outcome, "verify", error, request)
            continue
        try:
            target.parse(request)
        except PayloadError:
            outcome.refused += 1
            continue
        except Exception as error:
            _untyped(outcome, "parse", error, request)
            continue
        outcome.parsed += 1
    return outcome, time.perf_counter() - start


def _untyped(outcome: Outcome, step: str, error: Exception, request: WebhookRequest) -> None:
    name = f"{step}:{type(error).__name__}"
    outcome.untyped[name] += 1
    outcome.example.setdefault(name, f"{error!s:.120} body={request.body[:80]!r}")


def rate(call: Callable[[], object], seconds: float = 0.5) -> float:
    """Calls per second of ``call``, over about ``seconds``."""
    done, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            call()
        done += 50
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _peer(body: bytes, headers: Mapping[str, str]) -> Callable[[], object]:
    try:
        json.loads(body)
    except ValueError:
        pass
    else:
        return lambda: json.loads(body)
    if b"=" in body and b"\n" not in body:
        return lambda: parse_qsl(body.decode(), keep_blank_values=True)
    return lambda: email.message_from_bytes(body, policy=email.policy.default)


def main() -> int:
    """Run the fuzz and the throughput figures; exit 1 on any untyped exception."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 inputs per adapter")
    parser.add_argument("--count", type=int, default=None, help="inputs per adapter")
    args = parser.parse_args()
    count = args.count or (2_000 if args.quick else 20_000)
    print(f"{count:,} mutated inputs per adapter, verify then parse; {datetime.now(UTC):%Y-%m-%d}")
    print(
        f"{'adapter':<12} {'parsed':>7} {'refused':>7} {'forged':>7} {'untyped':>7}"
        f" {'fuzz/s':>8} {'parse/s':>9} {'peer/s':>9} {'peer':<22} {'ratio':>6}"
    )
    failures = 0
    for target in TARGETS:
        requests = inputs(target, count)
        outcome, seconds = fuzz(target, requests)
        untyped = sum(outcome.untyped.values())
        failures += untyped
        sample = target.samples[0]
        parse_rate = rate(lambda t=target, s=sample: t.parse(s))  # type: ignore[misc]
        peer_name, peer_call = target.peer or ("stdlib decode", _peer(sample.body, sample.headers))
        peer_rate = rate(peer_call)
        print(
            f"{target.name:<12} {outcome.parsed:>7} {outcome.refused:>7} {outcome.forged:>7}"
            f" {untyped:>7} {len(requests) / seconds:>8,.0f} {parse_rate:>9,.0f}"
            f" {peer_rate:>9,.0f} {peer_name:<22} {parse_rate / peer_rate:>6.2f}"
        )
        for name, number in outcome.untyped.most_common():
            print(f"    {number} x {name}: {outcome.example[name]}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB; untyped exceptions: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

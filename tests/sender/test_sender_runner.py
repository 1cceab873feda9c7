"""The runner: concurrency, time budgets, and one failing collector never costing the others."""

from __future__ import annotations

import threading
import time

from botocore.exceptions import ClientError

from sender.aws import Clients
from sender.collectors.base import BudgetExceeded, Collector, NotEnabled, Task
from sender.runner import plan_tasks, run_tasks
from support.sender_fixtures import make_context


def collector(name, fetch, scope="regional", weight=1, services=()):
    return Collector(
        name=name,
        scope=scope,
        fetch=fetch,
        iam_actions=(),
        description="test",
        weight=weight,
        services=services,
    )


def client_error(code, message="nope", operation="ListThings"):
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


def run(tasks, **kwargs):
    clients = Clients()
    return run_tasks(tasks, lambda task: make_context(clients, task.region), **kwargs)


def test_plan_runs_global_collectors_once_and_regional_ones_per_region():
    g = collector("g", lambda ctx: [], scope="global")
    r = collector("r", lambda ctx: [], scope="regional")
    both = collector("w", lambda ctx: [], scope="regional+global")
    tasks = plan_tasks([g, r, both], ["eu-west-1", "us-east-1"])
    assert [(t.collector.name, t.region) for t in tasks] == [
        ("g", None),
        ("r", "eu-west-1"),
        ("r", "us-east-1"),
        ("w", None),
        ("w", "eu-west-1"),
        ("w", "us-east-1"),
    ]


def test_each_failure_is_classified_and_isolated():
    def ok(ctx):
        yield {"n": 1}
        yield {"n": 2}

    def boom(ctx):
        raise RuntimeError("disk on fire")

    def denied(ctx):
        raise client_error("AccessDeniedException", "not authorized to perform ListThings")

    def not_subscribed(ctx):
        raise client_error("SubscriptionRequiredException", "Business support needed")

    def not_enabled(ctx):
        raise NotEnabled("GuardDuty is not enabled in eu-west-1 (no detector)")

    def broken_api(ctx):
        raise client_error("InternalServerError", "try later")

    def half_way(ctx):
        yield {"n": 1}
        raise client_error("AccessDenied", "denied on page 2")

    def warned(ctx):
        yield {"n": 1}
        ctx.warn("rule x: ThrottlingException")

    fetches = [ok, boom, denied, not_subscribed, not_enabled, broken_api, half_way, warned]
    tasks = [Task(collector(f.__name__, f), "eu-west-1") for f in fetches]
    outcomes = {o.collector.name: o for o in run(tasks)}
    assert {name: o.status for name, o in outcomes.items()} == {
        "ok": "ok",
        "boom": "error",
        "denied": "skipped",
        "not_subscribed": "skipped",
        "not_enabled": "skipped",
        "broken_api": "error",
        "half_way": "partial",
        "warned": "partial",
    }
    assert outcomes["ok"].error is None and outcomes["ok"].item_count == 2
    assert outcomes["boom"].error == "RuntimeError: disk on fire"
    assert outcomes["denied"].error == (
        "AccessDeniedException (ListThings): not authorized to perform ListThings"
    )
    assert outcomes["not_enabled"].error.startswith("GuardDuty is not enabled")
    assert outcomes["half_way"].items == [{"n": 1}]
    assert "denied on page 2" in outcomes["half_way"].error
    assert outcomes["warned"].error == "rule x: ThrottlingException"
    assert all(o.duration_ms >= 0 for o in outcomes.values())


def test_collectors_run_concurrently_on_a_bounded_pool():
    active, peak, lock = [0], [0], threading.Lock()

    def slow(ctx):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        yield {"ok": True}

    tasks = [Task(collector(f"c{i}", slow), "eu-west-1") for i in range(8)]
    started = time.monotonic()
    outcomes = run(tasks, max_workers=4)
    elapsed = time.monotonic() - started
    assert [o.status for o in outcomes] == ["ok"] * 8
    assert peak[0] == 4
    assert elapsed < 0.2 * 8 / 2  # two rounds of four, not eight in a row


def test_heaviest_collectors_start_first():
    order = []

    def record(ctx):
        order.append(ctx.region)
        return []

    tasks = [
        Task(collector("light", record, weight=1), "eu-west-1"),
        Task(collector("heavy", record, weight=9), "us-east-1"),
    ]
    outcomes = run(tasks, max_workers=1)
    assert order == ["us-east-1", "eu-west-1"]
    assert [o.collector.name for o in outcomes] == ["light", "heavy"]  # results in task order


def test_the_time_budget_stops_a_paginating_collector_and_keeps_its_items():
    def endless(ctx):
        while True:
            ctx.check_time()  # what Context.pages does before every page
            yield {"page": True}
            time.sleep(0.01)

    [outcome] = run([Task(collector("endless", endless), "eu-west-1")], budget=0.2)
    assert outcome.status == "partial"
    assert outcome.item_count > 0
    assert "time budget exhausted" in outcome.error


def test_a_hung_collector_is_abandoned_so_the_run_can_upload():
    release = threading.Event()

    def hung(ctx):
        yield {"first": True}
        release.wait(10)

    def quick(ctx):
        yield {"fine": True}

    tasks = [Task(collector("hung", hung), "eu-west-1"), Task(collector("quick", quick), None)]
    started = time.monotonic()
    outcomes = run(tasks, budget=0.3, grace=0.2)
    release.set()
    assert time.monotonic() - started < 3
    hung_outcome, quick_outcome = outcomes
    assert hung_outcome.status == "partial" and hung_outcome.items == [{"first": True}]
    assert "abandoned" in hung_outcome.error
    assert quick_outcome.status == "ok"


def test_the_run_deadline_leaves_unstarted_collectors_as_errors():
    def slow(ctx):
        time.sleep(0.5)
        return []

    tasks = [Task(collector(f"c{i}", slow), "eu-west-1") for i in range(3)]
    outcomes = run(tasks, max_workers=1, run_deadline=time.monotonic() + 0.1, grace=0.1)
    assert [o.status for o in outcomes].count("error") >= 2
    assert any("not started" in (o.error or "") for o in outcomes)


def test_budget_exceeded_without_items_is_an_error():
    def nothing_yet(ctx):
        raise BudgetExceeded("time budget exhausted")

    [outcome] = run([Task(collector("x", nothing_yet), "eu-west-1")])
    assert outcome.status == "error"


def test_a_service_missing_from_a_region_is_skipped_without_a_call():
    called = []
    c = collector("appsignals", lambda ctx: called.append(1) or [], services=("nosuchsvc",))
    [outcome] = run([Task(c, "eu-west-1")], available=lambda service, region: False)
    assert outcome.status == "skipped"
    assert outcome.error == "nosuchsvc is not available in eu-west-1"
    assert not called


def test_tasks_that_ran_before_start_longest_first_by_their_last_duration():
    """A warm container (or the next window of a backfill) knows what each task took last time:
    the longest starts first whatever its weight; the durations are updated by each run."""
    order = []

    def slow(ctx):
        order.append(ctx.region)
        time.sleep(0.05)
        return []

    def quick(ctx):
        order.append(ctx.region)
        return []

    tasks = [
        Task(collector("heavy by weight", quick, weight=9), "eu-west-1"),
        Task(collector("light by weight", slow, weight=1), "us-east-1"),
    ]
    durations: dict[str, float] = {}
    run(tasks, max_workers=1, durations=durations)
    assert order == ["eu-west-1", "us-east-1"]  # nothing known yet: by weight
    assert set(durations) == {"heavy by weight@eu-west-1", "light by weight@us-east-1"}
    assert durations["light by weight@us-east-1"] >= 0.05 > durations["heavy by weight@eu-west-1"]
    order.clear()
    outcomes = run(tasks, max_workers=1, durations=durations)
    assert order == ["us-east-1", "eu-west-1"]  # the one that took longest last time first
    assert [o.collector.name for o in outcomes] == ["heavy by weight", "light by weight"]
    order.clear()
    new = Task(collector("new", quick, weight=5), "ap-south-1")
    run([*tasks, new], max_workers=1, durations=durations)
    assert order == ["eu-west-1", "ap-south-1", "us-east-1"]  # one never ran: weights again

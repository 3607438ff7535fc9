#!/usr/bin/env python3
"""Peer benchmark: policy_sentry 0.15.2 (what cloudsplaining uses) expanding the Action patterns of all
1,594 AWS-managed policies in tests/data/aws-managed-policies, the same fixture Pare's
`crates/pare-policy/benches/engine.rs` expands.

Run it with the venv from benches/peers/setup.sh:

    /tmp/peers-venv/bin/python benches/peers/expand_policy_sentry.py [--runs N] [--pare-dump DIR]

Prints the same greppable lines as Pare's bench: `RESULT <name> runs=<n> median_us=<µs> min_us=<µs> ...`,
`COUNT ...` and `INFO ...`. With --pare-dump (the directory Pare's bench writes with PARE_BENCH_DUMP=DIR)
it also compares the action sets of both tools and names the disagreements (`DIFF ...` lines).

What is timed (documents already decoded from JSON, as for Pare; the policy_sentry database is loaded at
import, which is timed separately in a fresh interpreter):
  expand.managed.action_only       every Allow statement's `Action` list through
                                   `policy_sentry.analysis.expand.determine_actions_to_expand`, unioned per
                                   policy (policy_sentry leaves NotAction alone). Warm: policy_sentry's
                                   lru_caches are kept from the previous run; cold: cleared before each run.
  expand.managed.allowed_actions   as above, plus each Allow + NotAction statement as "all actions minus the
                                   expanded NotAction list" with a Python set (Pare's `allowed_actions`
                                   semantics, and the fastest way to do it in Python).
  cloudsplaining.not_action_statements
                                   only the Allow + NotAction statements, with cloudsplaining 0.9.1's own
                                   algorithm (`StatementDetail._not_action_effective_actions`, Resource "*"
                                   branch: a list-membership test of every action against the expanded
                                   NotAction list), reimplemented here on policy_sentry's API.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests/data/aws-managed-policies/managedPolicies.latest.json.gz"
WELL_KNOWN = [
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
    "ViewOnlyAccess",
    "SecurityAudit",
    "AmazonS3FullAccess",
]


def as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def statements(doc):
    return as_list(doc.get("Statement"))


def report(name, times, extra=""):
    times = sorted(times)
    med = statistics.median(times)
    print(f"RESULT {name} runs={len(times)} median_us={med * 1e6:.1f} min_us={times[0] * 1e6:.1f}{extra}", flush=True)
    return med


def measure(runs, f, before=None):
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return times


def import_time(runs):
    """Time to import policy_sentry's expansion module (which loads its IAM database) in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); import policy_sentry.analysis.expand; "
        "from policy_sentry.querying.all import get_all_actions; get_all_actions(); "
        "print(time.perf_counter() - t)"
    )
    return [float(subprocess.check_output([sys.executable, "-c", code], text=True)) for _ in range(runs)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fixture", type=Path, default=FIXTURE)
    ap.add_argument("--runs", type=int, default=11, help="timed runs per measurement (default 11)")
    ap.add_argument("--pare-dump", type=Path, help="directory written by Pare's bench with PARE_BENCH_DUMP")
    args = ap.parse_args()

    import importlib.metadata as md

    runs = max(1, args.runs)
    imp = import_time(min(runs, 7))
    report("peer.policy_sentry.import", imp, " what=import+get_all_actions")

    import policy_sentry.analysis.expand as expand_mod
    import policy_sentry.querying.actions as q_actions
    import policy_sentry.querying.all as q_all
    import policy_sentry.shared.iam_data as iam_data
    from policy_sentry.analysis.expand import determine_actions_to_expand
    from policy_sentry.querying.all import get_all_actions

    all_actions = get_all_actions()
    all_lower = {a.lower() for a in all_actions}
    print(
        f"INFO peer policy_sentry={md.version('policy_sentry')} python={sys.version.split()[0]} "
        f"services={len(q_all.get_all_service_prefixes())} actions={len(all_actions)}"
    )

    with gzip.open(args.fixture, "rt") as f:
        managed = json.load(f)
    docs = [(name, p["Document"]) for name, p in managed.items()]
    # A JSON string document would have to be decoded first; the fixture has none.
    docs = [(n, json.loads(d) if isinstance(d, str) else d) for n, d in docs]
    allow = [(n, [s for s in statements(d) if s.get("Effect") == "Allow"]) for n, d in docs]
    not_action_statements = [s for _, sts in allow for s in sts if "NotAction" in s]
    print(f"INFO managed policies={len(docs)} not_action_allow_statements={len(not_action_statements)}")

    def expand_action_only():
        out = []
        for _, sts in allow:
            acts = set()
            for s in sts:
                if "Action" in s:
                    acts.update(determine_actions_to_expand(as_list(s["Action"])))
            out.append(acts)
        return out

    def not_action_set(s):
        excluded = {a.lower() for a in determine_actions_to_expand(as_list(s["NotAction"]))}
        return {a for a in all_actions if a.lower() not in excluded}

    def expand_allowed():
        out = []
        for _, sts in allow:
            acts = set()
            for s in sts:
                if "Action" in s:
                    acts.update(determine_actions_to_expand(as_list(s["Action"])))
                elif "NotAction" in s:
                    acts.update(not_action_set(s))
            out.append(acts)
        return out

    def cloudsplaining_not_action():
        # cloudsplaining 0.9.1 scan/statement_detail.py, `_not_action_effective_actions`, Resource == "*".
        out = []
        for s in not_action_statements:
            lowered = [a.lower() for a in determine_actions_to_expand(as_list(s["NotAction"]))]
            effective = [a for a in all_actions if a.lower() not in lowered]
            effective.sort()
            out.append(effective)
        return out

    def clear_caches():
        for fn in (
            q_actions.get_actions_for_service,
            q_actions.get_action_data,
            q_all.get_all_actions,
            q_all.get_all_service_prefixes,
            iam_data.get_service_prefix_data,
        ):
            fn.cache_clear()

    n = len(docs)

    def per_policy(times):
        return f" policies={n} per_policy_us={statistics.median(times) * 1e6 / n:.2f}"

    # Warm up once (fills policy_sentry's lru_caches), then time.
    sets = expand_action_only()
    t = measure(runs, expand_action_only)
    total = sum(len({a.lower() for a in s}) for s in sets)
    report("peer.policy_sentry.expand.managed.action_only", t, per_policy(t) + f" actions_total={total} caches=warm")
    t = measure(min(runs, 5), expand_action_only, before=clear_caches)
    # get_all_actions() is cached too; refill it so the functions below see the same object.
    all_actions = get_all_actions()
    report("peer.policy_sentry.expand.managed.action_only.cold", t, per_policy(t) + " caches=cleared")
    all_sets = expand_allowed()
    t = measure(runs, expand_allowed)
    total = sum(len({a.lower() for a in s}) for s in all_sets)
    report("peer.policy_sentry.expand.managed.allowed_actions", t, per_policy(t) + f" actions_total={total} caches=warm")
    t = measure(min(runs, 5), cloudsplaining_not_action)
    na = cloudsplaining_not_action()
    report(
        "peer.cloudsplaining.not_action_statements",
        t,
        f" statements={len(na)} actions_total={sum(len(x) for x in na)}",
    )
    t = measure(runs, lambda: [not_action_set(s) for s in not_action_statements])
    report("peer.policy_sentry.not_action_statements.set", t, f" statements={len(not_action_statements)}")

    by_name = {name: (a, b) for (name, _), a, b in zip(docs, all_sets, sets)}
    for name in WELL_KNOWN:
        if name in by_name:
            a, b = by_name[name]
            a_l = {x.lower() for x in a}
            print(
                f"COUNT policy_sentry policy={name} allowed_actions={len(a_l)} action_only={len({x.lower() for x in b})} "
                f"unknown_to_policy_sentry={len(a_l - all_lower)}"
            )

    if args.pare_dump:
        compare(args.pare_dump, docs, all_sets, all_lower)


def compare(dump: Path, docs, all_sets, ps_all_lower):
    """Names where Pare and policy_sentry disagree (their catalogs differ)."""
    counts = {}
    with open(dump / "counts.tsv") as f:
        next(f)
        for line in f:
            name, allowed, _ = line.rstrip("\n").split("\t")
            counts[name] = int(allowed)
    same = more = fewer = 0
    gaps = []
    for (name, _), s in zip(docs, all_sets):
        ps = len({a.lower() for a in s})
        pare = counts.get(name)
        if pare is None:
            continue
        if pare == ps:
            same += 1
        elif pare > ps:
            more += 1
        else:
            fewer += 1
        gaps.append((abs(pare - ps), name, pare, ps))
    print(f"DIFF policies equal={same} pare_more={more} pare_fewer={fewer}")
    for gap, name, pare, ps in sorted(gaps, reverse=True)[:5]:
        print(f"DIFF largest policy={name} pare={pare} policy_sentry={ps} gap={gap}")

    pare_all_file = dump / "actions" / "AdministratorAccess.txt"
    if pare_all_file.exists():
        pare_all = {a.lower() for a in pare_all_file.read_text().split()}
        only_pare = pare_all - ps_all_lower
        only_ps = ps_all_lower - pare_all
        svc = lambda xs: Counter(a.split(":")[0] for a in xs)  # noqa: E731
        print(
            f"DIFF catalogs pare_actions={len(pare_all)} policy_sentry_actions={len(ps_all_lower)} "
            f"common={len(pare_all & ps_all_lower)} only_pare={len(only_pare)} only_policy_sentry={len(only_ps)}"
        )
        pare_svcs, ps_svcs = set(svc(pare_all)), set(svc(ps_all_lower))
        print(
            f"DIFF services pare={len(pare_svcs)} policy_sentry={len(ps_svcs)} "
            f"only_pare={','.join(sorted(pare_svcs - ps_svcs)[:15])}{'…' if len(pare_svcs - ps_svcs) > 15 else ''} "
            f"only_policy_sentry={','.join(sorted(ps_svcs - pare_svcs)[:15])}{'…' if len(ps_svcs - pare_svcs) > 15 else ''}"
        )
        for label, xs in (("only_pare", only_pare), ("only_policy_sentry", only_ps)):
            top = ",".join(f"{k}:{v}" for k, v in svc(xs).most_common(8))
            print(f"DIFF catalog_{label}_by_service {top}")

    by_name = {name: s for (name, _), s in zip(docs, all_sets)}
    for name in WELL_KNOWN:
        path = dump / "actions" / f"{name}.txt"
        if name not in by_name or not path.exists():
            continue
        pare = {a.lower() for a in path.read_text().split()}
        ps = {a.lower() for a in by_name[name]}
        only_pare, only_ps = sorted(pare - ps), sorted(ps - pare)
        # policy_sentry passes an action without a wildcard through unchecked, even one its database lacks.
        passthrough = sum(1 for a in only_ps if a not in ps_all_lower)
        print(
            f"DIFF policy={name} pare={len(pare)} policy_sentry={len(ps)} "
            f"policy_sentry_unchecked_literals={len(ps - ps_all_lower)} only_pare={len(only_pare)} "
            f"only_policy_sentry={len(only_ps)} (unchecked_literals={passthrough})"
        )
        for label, xs in (("only_pare", only_pare), ("only_policy_sentry", only_ps)):
            if xs:
                print(f"DIFF   {name} {label} e.g. {' '.join(xs[:6])}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Side by side: `trailscraper generate` (0.10.0, PyPI) vs `pare rightsize` on the same trails.

For every IAM user or role with successful calls in the trails, both tools make a policy from that principal's
records; then, with Pare's engine, for each output:

  unknown_actions  actions (or patterns) of the policy that name nothing in Pare's catalog (`pare validate`)
  denied_calls     observed successful events of the principal the policy would deny: for trailscraper's
                   policy, `pare rightsize --policy TRAILSCRAPER.json` lists them as not granted; for Pare's
                   own suggestion (current policy taken as AdministratorAccess), its replay lists them.

Run (after benches/cloudtrail/setup-peers.sh installed trailscraper in /tmp/trailscraper-venv):

    python3 benches/rightsize/compare.py --pare target/release/pare [--trailscraper PATH] [--work DIR]

Prints greppable `RESULT` lines and one `PRINCIPAL` line per principal. Records whose `resources` is `null`
have the key removed first (trailscraper crashes on it; real CloudTrail omits the key), and Panther's
normalised event times are written back in CloudTrail's format (trailscraper accepts only that).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TRAILS = [
    REPO / "tests/data/cloudtrail/stratus-red-team/all_detonations.json.gz",
    REPO / "tests/data/cloudtrail/panther/scenario_events.jsonl",
    REPO / "tests/data/cloudtrail/panther/rule_test_events.json.gz",
    REPO / "tests/data/cloudtrail/aws-docs-examples/docs_examples.jsonl",
    REPO / "tests/data/cloudtrail/aws-docs-examples/docs_examples.json.gz",
]


def read_records(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    text = text.strip()
    if text.startswith("{") and "\n{" not in text[:2]:
        try:
            doc = json.loads(text)
            if isinstance(doc, dict) and "Records" in doc:
                return doc["Records"]
            return [doc]
        except json.JSONDecodeError:
            pass
    if text.startswith("["):
        return json.loads(text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            doc = json.loads(line)
            out.extend(doc["Records"] if isinstance(doc, dict) and "Records" in doc else [doc])
    return out


def cloudtrail_time(text: str) -> str:
    """Panther's normalised `2022-09-29 23:04:35.000` back to CloudTrail's `2022-09-29T23:04:35Z`."""
    if len(text) >= 19 and text[10] == " ":
        return text[:10] + "T" + text[11:19] + "Z"
    return text


def key_of(record: dict) -> str | None:
    ident = record.get("userIdentity") or {}
    kind = ident.get("type")
    if kind == "IAMUser":
        return ident.get("arn")
    if kind == "AssumedRole":
        issuer = ((ident.get("sessionContext") or {}).get("sessionIssuer") or {})
        return issuer.get("arn")
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--trailscraper", default="/tmp/trailscraper-venv/bin/trailscraper")
    ap.add_argument("--work", default="/tmp/pare-rightsize-compare")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    db = work / "pare.db"
    if db.exists():
        db.unlink()
    subprocess.run([args.pare, "import", "--db", str(db), *sum((["--cloudtrail", str(t)] for t in TRAILS), [])],
                   check=False, capture_output=True)
    admin = work / "admin.json"
    admin.write_text('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}')
    out = work / "pare"
    subprocess.run([args.pare, "rightsize", "--db", str(db), "--all", "--policy", str(admin), "--out", str(out)],
                   check=True, capture_output=True)
    principals = []
    with open(out / "index.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["file"]:
                principals.append(row)
    by_key: dict[str, list[dict]] = defaultdict(list)
    for t in TRAILS:
        for r in read_records(t):
            k = key_of(r)
            if k:
                if r.get("resources", 0) is None:
                    del r["resources"]
                r["eventTime"] = cloudtrail_time(r.get("eventTime", ""))
                by_key[k].append(r)

    totals = defaultdict(int)
    for row in principals:
        p = row["principal"]
        records = by_key.get(p, [])
        if not records:
            totals["principals_without_raw_records"] += 1
            continue
        ts_out = work / "trailscraper" / (row["file"])
        ts_out.parent.mkdir(exist_ok=True)
        gen = subprocess.run([args.trailscraper, "generate"], input=json.dumps({"Records": records}),
                             capture_output=True, text=True)
        if gen.returncode != 0 or not gen.stdout.strip():
            totals["trailscraper_failed"] += 1
            print(f"PRINCIPAL {p} trailscraper_failed {gen.stderr.strip().splitlines()[-1:]}")
            continue
        ts_out.write_text(gen.stdout)
        # Unknown actions: `pare validate` warns once per pattern that matches nothing.
        val = subprocess.run([args.pare, "validate", str(ts_out)], capture_output=True, text=True)
        ts_unknown = sum(1 for l in (val.stdout + val.stderr).splitlines() if "matches no action" in l
                         or "names the unknown service" in l)
        val = subprocess.run([args.pare, "validate", str(out / row["file"])], capture_output=True, text=True)
        pare_unknown = sum(1 for l in (val.stdout + val.stderr).splitlines() if "matches no action" in l
                           or "names the unknown service" in l)
        rep = subprocess.run([args.pare, "rightsize", "--db", str(db), "--principal", p, "--policy", str(ts_out),
                              "--json-report"], capture_output=True, text=True)
        report = json.loads(rep.stdout)
        ts_denied = sum(d["count"] for d in report["not_granted_now"])
        ts_actions = len(json.loads(gen.stdout).get("Statement", []))
        pare_denied = int(row["replay_total"]) - int(row["replay_allowed"])
        totals["principals"] += 1
        totals["events"] += int(row["replay_total"])
        totals["trailscraper_unknown_actions"] += ts_unknown
        totals["pare_unknown_actions"] += pare_unknown
        totals["trailscraper_denied_events"] += ts_denied
        totals["pare_denied_events"] += pare_denied
        totals["trailscraper_principals_with_denials"] += 1 if ts_denied else 0
        print(f"PRINCIPAL {p} events={row['replay_total']} trailscraper_statements={ts_actions} "
              f"trailscraper_unknown={ts_unknown} trailscraper_denied={ts_denied} "
              f"pare_unknown={pare_unknown} pare_denied={pare_denied}")
    for k, v in sorted(totals.items()):
        print(f"RESULT {k}={v}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

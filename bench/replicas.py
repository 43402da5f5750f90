"""Matching replicas measured (issue 13): pairings a second for 1, 2 and 4 programmes, with 1 and
2 replicas of matching.

    python bench/replicas.py            # 100 mentors and 300 mentees a combination
    python bench/replicas.py --quick    # 40 mentors and 120 mentees a combination

Registration (one process) and ``--replicas`` processes of matching (``mentoring run-one``, as
``bench/pipeline.py`` starts them) on two temporary PostgreSQL databases and a temporary vhost;
the replicas share matching's database and queues, as ``docker compose up --scale matching=2``
does. For each number of programmes (``--programmes``, each an automatic programme in which every
mentor suits every mentee), split evenly between them:

1. the mentors are registered over HTTP and consumed by matching;
2. the matching processes are paused (``SIGSTOP``) while the mentees are registered over HTTP,
   so their registrations wait on matching's queue: a backlog, as after a burst;
3. the replicas are resumed (``SIGCONT``) and the time from then to the last ``PairingConfirmed``
   on the broker gives **pairings a second**: matching's own throughput, registration's excluded.

It also prints each replica's CPU seconds during the drain (how the work was shared). Decisions on
one programme are taken one at a time (a row lock per programme): a second replica can only help
when there is more than one programme, and the machine has a core for it. It only prints.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline import (  # noqa: E402
    CAPACITY,
    OPERATOR_TOKEN,
    PLATFORM_SECRET,
    Receiver,
    Sent,
    ServiceProcess,
    answers,
    closed_loop,
    consumed_all,
    free_port,
    open_programme,
    row,
    stores,
)

from services.platform_core.testing import temporary_vhost  # noqa: E402


def start(replicas: int, tmp: Path, amqp_uri: str, urls: Dict[str, str]) -> List[ServiceProcess]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                      env.get("PYTHONPATH")]))
    env.update({"AMQP_URI": amqp_uri, "MENTORING_DATA_DIR": str(tmp), "OPERATOR_TOKEN": OPERATOR_TOKEN,
                "PLATFORM_SECRET": PLATFORM_SECRET, "REGISTRATION_DATABASE_URL": urls["registration"],
                "MATCHING_DATABASE_URL": urls["matching"], "REGISTRATION_METRICS_PORT": "0",
                "MATCHING_METRICS_PORT": "0"})
    processes = []
    for index, name in enumerate(["registration"] + ["matching"] * replicas):
        port = free_port()
        own = {**env, f"{name.upper()}_HTTP_PORT": str(port)}
        processes.append(ServiceProcess(name, own, port, tmp / f"{name}-{index}.log"))
    for process in processes:
        process.wait_healthy()
    return processes


def wait_consumed(urls: Dict[str, str], timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while True:
        wanted, handled = consumed_all(urls)
        if handled >= wanted or time.monotonic() > deadline:
            return
        time.sleep(0.3)


def combination(base: str, matching: List[ServiceProcess], receiver: Receiver, programmes: int,
                mentors: int, mentees: int, clients: int, urls: Dict[str, str]) -> float:
    opened = [open_programme(base) for _ in range(programmes)]
    for index, programme in enumerate(opened):
        share = mentors // programmes + (1 if index < mentors % programmes else 0)
        closed_loop(base, programme, [Sent("mentor", str(uuid.uuid4())) for _ in range(share)], clients)
    wait_consumed(urls)
    batches = []
    for index, programme in enumerate(opened):
        share = mentees // programmes + (1 if index < mentees % programmes else 0)
        batches.append((programme, [Sent("mentee", str(uuid.uuid4())) for _ in range(share)]))
    for process in matching:
        os.kill(process.process.pid, signal.SIGSTOP)
    try:
        for programme, items in batches:
            closed_loop(base, programme, items, clients)
    finally:
        cpu0 = [p.cpu_seconds() for p in matching]
        resumed = time.perf_counter()
        for process in matching:
            os.kill(process.process.pid, signal.SIGCONT)
    sent = [item for _, items in batches for item in items]
    people = [i.person_id for i in sent if i.person_id]
    missing = receiver.wait_for(people, timeout=60)
    last = max((receiver.arrived[p] for p in people if p in receiver.arrived), default=resumed)
    rate = (len(people) - missing) / max(last - resumed, 1e-9)
    cpu = " / ".join(f"{p.cpu_seconds() - c:.1f}" for p, c in zip(matching, cpu0, strict=True))
    row(f"{programmes} programme(s), {len(matching)} replica(s): pairings a second",
        f"{rate:,.1f}  (paired {len(people) - missing} of {len(sent)}; {answers(sent)}; "
        f"CPU s by replica {cpu} in {last - resumed:.1f} s)")
    return rate


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="40 mentors and 120 mentees a combination")
    ap.add_argument("--mentors", type=int, default=100, help="mentors a combination (split between its programmes)")
    ap.add_argument("--mentees", type=int, default=300, help="mentees a combination (split between its programmes)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--programmes", default="1,2,4")
    ap.add_argument("--replicas", default="1,2")
    args = ap.parse_args(argv)
    if args.quick:
        args.mentors, args.mentees = 40, 120
    if args.mentors * CAPACITY < args.mentees:
        print(f"  note: {args.mentors * CAPACITY} places for {args.mentees} mentees: some will wait")
    print(f"replicas benchmark: {args.mentees} mentees and {args.mentors} mentors (capacity {CAPACITY}) a "
          f"combination, split between its programmes; PostgreSQL; python {sys.version.split()[0]}; "
          f"cpus {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    figures: Dict[tuple, float] = {}
    for replicas in [int(r) for r in args.replicas.split(",")]:
        with contextlib.ExitStack() as stack:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-replicas-")))
            amqp_uri = stack.enter_context(temporary_vhost("mentoring-bench"))
            urls = stack.enter_context(stores(False, tmp))
            processes: List[ServiceProcess] = []

            def stop_all(processes=processes) -> None:
                for process in reversed(processes):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(process.process.pid, signal.SIGCONT)
                    process.stop()

            stack.callback(stop_all)
            processes.extend(start(replicas, tmp, amqp_uri, urls))
            receiver = Receiver(amqp_uri)
            receiver.start()
            stack.callback(receiver.close)
            print(f"\n{replicas} replica(s) of matching", flush=True)
            for programmes in [int(p) for p in args.programmes.split(",")]:
                figures[(programmes, replicas)] = combination(
                    processes[0].url, processes[1:], receiver, programmes, args.mentors, args.mentees,
                    args.clients, urls)
    print(f"\nsummary: pairings a second (a backlog drained), by programmes and replicas "
          f"(load average now {os.getloadavg()[0]:.1f})", flush=True)
    replica_counts = sorted({r for _, r in figures})
    print("  programmes  " + "  ".join(f"{r} replica(s)" for r in replica_counts), flush=True)
    for programmes in sorted({p for p, _ in figures}):
        cells = [f"{figures.get((programmes, r), float('nan')):>12,.1f}" for r in replica_counts]
        ratio = ""
        if len(replica_counts) > 1 and (programmes, replica_counts[0]) in figures:
            ratio = f"   x{figures[(programmes, replica_counts[-1])] / figures[(programmes, replica_counts[0])]:.2f}"
        print(f"  {programmes:>10}  " + "  ".join(cells) + ratio, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

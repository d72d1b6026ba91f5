"""Sessions one app server holds: page times for a crowd of concurrent sessions on one server.

    .venv/bin/python -m bench.concurrency                       # 10, 50, 100 sessions, 20k book, PostgreSQL
    .venv/bin/python -m bench.concurrency --crowds 10 --accounts 1600 --write   # and update docs/performance.md

Starts one `streamlit run` on loopback over a PostgreSQL book (built once, as bench.pages does),
warms it with one session, then for each crowd size: every session connects (Streamlit's websocket
protocol, bench/ws_client.py), and all at once ask for the landing page, then switch to the
account page of an account of their own (different accounts in each crowd, so those pages start
cold; the landing page is cached after the warm-up, as it is on a server in use). Each script run
is timed from asking to its end. Every session is bounded by --timeout.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import sqlalchemy as sa

from bench.pages import KEPT_SECTION as SECTION
from bench.pages import machine, warehouse_url
from bench.ws_client import RENDERED, Session

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench.concurrency: begin -->", "<!-- bench.concurrency: end -->"


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    """One app server over the warehouse, the demo picker on (the crowd views as the default person)."""
    port = free_port()
    env = {**os.environ, "CS_COCKPIT_WAREHOUSE_URL": url, "CS_COCKPIT_UNSAFE_DEMO_IDENTITY": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT)
    app_url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=2).close()
            return process, app_url
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit(f"the app server did not start; see {log}")


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (user + system): what a run costs the server, however busy
    the machine is with other work."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_session(app_url: str, account_id: int, together: asyncio.Barrier, timeout: float) -> list[tuple]:
    """(page, outcome, seconds) for the landing page and then an account page."""
    try:
        async with asyncio.timeout(timeout):
            async with Session.open(app_url) as session:
                await together.wait()
                landing = await session.run()
                account = await session.run("account", f"account={account_id}")
        return [("landing", landing.outcome, landing.seconds), ("account", account.outcome, account.seconds)]
    except TimeoutError:
        return [("session", f"not done within {timeout:.0f} s", timeout)]
    except OSError as err:
        return [("session", f"failed: {type(err).__name__}", 0.0)]


async def crowd(app_url: str, accounts: list[int], timeout: float) -> tuple[list[tuple], float]:
    together = asyncio.Barrier(len(accounts))  # all connected, then all ask at once
    started = time.perf_counter()
    sessions = await asyncio.gather(*(one_session(app_url, a, together, timeout) for a in accounts))
    return [run for runs in sessions for run in runs], time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] if len(values) > 1 else values[0]


def table(results: dict[int, tuple[list[tuple], float, float]]) -> str:
    lines = ["| sessions | landing p50 s | landing p95 s | account p50 s | account p95 s | all runs p95 s | "
             "slowest s | crowd done in s | runs/s | server CPU s/run | not rendered |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for size, (runs, wall, cpu) in sorted(results.items()):
        ok = [r for r in runs if r[1] == RENDERED]
        by_page = {page: [s for p, _o, s in ok if p == page] for page in ("landing", "account")}
        cells = []
        for page in ("landing", "account"):
            times = by_page[page]
            cells += [f"{statistics.median(times):.2f}", f"{percentile(times, 95):.2f}"] if times else ["–", "–"]
        every = [s for _p, _o, s in ok]
        lines.append(f"| {size} | {' | '.join(cells)} | {percentile(every, 95):.2f} | {max(every):.2f} | "
                     f"{wall:.1f} | {len(ok) / wall:.1f} | {cpu / max(len(ok), 1):.2f} | {len(runs) - len(ok)} |")
    return "\n".join(lines)


def write_section(path: Path, generated: str) -> None:
    """Replace the generated part of docs/performance.md's last section (between its markers), or
    add the section at the end with a placeholder for the prose."""
    text = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{generated}\n{END}"
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n\n{block}\n"
    path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crowds", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--accounts", type=int, default=20_000, help="the book's size (live accounts)")
    parser.add_argument("--timeout", type=float, default=300, help="bound on each session, seconds")
    parser.add_argument("--pg", default=os.environ.get("CS_COCKPIT_TEST_PG_URL",
                                                        "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--write", action="store_true", help="put the table in docs/performance.md")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance.md"))
    args = parser.parse_args()

    from queries.db import Warehouse
    from queries.migrations import migrate
    url = warehouse_url("postgres", args.accounts, args.pg, rebuild=False)
    migrate(Warehouse(url), create_schema=True)
    with sa.create_engine(url).connect() as conn:  # accounts for the account pages, one per session
        live = conn.exec_driver_sql("select account_id from account_snapshot where is_live "
                                    "order by arr desc, account_id").scalars().all()
    needed = 1 + sum(args.crowds)
    if len(live) < needed:
        raise SystemExit(f"the book has {len(live)} live accounts; the crowds need {needed}")
    log = Path(os.environ.get("TMPDIR", "/tmp")) / "cs-cockpit-concurrency.log"
    load_before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
    server, app_url = start_server(url, log)
    results = {}
    try:
        warm, _ = asyncio.run(crowd(app_url, live[:1], args.timeout))
        print(f"warm-up: {warm}", file=sys.stderr, flush=True)
        offset = 1
        for size in args.crowds:
            cpu_before = cpu_seconds(server.pid)
            runs, wall = asyncio.run(crowd(app_url, live[offset:offset + size], args.timeout))
            offset += size
            results[size] = (runs, wall, cpu_seconds(server.pid) - cpu_before)
            failed = sorted({o for _p, o, _s in runs if o != RENDERED})
            print(f"{size} sessions: done in {wall:.1f} s{'; ' + ', '.join(failed) if failed else ''}",
                  file=sys.stderr, flush=True)
        status = Path(f"/proc/{server.pid}/status").read_text()
        peak_mib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")) / 1024
    finally:
        server.terminate()
        server.wait(timeout=30)
    load_after = os.getloadavg()[0]
    generated = (f"Measured by `python -m bench.concurrency` on {dt.date.today():%d %b %Y}: {machine()}; one app "
                 f"server and PostgreSQL on the same machine (1-minute load average {load_before:.1f} before, "
                 f"{load_after:.1f} after), the "
                 f"{args.accounts:,}-account book; the server's peak memory {peak_mib:,.0f} MiB.\n\n{table(results)}")
    print(generated)
    if args.write:
        write_section(Path(args.out), generated)
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

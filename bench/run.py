"""The benchmark's one command (bin/bench): start real servers, drive simulated phones, a screen
and a facilitator through the documented protocol, do the same against the bare Channels app of
bench/bare/, and write bench/results/<timestamp>.{json,md,svg}.

A case is one server shape and one room layout, e.g. ``embedded:2000`` (one workshop of 2,000
phones on one Daphne process), ``production:5000`` (two Daphne processes, Redis, PostgreSQL),
``embedded:100x30`` (100 workshops of 30 phones at once); ``+reconnect`` adds the reconnect
storm. For each case, in order: the phones join over HTTP, connect all at once (connect storm),
sit idle (soak), play a round (pitch, then every phone rates its ballot within the vote window),
and optionally reconnect all at once after a server restart. Then the bare app gets the same
phones: connect storm, soak, single broadcasts, and every vote broadcast to the room at the
same rate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from bench import report, servers
from bench.client import Device, now
from bench.procstat import Sampler
from tests.e2e import wire

ROOT = servers.ROOT
RESULTS = ROOT / "bench" / "results"
CARD = {
    "title": "The latte and the extra question",
    "customer": "A regular with a laptop",
    "situation": "A quiet morning; the till nudges an add-on.",
    "ask": "Pitch what you would offer, if anything.",
}
CARD_2 = {**CARD, "title": "Round two after the restart"}
BALLOT_SIZE, FULL_BALLOT_MAX_TEAMS = 5, 8  # the protocol's defaults (docs/protocol.md §10.2)

PLANS = {
    "full": [
        "embedded:100", "embedded:500", "embedded:1000", "embedded:2000+reconnect",
        "embedded:100x30", "production:1000", "production:2000", "production:5000",
    ],
    "quick": ["embedded:100+reconnect", "embedded:4x25", "production:100"],
}  # fmt: skip


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", flush=True)


# -- cases ----------------------------------------------------------------------------------------


@dataclass
class Case:
    shape: str
    rooms: int
    phones: int  # per room
    reconnect: bool = False

    @property
    def name(self) -> str:
        layout = f"{self.rooms}x{self.phones}" if self.rooms > 1 else str(self.phones)
        return f"{self.shape}-{layout}"

    @property
    def total(self) -> int:
        return self.rooms * self.phones

    @classmethod
    def parse(cls, spec: str) -> Case:
        m = re.fullmatch(r"(embedded|production):(?:(\d+)x)?(\d+)(\+reconnect)?", spec.strip())
        if not m:
            raise argparse.ArgumentTypeError(
                f"bad case {spec!r}: use e.g. embedded:2000, production:5000+reconnect, embedded:100x30"
            )
        return cls(m[1], int(m[2] or 1), int(m[3]), bool(m[4]))


def teams_for(phones: int, forced: int | None) -> int:
    """Enough teams that big rooms get 5-move ballots (more than 8 teams), at most 50."""
    if forced:
        return forced
    if phones < 12:
        return max(2, phones // 2)
    if phones <= 60:
        return 6
    return min(50, max(10, phones // 10))


def ballot_length(teams: int) -> int:
    return BALLOT_SIZE if teams > FULL_BALLOT_MAX_TEAMS else teams - 1


# -- the facilitator's browser (login and workshop creation over HTTP) ------------------------------


class Browser(wire.Browser):
    timeout = 60  # a server under load answers slowly, not never

    def log_in(self) -> None:
        url, _ = self.post_form(
            "/accounts/login/", {"username": servers.USERNAME, "password": servers.PASSWORD}
        )
        if not url.endswith("/console/"):
            raise RuntimeError(f"facilitator login failed, landed on {url}")

    def create_workshop(self, title: str, teams: int) -> tuple[str, str]:
        url, _ = self.post_form("/console/", {"title": title, "teams": teams, "deck": ""})
        code = url.rstrip("/").rsplit("/", 1)[-1]
        _, console = self.get(f"/console/{code}/")
        key = re.search(r"/screen/" + code + r"/\?key=([\w-]+)", console).group(1)
        return code, key


# -- load-generator processes ---------------------------------------------------------------------


class WorkerProc:
    def __init__(self, index: int, nice: int) -> None:
        self.index, self.nice = index, nice
        self.proc: asyncio.subprocess.Process | None = None
        self.waiting: dict[int, asyncio.Future] = {}
        self.next_id = 0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.returncode is None else None

    async def start(self) -> None:
        nice = self.nice
        self.proc = await asyncio.create_subprocess_exec(
            str(servers.PYTHON), "-m", "bench.loadgen", cwd=ROOT,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**28,
            preexec_fn=(lambda: os.nice(nice)) if nice else None,
        )  # fmt: skip
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        while line := await self.proc.stdout.readline():
            reply = json.loads(line)
            future = self.waiting.pop(reply["id"], None)
            if future is None or future.done():
                continue
            if "error" in reply:
                future.set_exception(RuntimeError(f"load generator {self.index}: {reply['error']}"))
            else:
                future.set_result(reply["result"])
        for future in self.waiting.values():
            if not future.done():
                future.set_exception(RuntimeError(f"load generator {self.index} exited"))

    async def call(self, cmd: str, rpc_timeout: float = 1800, **args):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.waiting[self.next_id] = future
        self.proc.stdin.write(
            (json.dumps({"id": self.next_id, "cmd": cmd, "args": args}) + "\n").encode()
        )
        await self.proc.stdin.drain()
        return await asyncio.wait_for(future, rpc_timeout)

    async def close(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        with contextlib.suppress(Exception):
            await self.call("close", rpc_timeout=30)
        self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 10)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def each(
    workers: list[WorkerProc], cmd: str, per_worker=None, rpc_timeout: float = 1800, **args
) -> list:
    """Call ``cmd`` on every worker at once (``per_worker(i)`` adds worker-specific args)."""
    return await asyncio.gather(
        *(
            w.call(cmd, rpc_timeout, **args, **(per_worker(i) if per_worker else {}))
            for i, w in enumerate(workers)
        )
    )


# -- profiling ------------------------------------------------------------------------------------


class Profile:
    """py-spy on a server process from ``start`` until ``result`` (which interrupts it, as
    Ctrl-C does), summarised by report.top_frames."""

    RATE = 100

    def __init__(self, pid: int, path: Path) -> None:
        self.pid, self.path = pid, path
        self.proc = None
        self.started = 0.0

    @staticmethod
    def tool() -> str | None:
        local = servers.PYTHON.parent / "py-spy"
        return str(local) if local.exists() else shutil.which("py-spy")

    async def start(self) -> Profile:
        tool = self.tool()
        if tool:
            self.started = now()
            self.proc = await asyncio.create_subprocess_exec(
                tool, "record", "--pid", str(self.pid), "--duration", "900", "--rate", str(self.RATE),
                "--format", "raw", "--threads", "--nonblocking", "--output", str(self.path),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip
        return self

    async def result(self) -> dict | None:
        if self.proc is None:
            return None
        seconds = now() - self.started
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(self.proc.wait(), 60)
        except TimeoutError:
            self.proc.kill()
            return None
        if not self.path.exists():
            return None
        text = self.path.read_text()
        return {"file": str(self.path.relative_to(ROOT)), "seconds": round(seconds, 1),
                **report.top_frames(text, 20, wall_samples=int(self.RATE * seconds))}  # fmt: skip


# -- shared steps ---------------------------------------------------------------------------------


async def start_devices(devices: list[Device], timeout: float = 60) -> None:
    for d in devices:
        d.start()
    deadline = now() + timeout
    while any(d.t_ready is None for d in devices):
        if now() > deadline:
            raise TimeoutError("the facilitator or screen could not connect")
        await asyncio.sleep(0.05)


async def heartbeat(devices: list[Device]) -> None:
    while True:
        await asyncio.sleep(1)
        t = now()
        for d in devices:
            d.heartbeat(t)


def conns_per_base(phones: list[dict], bases: list[str], extra: dict) -> dict:
    count = {b: extra.get(b, 0) for b in bases}
    for p in phones:
        count[p["base"]] += 1
    return count


def plan_phones(case: Case, codes: list[str], bases: list[str]) -> list[dict]:
    phones, g = [], 0
    for code in codes:
        for j in range(case.phones):
            phones.append(
                {"i": g, "code": code, "base": bases[g % len(bases)], "nickname": f"Phone {j + 1}"}
            )
            g += 1
    return phones


async def spawn_workers(args, phones: list[dict], mode: str, sampler: Sampler) -> list[WorkerProc]:
    count = max(1, min(args.workers, -(-len(phones) // 150)))
    workers = [WorkerProc(i, args.loadgen_nice) for i in range(count)]
    await asyncio.gather(*(w.start() for w in workers))
    for w in workers:
        sampler.watch(f"loadgen{w.index}", lambda w=w: w.pid)
    await each(
        workers, "init", per_worker=lambda i: {"phones": phones[i::count]},
        mode=mode, faithful=args.faithful, ping_every=args.ping_every,
    )  # fmt: skip
    return workers


async def connect_storm(workers: list[WorkerProc], timeout: float, spread: float = 0.0) -> dict:
    """Every phone connects at once (or spread over ``spread`` seconds). A phone's time is from
    its own start to its snapshot."""
    start_at = now() + 0.3
    replies = await each(workers, "connect", rpc_timeout=spread + timeout + 60, timeout=timeout,
                         start_at=start_at, spread=spread)  # fmt: skip
    ready = [t - start_at if t is not None else None for r in replies for t in r["ready"]]
    failures: dict = {}
    for r in replies:
        for k, v in r["failures"].items():
            failures[k] = failures.get(k, 0) + v
    done = [t for t in ready if t is not None]
    return {
        "phones": len(ready),
        "spread_s": spread,
        "seconds_all": round(max(done), 2) if len(done) == len(ready) and done else None,
        "ready": report.summary(ready),
        "failed": sum(t is None for t in ready),
        "retried": sum(a > 1 for r in replies for a in r["attempts"]),
        "failures": failures,
        "seat_lost": sum(r["seat_lost"] for r in replies),
    }


def server_summary(sampler: Sampler, labels: list[str], rss_before: dict, conns: dict) -> dict:
    phases = sampler.summary()
    peaks = {label: round(sampler.peaks.get(label, 0) / 2**20, 1) for label in labels}
    per1000 = {}
    for label in labels:
        if rss_before.get(label) and conns.get(label):
            per1000[label] = round(
                (sampler.peaks.get(label, 0) - rss_before[label]) / 2**20 / conns[label] * 1000, 1
            )
    vote = phases.get("vote", {})
    loadgen = [
        v["cpu_pct"]
        for k, v in vote.items()
        if isinstance(v, dict)
        and (k.startswith("loadgen") or k == "orchestrator")
        and v.get("cpu_pct") is not None
    ]
    return {
        "phases": phases,
        "peak_rss_mb": peaks,
        "rss_before_storm_mb": {k: round(v / 2**20, 1) for k, v in rss_before.items()},
        "peak_mb_per_1000": per1000,
        "vote_cpu_pct": {
            label: vote[label]["cpu_pct"]
            for label in labels
            if vote.get(label, {}).get("cpu_pct") is not None
        },
        "vote_loadgen_cpu_pct": round(sum(loadgen), 1) if loadgen else None,
    }


def soak_memory(sampler: Sampler, labels: list[str], rss_before: dict, conns: dict) -> dict:
    sampler.sample()
    after = {label: sampler.rss_now(label) for label in labels}
    return {
        "rss_before_mb": {k: round(v / 2**20, 1) for k, v in rss_before.items() if v},
        "rss_after_mb": {k: round(v / 2**20, 1) for k, v in after.items() if v},
        "connections": conns,
        "kb_per_connection": {
            k: round((after[k] - rss_before[k]) / 1024 / conns[k], 1)
            for k in labels
            if after.get(k) and rss_before.get(k) and conns.get(k)
        },
    }


# -- the project ----------------------------------------------------------------------------------


async def project_case(case: Case, args, run_dir: Path, svc: dict) -> dict:
    processes = 1 if case.shape == "embedded" else args.processes
    out: dict = {}
    with servers.project_shape(case.shape, processes, run_dir, f"{case.name}", svc) as shape:
        sampler = Sampler().start()
        labels = [f"daphne{i}" for i in range(processes)]
        for label, d in zip(labels, shape.daphnes, strict=True):
            sampler.watch(label, lambda d=d: d.pid)
        for label, pid_fn in shape.extra_pids.items():
            sampler.watch(label, pid_fn, children=label == "postgres")
        sampler.watch("orchestrator", os.getpid)
        workers: list[WorkerProc] = []
        devices: list[Device] = []
        beat = None
        rss_before: dict = {}
        conns: dict = {}
        try:
            workers, devices, beat, rss_before, conns = await _project(
                case, args, run_dir, shape, sampler, labels, out
            )
        except Exception as problem:
            out["error"] = f"{type(problem).__name__}: {problem}"
            out["traceback"] = traceback.format_exc()
            log(f"  project run failed: {out['error']}")
        finally:
            sampler.phase("teardown")
            if beat:
                beat.cancel()
            await asyncio.gather(*(d.stop() for d in devices), return_exceptions=True)
            await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
            sampler.stop()
            out["server"] = server_summary(sampler, labels, rss_before, conns)
            out["logs"] = [str(d.log_path.relative_to(ROOT)) for d in shape.daphnes]
    return out


async def _project(
    case: Case, args, run_dir: Path, shape, sampler: Sampler, labels: list[str], out: dict
):
    bases = shape.bases
    teams = teams_for(case.phones, args.teams)
    sampler.phase("setup")
    browser = Browser(bases[0])
    await asyncio.to_thread(browser.log_in)
    rooms = []
    for r in range(case.rooms):
        rooms.append(await asyncio.to_thread(browser.create_workshop, f"Bench {r + 1}", teams))
    codes = [code for code, _ in rooms]
    facs = {code: Device(-1 - r, code, bases[0], role="facilitator", cookie=browser.cookie_header(),
                         faithful=False, ping_every=None, keep_snapshot=True)
            for r, (code, _) in enumerate(rooms)}  # fmt: skip
    screens = {code: Device(-1001 - r, code, bases[-1], role="screen", token=key, faithful=False,
                            ping_every=None, record_all=True)
               for r, (code, key) in enumerate(rooms)}  # fmt: skip
    devices = [*facs.values(), *screens.values()]
    await start_devices(devices)
    beat = asyncio.create_task(heartbeat(devices))
    replies = await asyncio.gather(
        *(
            f.command("configure", settings={"pitch_seconds": 0, "vote_seconds": 0})
            for f in facs.values()
        )
    )
    assert all(a["type"] == "ack" for a, _, _ in replies), replies

    phones = plan_phones(case, codes, bases)
    workers = await spawn_workers(args, phones, "project", sampler)
    extra = (
        {bases[0]: case.rooms, bases[-1]: case.rooms}
        if len(bases) > 1
        else {bases[0]: 2 * case.rooms}
    )
    per_base = conns_per_base(phones, bases, extra)
    conns = {label: per_base[b] for label, b in zip(labels, bases, strict=True)}
    log(
        f"  {case.name}: {len(phones)} phones, {teams} teams per workshop, {len(workers)} load generators"
    )

    # -- join ---------------------------------------------------------------------------------
    sampler.phase("join")
    prof = await _profile(args, shape, "join", run_dir, case)
    start_at = now() + 0.3
    share = max(1, args.join_concurrency // len(workers))
    replies = await each(workers, "join", rpc_timeout=3600, concurrency=share, start_at=start_at)
    records = [r for reply in replies for r in reply["records"]]
    problems: dict = {}
    for _, _, problem, _ in records:
        if problem:
            problems[problem] = problems.get(problem, 0) + 1
    span = max(r[3] for r in records) - start_at
    out["join"] = {
        "phones": len(records),
        "concurrency": share * len(workers),
        "seconds_all": round(span, 2),
        "per_second": round(len(records) / span, 1),
        "per_phone": report.summary([r[0] for r in records]),
        "post": report.summary([r[1] for r in records]),
        "refused": sum(1 for r in records if r[2]),
        "problems": problems,
        "profile": await prof.result() if prof else None,
    }
    log(
        f"  join: {len(records)} in {span:.1f} s, p95 {out['join']['per_phone']['p95']} ms, refused {out['join']['refused']}"
    )

    # -- connect storm ------------------------------------------------------------------------
    sampler.sample()
    rss_before = {label: sampler.rss_now(label) for label in labels}
    sampler.phase("storm")
    prof = await _profile(args, shape, "storm", run_dir, case)
    out["storm"] = await connect_storm(workers, args.storm_timeout, args.connect_spread)
    out["storm"]["profile"] = await prof.result() if prof else None
    log(
        f"  connect storm: all in {out['storm']['seconds_all']} s, failed {out['storm']['failed']}, failures {out['storm']['failures']}"
    )

    # The roster (team and slot of every phone) as a fresh screen sees it.
    roster: dict = {}
    for code, key in rooms:
        viewer = Device(
            -5000,
            code,
            bases[0],
            role="screen",
            token=key,
            faithful=False,
            ping_every=None,
            keep_snapshot=True,
        )
        await start_devices([viewer])
        roster[code] = {
            m["id"]: [t["id"], slot]
            for t in viewer.snapshot["teams"]
            for slot, m in enumerate(t["members"])
        }
        await viewer.stop()
    known = sum(r["known"] for r in await each(workers, "roster", roster=roster))

    # -- idle soak ----------------------------------------------------------------------------
    sampler.phase("soak")
    await asyncio.sleep(args.soak)
    out["soak"] = {"seconds": args.soak, **soak_memory(sampler, labels, rss_before, conns)}
    idle = sampler.summary().get("soak", {})
    out["soak"]["cpu_pct"] = {label: idle.get(label, {}).get("cpu_pct") for label in labels}
    log(
        f"  soak: KB per connection {out['soak']['kb_per_connection']}, idle CPU {out['soak']['cpu_pct']}"
    )

    # -- a round ------------------------------------------------------------------------------
    round_out: dict = {"teams": teams, "roster_known": known}
    out["round"] = round_out
    sampler.phase("round")
    phase_samples: list = []
    round_out["phase"] = {}

    async def step(name: str, command: str, **fields) -> dict:
        answers = await asyncio.gather(*(facs[c].command(command, **fields) for c in codes))
        for answer, _, _ in answers:
            if answer["type"] != "ack":
                raise RuntimeError(f"{command} refused: {answer}")
        sent = {c: a[1] for c, a in zip(codes, answers, strict=True)}
        seqs = {c: a[0]["seqs"] for c, a in zip(codes, answers, strict=True)}
        replies = await each(
            workers, "wait_seq", rpc_timeout=args.phase_timeout + 60, timeout=args.phase_timeout,
            targets={c: max(s) for c, s in seqs.items()}, marks={c: s[:1] for c, s in seqs.items()},
        )  # fmt: skip
        latencies = []
        for reply in replies:
            for code, by_seq in reply["times"].items():
                for times in by_seq.values():
                    latencies.extend(t - sent[code] if t is not None else None for t in times)
        result = {**report.summary(latencies), "facilitator_ack_ms": round(1000 * max(a[2] - a[1] for a in answers), 1),
                  "behind_after_timeout": sum(r["behind"] for r in replies)}  # fmt: skip
        round_out["phase"][name] = result
        log(
            f"  {name}: p50 {result['p50']} p95 {result['p95']} max {result['max']} ms (missing {result['missing']})"
        )
        return {"latencies": latencies, "seqs": seqs}

    await step("round_started", "start_round", scenario=CARD)
    phase_samples += (await step("pitch", "advance"))["latencies"]

    answered = await each(
        workers, "moves", rpc_timeout=args.phase_timeout + 60, timeout=args.phase_timeout
    )
    move_records = [r for reply in answered for r in reply["records"]]
    round_out["moves"] = {
        "sent": len(move_records),
        "ack": report.summary([r[3] - r[2] for r in move_records if r[5] == "ack"]),
        "refused": sum(r[5] != "ack" for r in move_records),
    }
    await _settle(facs, workers, args.phase_timeout)
    phase_samples += (await step("vote", "advance"))["latencies"]

    # -- the vote -----------------------------------------------------------------------------
    sampler.phase("vote")
    prof = await _profile(args, shape, "vote", run_dir, case)
    start_at = now() + 1.0
    replies = await each(
        workers, "vote", rpc_timeout=args.vote_window + args.drain + 120,
        per_worker=lambda i: {"seed": 1000 + i},
        start_at=start_at, window=args.vote_window, timeout=args.vote_window + args.drain,
        ballot_size=BALLOT_SIZE, full_max=FULL_BALLOT_MAX_TEAMS, per_phone=0,
    )  # fmt: skip
    window_end = start_at + args.vote_window
    vote_profile = await prof.result() if prof else None
    sampler.phase("drain")
    final = await _final_seqs(facs)
    drained = await each(
        workers,
        "wait_seq",
        rpc_timeout=args.drain + 60,
        targets=final,
        marks={},
        timeout=args.drain,
    )
    deadline = now() + args.drain
    while now() < deadline and any((screens[c].last_seq or 0) < final[c] for c in codes):
        await asyncio.sleep(0.05)
    records = [r for reply in replies for r in reply["records"]]
    outcomes: dict = {}
    for r in records:
        outcomes[r[5]] = outcomes.get(r[5], 0) + 1
    acked = [r for r in records if r[5] == "ack"]
    to_screen = [
        screens[r[0]].seen[r[4]] - r[2] if r[4] in screens[r[0]].seen else None for r in acked
    ]
    last_answer = max((r[3] for r in records), default=window_end)
    ballots: dict = {}
    for reply in replies:
        for k, v in reply["ballots"].items():
            ballots[k] = ballots.get(k, 0) + v
    round_out["votes"] = {
        "window_s": args.vote_window,
        "planned": sum(r["planned"] for r in replies),
        "acked": len(acked),
        "refused": {k: v for k, v in outcomes.items() if k != "ack"},
        "refused_detail": [d for reply in replies for d in reply["refused_detail"]][:10],
        "unanswered": sum(r["unanswered"] for r in replies),
        "ballot_lengths": ballots,
        "rate_per_s": round(sum(r["planned"] for r in replies) / args.vote_window, 1),
        "ack": report.summary([r[3] - r[2] for r in acked]),
        "screen": report.summary(to_screen),
        "last_ack_after_window_s": round(last_answer - window_end, 2),
        "drain_s": round(max(d["at"] for d in drained) - window_end, 2),
        "phones_behind_after_drain": sum(d["behind"] for d in drained),
        "profile": vote_profile,
    }
    v = round_out["votes"]
    log(f"  votes: {v['acked']}/{v['planned']} acked at {v['rate_per_s']}/s, ack p95 {v['ack']['p95']} ms, "
        f"screen p95 {v['screen']['p95']} ms (missing {v['screen']['missing']}), drained {v['drain_s']} s after the window")  # fmt: skip

    sampler.phase("reveal")
    phase_samples += (await step("reveal", "advance"))["latencies"]
    phase_samples += (await step("leaderboard", "advance"))["latencies"]
    round_out["phase_all"] = report.summary(phase_samples)

    # -- integrity ----------------------------------------------------------------------------
    sampler.phase("integrity")
    final = await _final_seqs(facs)
    await each(
        workers,
        "wait_seq",
        rpc_timeout=args.phase_timeout + 60,
        targets=final,
        marks={},
        timeout=10,
    )
    out["integrity"] = await _integrity(workers, final, [*facs.values(), *screens.values()])
    log(f"  integrity: {out['integrity']['counts']}")
    if out["integrity"]["gap_examples"]:
        log(f"  gap examples: {out['integrity']['gap_examples'][:4]}")

    # -- reconnect storm ----------------------------------------------------------------------
    if case.reconnect:
        sampler.phase("reconnect")
        out["reconnect"] = await _reconnect(
            case, args, shape, workers, facs, screens, final, run_dir
        )
        r = out["reconnect"]
        log(f"  reconnect: {r['resumed']}/{r['phones']} resumed, all in {r['all_resumed_s']} s after the server was up, "
            f"refused {r['refused']}, seats lost {r['seat_lost']}, failures {r['failures']}")  # fmt: skip
        final = await _final_seqs(facs)
        await each(
            workers,
            "wait_seq",
            rpc_timeout=args.phase_timeout + 60,
            targets=final,
            marks={},
            timeout=10,
        )
        out["integrity_after_reconnect"] = await _integrity(
            workers, final, [*facs.values(), *screens.values()]
        )
    return workers, devices, beat, rss_before, conns


async def _profile(args, shape, what: str, run_dir: Path, case: Case) -> Profile | None:
    if not args.profile or what not in args.profile:
        return None
    pid = shape.daphnes[0].pid
    return await Profile(pid, run_dir / f"{case.name}-{what}.pyspy.txt").start()


async def _final_seqs(facs: dict) -> dict:
    pongs = await asyncio.gather(*(f.ping() for f in facs.values()))
    return {code: pong["seq"] for code, pong in zip(facs, pongs, strict=True)}


async def _settle(facs: dict, workers: list[WorkerProc], timeout: float) -> None:
    final = await _final_seqs(facs)
    await each(
        workers, "wait_seq", rpc_timeout=timeout + 60, targets=final, marks={}, timeout=timeout
    )


async def _integrity(workers: list[WorkerProc], final: dict, own: list[Device]) -> dict:
    replies = await each(workers, "stats", final=final)
    counts: dict = {}
    for reply in replies:
        for k, v in reply["counts"].items():
            counts[k] = counts.get(k, 0) + v
    others = {"lost": 0, "dups": 0, "out_of_order": 0}
    for d in own:
        others["lost"] += len(d.missing) + max(0, final.get(d.code, 0) - (d.last_seq or 0))
        others["dups"] += d.dups
        others["out_of_order"] += d.ooo
    return {"counts": counts, "screens_and_facilitators": others,
            "gap_examples": [e for r in replies for e in r.get("gap_examples", [])][:10],
            "loadgen_cpu_s": [round(r["cpu_s"], 1) for r in replies]}  # fmt: skip


async def _reconnect(
    case: Case, args, shape, workers, facs: dict, screens: dict, final: dict, run_dir: Path
) -> dict:
    """Restart every Daphne process; every phone reconnects with its last seq and client.js's
    backoff. The facilitator starts round 2 as soon as it is back, so resuming phones also have
    an event to catch up on."""
    targets = {code: seq + 1 for code, seq in final.items()}
    await each(workers, "mark_reconnect", targets=targets)
    welcomes = {c: f.welcomes for c, f in facs.items()}
    t_kill = now()
    with ThreadPoolExecutor(len(shape.daphnes)) as pool:
        list(pool.map(lambda d: d.stop(), shape.daphnes))
    t_down = now()
    for d in shape.daphnes:
        d.start(wait=False)
    await asyncio.to_thread(lambda: [d.wait_healthy() for d in shape.daphnes])
    t_up = now()
    waiting = each(workers, "wait_reconnect", rpc_timeout=args.reconnect_timeout + 120, targets=targets,
                   timeout=args.reconnect_timeout)  # fmt: skip
    deadline = now() + args.reconnect_timeout
    while any(f.welcomes <= welcomes[c] for c, f in facs.items()) and now() < deadline:
        await asyncio.sleep(0.05)
    started = await asyncio.gather(
        *(
            f.command("start_round", timeout=args.reconnect_timeout, scenario=CARD_2)
            for f in facs.values()
        )
    )
    replies = await waiting
    welcome = [t for r in replies for t in r["welcome"]]
    caught = [t for r in replies for t in r["caught"]]
    failures: dict = {}
    for r in replies:
        for k, v in r["failures"].items():
            failures[k] = failures.get(k, 0) + v
    # Refused: an answer from a running server other than a welcome (HTTP errors, hello errors,
    # handshake timeouts). Connection refused while the server was down is expected.
    refused = sum(
        v
        for k, v in failures.items()
        if k not in ("ConnectionRefusedError", "OSError", "ConnectionResetError")
    )
    resumed = [t for t in welcome if t is not None]
    return {
        "phones": len(welcome),
        "server_down_s": round(t_down - t_kill, 2),
        "server_restart_s": round(t_up - t_down, 2),
        "resumed": len(resumed),
        "all_resumed_s": round(max(resumed) - t_up, 2)
        if len(resumed) == len(welcome) and resumed
        else None,
        "resume_after_up": report.summary([t - t_up if t is not None else None for t in welcome]),
        "caught_up_after_up": report.summary([t - t_up if t is not None else None for t in caught]),
        "since_kill": report.summary([t - t_kill if t is not None else None for t in welcome]),
        "snapshots": sum(r["snapshots"] for r in replies),
        "attempts": report.summary([a for r in replies for a in r["attempts"]])
        | {"unit": "attempts, not ms"},
        "failures": failures,
        "refused": refused,
        "seat_lost": sum(r["seat_lost"] for r in replies),
        "still_waiting": sum(r["waiting"] for r in replies),
        "round_2_acked": all(a["type"] == "ack" for a, _, _ in started),
    }


# -- the bare app ---------------------------------------------------------------------------------


async def bare_case(case: Case, args, run_dir: Path, svc: dict, per_phone: int) -> dict:
    out: dict = {}
    with servers.bare_shape(case.shape, args.bare_processes, run_dir, case.name, svc) as shape:
        sampler = Sampler().start()
        labels = [f"bare{i}" for i in range(len(shape.daphnes))]
        for label, d in zip(labels, shape.daphnes, strict=True):
            sampler.watch(label, lambda d=d: d.pid)
        for label, pid_fn in shape.extra_pids.items():
            sampler.watch(label, pid_fn)
        sampler.watch("orchestrator", os.getpid)
        workers: list[WorkerProc] = []
        devices: list[Device] = []
        rss_before: dict = {}
        conns: dict = {}
        try:
            workers, devices, rss_before, conns = await _bare(
                case, args, shape, sampler, labels, out, per_phone
            )
        except Exception as problem:
            out["error"] = f"{type(problem).__name__}: {problem}"
            out["traceback"] = traceback.format_exc()
            log(f"  bare run failed: {out['error']}")
        finally:
            sampler.phase("teardown")
            await asyncio.gather(*(d.stop() for d in devices), return_exceptions=True)
            await asyncio.gather(*(w.close() for w in workers), return_exceptions=True)
            sampler.stop()
            out["server"] = server_summary(sampler, labels, rss_before, conns)
    return out


async def _bare(
    case: Case, args, shape, sampler: Sampler, labels: list[str], out: dict, per_phone: int
):
    bases = shape.bases
    codes = [f"room{r + 1}" for r in range(case.rooms)]
    facs = {c: Device(-1 - r, c, bases[0], role="facilitator", mode="bare", faithful=False, ping_every=None)
            for r, c in enumerate(codes)}  # fmt: skip
    screens = {c: Device(-1001 - r, c, bases[-1], role="screen", mode="bare", faithful=False, ping_every=None, record_all=True)
               for r, c in enumerate(codes)}  # fmt: skip
    devices = [*facs.values(), *screens.values()]
    await start_devices(devices)
    phones = plan_phones(case, codes, bases)
    sampler.phase("setup")
    workers = await spawn_workers(args, phones, "bare", sampler)
    extra = (
        {bases[0]: case.rooms, bases[-1]: case.rooms}
        if len(bases) > 1
        else {bases[0]: 2 * case.rooms}
    )
    per_base = conns_per_base(phones, bases, extra)
    conns = {label: per_base[b] for label, b in zip(labels, bases, strict=True)}

    sampler.sample()
    rss_before = {label: sampler.rss_now(label) for label in labels}
    sampler.phase("storm")
    out["storm"] = await connect_storm(workers, args.storm_timeout, args.connect_spread)
    log(
        f"  bare connect storm: all in {out['storm']['seconds_all']} s, failed {out['storm']['failed']}, failures {out['storm']['failures']}"
    )
    sampler.phase("soak")
    await asyncio.sleep(args.soak)
    out["soak"] = {"seconds": args.soak, **soak_memory(sampler, labels, rss_before, conns)}

    sampler.phase("broadcast")
    samples, per = [], []
    for n in range(1, args.broadcasts + 1):
        sent = {}
        for c, f in facs.items():
            sent[c] = now()
            await f._send(json.dumps({"type": "broadcast", "n": n}))
        replies = await each(
            workers,
            "wait_bare",
            rpc_timeout=args.phase_timeout + 60,
            n=n,
            timeout=args.phase_timeout,
        )
        lat = [
            t - sent[c] if t is not None else None
            for r in replies
            for c, times in r["times"].items()
            for t in times
        ]
        samples += lat
        per.append(report.summary(lat)["p95"])
        await asyncio.sleep(0.3)
    out["broadcast"] = {**report.summary(samples), "count": args.broadcasts, "p95_each": per}
    log(
        f"  bare broadcast: p50 {out['broadcast']['p50']} p95 {out['broadcast']['p95']} max {out['broadcast']['max']} ms"
    )

    sampler.phase("vote")
    # The same vote rate as the project's (votes per phone / the project's window), for a
    # shorter time: the rate decides whether it holds.
    window = args.bare_vote_window
    per_phone_rate = per_phone / args.vote_window
    start_at = now() + 1.0
    replies = await each(
        workers, "vote", rpc_timeout=window + args.bare_drain + 120, per_worker=lambda i: {"seed": 2000 + i},
        start_at=start_at, window=window, timeout=window + args.bare_drain,
        ballot_size=BALLOT_SIZE, full_max=FULL_BALLOT_MAX_TEAMS, per_phone=per_phone_rate * window,
    )  # fmt: skip
    window_end = start_at + window
    sampler.phase("drain")
    records = [r for reply in replies for r in reply["records"]]
    expected = {c: 0 for c in codes}
    for reply in replies:
        for c, k in reply["planned_by_code"].items():
            expected[c] += k
    drained = await each(
        workers,
        "wait_bare_votes",
        rpc_timeout=args.bare_drain + 60,
        expected=expected,
        timeout=args.bare_drain,
    )
    deadline = now() + args.bare_drain
    while now() < deadline and any(screens[c].bare_votes < expected[c] for c in codes):
        await asyncio.sleep(0.05)
    acked = [r for r in records if r[5] == "ack"]
    # A record is (room, command id, sent, answered, seq, outcome); the screen notes vote ids.
    to_screen = [
        screens[r[0]].seen[r[1]] - r[2] if r[1] in screens[r[0]].seen else None for r in acked
    ]
    integrity = await _integrity(
        workers, {c: {"votes": expected[c], "broadcasts": args.broadcasts} for c in codes}, []
    )
    summary_screen = report.summary(to_screen)
    lost = integrity["counts"].get("lost", 0)
    unanswered = sum(r["unanswered"] for r in replies)
    out["votes"] = {
        "window_s": window,
        "planned": sum(expected.values()),
        "rate_per_s": round(sum(expected.values()) / window, 1),
        "acked": len(acked),
        "unanswered": unanswered,
        "ack": report.summary([r[3] - r[2] for r in acked]),
        "screen": summary_screen,
        "drain_s": round(max(d["at"] for d in drained) - window_end, 2),
        "phones_behind_after_drain": sum(d["behind"] for d in drained),
        "lost": lost,
        "holds": lost == 0
        and unanswered == 0
        and summary_screen["missing"] == 0
        and (summary_screen["p95"] or 1e9) <= report.TARGETS["screen_p95"],
    }
    out["integrity"] = integrity
    v = out["votes"]
    log(f"  bare votes: {v['acked']}/{v['planned']} acked at {v['rate_per_s']}/s, ack p95 {v['ack']['p95']} ms, "
        f"screen p95 {v['screen']['p95']} ms, lost {lost}, holds {v['holds']}")  # fmt: skip
    return workers, devices, rss_before, conns


# -- main -----------------------------------------------------------------------------------------


def host_info() -> dict:
    def version(module: str) -> str:
        try:
            out = subprocess.run([str(servers.PYTHON), "-c", f"import {module}; print({module}.__version__)"],
                                 capture_output=True, text=True, timeout=30)  # fmt: skip
            return out.stdout.strip()
        except Exception:
            return ""

    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), ""
        )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "django": version("django"),
        "channels": version("channels"),
        "daphne": version("daphne"),
        "channels_redis": version("channels_redis"),
        "websockets": version("websockets"),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }


def parse_args(argv: list[str] | None = None):
    parser = argparse.ArgumentParser(
        prog="bin/bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small smoke run of a minute or two")
    parser.add_argument(
        "--plan", choices=sorted(PLANS), help="a named list of cases (default: full)"
    )
    parser.add_argument("--cases", type=lambda s: [Case.parse(x) for x in s.split(",") if x.strip()],
                        help="comma-separated cases, e.g. embedded:2000+reconnect,production:5000,embedded:100x30")  # fmt: skip
    parser.add_argument(
        "--no-bare", dest="bare", action="store_false", help="skip the bare Channels app"
    )
    parser.add_argument("--bare-only", action="store_true", help="only the bare Channels app")
    parser.add_argument(
        "--processes", type=int, default=2, help="Daphne processes in the production shape (2)"
    )
    parser.add_argument(
        "--bare-processes", type=int, default=1, help="Daphne processes of the bare app (1)"
    )
    parser.add_argument(
        "--teams", type=int, help="teams per workshop (default: by room size, at most 50)"
    )
    parser.add_argument(
        "--vote-window",
        type=float,
        help="seconds in which every phone casts its votes (60; quick 8)",
    )
    parser.add_argument("--bare-vote-window", type=float,
                        help="seconds of the bare app's vote load, at the project's vote rate (20; quick 8)")  # fmt: skip
    parser.add_argument(
        "--drain",
        type=float,
        help="seconds to wait after the vote window for stragglers (30; quick 10)",
    )
    parser.add_argument("--bare-drain", type=float, help="the same for the bare app (15; quick 8)")
    parser.add_argument(
        "--soak", type=float, help="idle seconds with every phone connected (10; quick 2)"
    )
    parser.add_argument(
        "--broadcasts",
        type=int,
        default=5,
        help="single broadcasts sent to the bare app's room (5)",
    )
    parser.add_argument(
        "--storm-timeout", type=float, default=90, help="seconds for the connect storm (90)"
    )
    parser.add_argument("--connect-spread", type=float, default=0.0,
                        help="phones connect at random moments of this many seconds instead of all at once (0)")  # fmt: skip
    parser.add_argument(
        "--phase-timeout",
        type=float,
        default=60,
        help="seconds to wait for an event to reach every phone (60)",
    )
    parser.add_argument(
        "--reconnect-timeout", type=float, default=60, help="seconds for the reconnect storm (60)"
    )
    parser.add_argument(
        "--join-concurrency", type=int, default=32, help="HTTP joins in flight at once (32)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="load-generator processes (2; fewer for small rooms)"
    )
    parser.add_argument(
        "--loadgen-nice", type=int, default=0, help="nice value of the load generators (0)"
    )
    parser.add_argument(
        "--ping-every",
        type=float,
        default=25.0,
        help="seconds between a phone's pings (25, as client.js)",
    )
    parser.add_argument("--no-faithful", dest="faithful", action="store_false",
                        help="phones do not drop and reconnect on a late pong or a gap (client.js does)")  # fmt: skip
    parser.add_argument(
        "--profile", default="", help="py-spy the first Daphne during these steps: join,storm,vote"
    )
    parser.add_argument(
        "--case-timeout", type=float, default=1200, help="seconds before a case is abandoned (1200)"
    )
    parser.add_argument("--label", default="", help="a word added to the result file names")
    parser.add_argument("--no-freeze", dest="freeze", action="store_false",
                        help="serve the working tree itself, not a copy frozen at the start of the run")  # fmt: skip
    args = parser.parse_args(argv)
    quick = args.quick or args.plan == "quick"
    args.cases = args.cases or [
        Case.parse(c) for c in PLANS["quick" if quick else (args.plan or "full")]
    ]
    args.vote_window = args.vote_window or (8 if quick else 60)
    args.bare_vote_window = args.bare_vote_window or min(args.vote_window, 8 if quick else 20)
    args.drain = args.drain if args.drain is not None else (10 if quick else 30)
    args.soak = args.soak if args.soak is not None else (2 if quick else 10)
    args.bare_drain = args.bare_drain if args.bare_drain is not None else (8 if quick else 15)
    args.profile = {p for p in args.profile.split(",") if p}
    return args


async def run_case(case: Case, args, run_dir: Path) -> dict:
    result = {"name": case.name, "shape": case.shape, "rooms": case.rooms, "phones_per_room": case.phones,
              "phones": case.total, "teams": teams_for(case.phones, args.teams), "reconnect": case.reconnect}  # fmt: skip
    t0 = time.monotonic()
    with servers.services(case.shape, run_dir) as svc:
        if not args.bare_only:
            log(f"{case.name}: the project")
            result["project"] = await asyncio.wait_for(
                project_case(case, args, run_dir, svc), args.case_timeout
            )
        if args.bare or args.bare_only:
            log(f"{case.name}: the bare Channels app")
            per_phone = ballot_length(result["teams"])
            result["bare"] = await asyncio.wait_for(
                bare_case(case, args, run_dir, svc, per_phone), args.case_timeout
            )
    project, bare = result.get("project") or {}, result.get("bare") or {}
    result["ratios"] = {
        "phase": report.ratio((project.get("round") or {}).get("phase_all", {}).get("p95"), (bare.get("broadcast") or {}).get("p95")),
        "vote_screen": report.ratio(((project.get("round") or {}).get("votes") or {}).get("screen", {}).get("p95"),
                                    ((bare.get("votes") or {}).get("screen") or {}).get("p95")),
    }  # fmt: skip
    result["verdict"] = report.verdict(result)
    result["seconds"] = round(time.monotonic() - t0, 1)
    log(f"{case.name}: done in {result['seconds']} s")
    return result


async def main_async(args) -> int:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S") + (f"-{args.label}" if args.label else "")
    RESULTS.mkdir(parents=True, exist_ok=True)
    run_dir = RESULTS / stamp
    run_dir.mkdir()
    doc = {"started": datetime.now().isoformat(timespec="seconds"), "host": host_info(),
           "args": {k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(args).items() if k != "cases"},
           "cases": []}  # fmt: skip
    doc["args"]["cases"] = [c.name + ("+reconnect" if c.reconnect else "") for c in args.cases]
    if args.freeze:
        frozen = Path(tempfile.mkdtemp(prefix="upserve-bench-src-"))
        doc["code"] = servers.freeze_source(frozen)
    else:
        doc["code"] = {"commit": doc["host"]["git"], "frozen_copy": None}
    log(f"benchmark {stamp}: {', '.join(doc['args']['cases'])}; results in bench/results/{stamp}.*")
    log(f"measuring commit {doc['code']['commit']} + uncommitted {doc['code'].get('uncommitted')} "
        f"(tree {doc['code'].get('tree_sha256')}), served from {doc['code']['frozen_copy'] or 'the working tree'}")  # fmt: skip
    t0 = time.monotonic()
    for case in args.cases:
        try:
            doc["cases"].append(await run_case(case, args, run_dir))
        except Exception as problem:
            log(f"{case.name} failed: {problem!r}")
            doc["cases"].append({"name": case.name, "shape": case.shape, "rooms": case.rooms, "phones": case.total,
                                 "error": repr(problem), "traceback": traceback.format_exc()})  # fmt: skip
        write(doc, stamp)
    doc["seconds"] = round(time.monotonic() - t0, 1)
    write(doc, stamp)
    if args.freeze:
        shutil.rmtree(frozen, ignore_errors=True)
    ok_cases = [c for c in doc["cases"] if "error" not in c]
    print()
    print(report.table(ok_cases))
    print()
    print(report.verdict_matrix(ok_cases))
    print()
    log(f"done in {doc['seconds']} s: bench/results/{stamp}.json, .md, .svg")
    return 0


def write(doc: dict, stamp: str) -> None:
    cases = [c for c in doc["cases"] if "error" not in c]
    (RESULTS / f"{stamp}.json").write_text(json.dumps(doc, indent=1))
    (RESULTS / f"{stamp}.svg").write_text(
        report.chart(cases, f"Upserve benchmark {stamp}: p95 latency against phones")
    )
    md = [
        f"# Benchmark {stamp}",
        "",
        f"Host: {doc['host']}",
        "",
        f"Code: {doc.get('code')}",
        "",
        report.table(cases),
        "",
        report.verdict_matrix(cases),
        "",
        report.verdict_table(cases),
        "",
    ]
    (RESULTS / f"{stamp}.md").write_text("\n".join(md))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())

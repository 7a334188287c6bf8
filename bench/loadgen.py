"""A load-generator process: a share of the simulated phones, driven by the orchestrator
(bench/run.py) with one JSON request per line on stdin, one JSON reply per line on stdout.

Run as ``python -m bench.loadgen``. Several of these run at once so that no one process's event
loop becomes the bottleneck; their CPU is measured and reported with the server's."""

from __future__ import annotations

import asyncio
import json
import random
import resource
import sys
from collections import Counter

from bench.client import Device, join, now, spawn

ANSWERS = ("yes", "yes", "yes", "unsure", "no")
JOIN_TIMEOUT = 60.0


class Worker:
    def __init__(self) -> None:
        self.phones: list[Device] = []
        self.mode = "project"
        self.ticker: asyncio.Task | None = None
        self.reconnect_mark = 0.0

    # -- requests -------------------------------------------------------------------------------

    async def init(
        self, phones: list[dict], mode: str, faithful: bool, ping_every: float | None
    ) -> dict:
        self.mode = mode
        self.phones = [
            Device(p["i"], p["code"], p["base"], token=p.get("token", ""), mode=mode,
                   faithful=faithful, ping_every=ping_every)
            for p in phones
        ]  # fmt: skip
        self.nicknames = {p["i"]: p.get("nickname", "") for p in phones}
        self.ticker = asyncio.create_task(self._tick())
        return {"phones": len(self.phones)}

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            t = now()
            for phone in self.phones:
                phone.heartbeat(t)

    async def join(self, concurrency: int, start_at: float) -> dict:
        gate = asyncio.Semaphore(concurrency)
        await asyncio.sleep(max(0.0, start_at - now()))
        records = []

        async def one(phone: Device) -> None:
            async with gate:
                started = now()
                try:
                    token, total, post, problem = await asyncio.wait_for(
                        join(phone.base, phone.code, self.nicknames[phone.index]), JOIN_TIMEOUT
                    )
                except TimeoutError:
                    token, total, post, problem = None, now() - started, 0.0, "timeout"
                phone.token = token or ""
                records.append((total, post, problem, now()))

        await asyncio.gather(*(one(p) for p in self.phones))
        return {"records": records}

    async def connect(self, timeout: float, start_at: float, spread: float = 0.0) -> dict:
        """Every phone connects at ``start_at`` (a storm), or at a random moment of the following
        ``spread`` seconds."""
        await asyncio.sleep(max(0.0, start_at - now()))
        t0 = now()
        ready = [p for p in self.phones if p.mode == "bare" or p.token]
        moments = sorted((random.random() * spread, i) for i in range(len(ready)))
        for at, i in moments:
            delay = t0 + at - now()
            if delay > 0:
                await asyncio.sleep(delay)
            ready[i].start()
        active = [p for p in self.phones if p.task is not None]
        deadline = t0 + spread + timeout
        while now() < deadline and any(p.t_ready is None and not p.seat_lost for p in active):
            await asyncio.sleep(0.05)
        return {
            "t0": t0,
            "ready": [
                p.t_ready - p.t_start + t0 if p.t_ready is not None else None for p in active
            ],
            "attempts": [p.attempts for p in active],
            "failures": sum((p.failures for p in active), Counter()),
            "not_started": len(self.phones) - len(active),
            "seat_lost": sum(p.seat_lost for p in active),
        }

    async def roster(self, roster: dict) -> dict:
        known = 0
        for phone in self.phones:
            place = roster.get(phone.code, {}).get(phone.pid or "")
            if place:
                phone.team, phone.slot = place
                known += 1
        return {"known": known}

    async def wait_seq(self, targets: dict, marks: dict, timeout: float) -> dict:
        """Wait until every phone has seen its workshop's target seq; return the arrival times
        of the ``marks`` seqs (None where a phone has not seen it)."""
        deadline = now() + timeout
        live = [p for p in self.phones if p.task is not None and not p.seat_lost]

        def behind() -> int:
            return sum(1 for p in live if (p.last_seq or 0) < targets.get(p.code, 0))

        while now() < deadline and behind():
            await asyncio.sleep(0.05)
        times: dict = {}
        for p in live:
            for seq in marks.get(p.code, []):
                times.setdefault(p.code, {}).setdefault(str(seq), []).append(p.marks.get(seq))
        return {"behind": behind(), "times": times, "at": now()}

    async def wait_bare(self, n: int, timeout: float) -> dict:
        deadline = now() + timeout
        live = [p for p in self.phones if p.task is not None]
        while now() < deadline and any(n not in p.marks for p in live):
            await asyncio.sleep(0.02)
        times: dict = {}
        for p in live:
            times.setdefault(p.code, []).append(p.marks.get(n))
        return {"times": times}

    async def wait_bare_votes(self, expected: dict, timeout: float) -> dict:
        deadline = now() + timeout
        live = [p for p in self.phones if p.task is not None]
        while now() < deadline and any(p.bare_votes < expected.get(p.code, 0) for p in live):
            await asyncio.sleep(0.05)
        return {"behind": sum(p.bare_votes < expected.get(p.code, 0) for p in live), "at": now()}

    async def moves(self, timeout: float) -> dict:
        writers = [p for p in self.phones if p.team and p.slot == 0]
        for p in writers:
            await p.send_command(
                "submit_move",
                text=f"Ask what {p.team} needs first, then offer only that.",
                base_version=0,
            )
        return await self._answers(writers, timeout, "submit_move")

    async def vote(self, start_at: float, window: float, timeout: float, ballot_size: int,
                   full_max: int, per_phone: float, seed: int) -> dict:  # fmt: skip
        """Every phone rates every move on its ballot, at uniformly random moments of the window
        (bare mode: ``per_phone`` votes each)."""
        rng = random.Random(seed)
        plan = []
        ballots = Counter()
        planned_by_code = Counter()
        for p in self.phones:
            if p.task is None or p.seat_lost:
                continue
            if self.mode == "project":
                teams = p.ballot(ballot_size, full_max)
            else:  # a fractional count per phone keeps the room's rate: round at random
                count = int(per_phone) + (rng.random() < per_phone - int(per_phone))
                teams = [f"t{k}" for k in range(count)]
            ballots[len(teams)] += 1
            planned_by_code[p.code] += len(teams)
            for team in teams:
                plan.append((start_at + rng.random() * window, p, team))
        plan.sort(key=lambda item: item[0])
        first_done = {id(p): len(p.done) for p in self.phones}
        sends = []
        for at, phone, team in plan:
            delay = at - now()
            if delay > 0:
                await asyncio.sleep(delay)
            fields = {"team": team, "q1": rng.choice(ANSWERS), "q2": rng.choice(ANSWERS)}
            sends.append(spawn(phone.send_command("vote", **fields)))
        left = max(1.0, timeout - (now() - start_at))
        await asyncio.wait(sends, timeout=left) if sends else None
        result = await self._answers(
            self.phones, max(1.0, timeout - (now() - start_at)), "vote", first_done
        )
        result["ballots"] = dict(ballots)
        # What a phone believed about its ballot when the server said a vote was not on it.
        result["refused_detail"] = [
            {"phone": p.index, "pid": p.pid, "team": p.team, "slot": p.slot, "ring": p.ring,
             "n_teams": p.n_teams, "voted": r[0]}
            for p in self.phones for r in p.done[first_done[id(p)]:] if r[4] == "refused:not_on_ballot"
        ][:10]  # fmt: skip
        result["planned"] = len(plan)
        result["planned_by_code"] = dict(planned_by_code)
        return result

    async def _answers(
        self, phones: list[Device], timeout: float, what: str, since: dict | None = None
    ) -> dict:
        deadline = now() + timeout
        while now() < deadline and any(p.pending for p in phones):
            await asyncio.sleep(0.05)
        records = []
        for p in phones:
            start = since.get(id(p), 0) if since else 0
            records.extend((p.code, *r) for r in p.done[start:])
        unanswered = sum(len(p.pending) for p in phones)
        for p in phones:
            p.pending.clear()  # the benchmark gives up on them: no resend after this
        return {"records": records, "unanswered": unanswered, "what": what}

    async def mark_reconnect(self, targets: dict) -> dict:
        self.reconnect_mark = now()
        for p in self.phones:
            p.welcome_count_at_mark = p.welcomes
            p.snapshots_at_mark = p.snapshots
            p.attempts_at_mark = p.attempts
            p.failures_at_mark = Counter(p.failures)
            p.catch_target = targets.get(p.code)
            p.t_caught = None
        return {"at": self.reconnect_mark}

    async def drop_all(self) -> dict:
        for p in self.phones:
            p.drop("benchmark", abrupt=True)
        return {"at": now()}

    async def wait_reconnect(self, targets: dict, timeout: float) -> dict:
        live = [p for p in self.phones if p.task is not None]
        for p in live:
            p.catch_target = targets.get(p.code, p.catch_target)
            if (
                p.last_seq is not None
                and p.catch_target is not None
                and p.last_seq >= p.catch_target
            ):
                p.t_caught = p.t_caught or now()
        deadline = now() + timeout

        def waiting(p: Device) -> bool:
            if p.seat_lost:
                return False
            return p.welcomes <= p.welcome_count_at_mark or p.t_caught is None

        while now() < deadline and any(waiting(p) for p in live):
            await asyncio.sleep(0.05)
        return {
            "welcome": [
                p.t_welcome if p.welcomes > p.welcome_count_at_mark else None for p in live
            ],
            "caught": [p.t_caught for p in live],
            "snapshots": sum(p.snapshots - p.snapshots_at_mark for p in live),
            "attempts": [p.attempts - p.attempts_at_mark for p in live],
            "failures": sum((p.failures - p.failures_at_mark for p in live), Counter()),
            "seat_lost": sum(p.seat_lost for p in live),
            "waiting": sum(waiting(p) for p in live),
        }

    async def stats(self, final: dict) -> dict:
        """The stream's integrity per phone, against each workshop's final seq (bare: against
        the number of votes and broadcasts sent to the room)."""
        out = Counter()
        per_phone_lost = []
        for p in self.phones:
            if p.task is None:
                continue
            if self.mode == "project":
                short = max(0, final.get(p.code, 0) - (p.last_seq or 0))
                lost = len(p.missing) + short
            else:
                want = final.get(p.code, {"votes": 0, "broadcasts": 0})
                lost = max(0, want["votes"] - p.bare_votes) + max(
                    0, want["broadcasts"] - p.bare_broadcasts
                )
                out["dups"] += max(0, p.bare_votes - want["votes"])
            per_phone_lost.append(lost)
            out["lost"] += lost
            out["phones_with_loss"] += lost > 0
            out["gaps"] += p.gaps
            out["dups"] += p.dups
            out["out_of_order"] += p.ooo
            out["skipped_by_snapshot"] += p.skipped
            out["unexpected_closes"] += p.closes
            out["reconnects"] += max(0, p.welcomes - 1)
            out["seat_lost"] += p.seat_lost
            for k, v in p.drops.items():
                out[f"dropped_{k}"] += v
            for k, v in p.errors.items():
                out[f"error_{k}"] += v
            for k, v in p.failures.items():
                out[f"connect_fail_{k}"] += v
        usage = resource.getrusage(resource.RUSAGE_SELF)
        examples = [dict(e, phone=p.index) for p in self.phones for e in p.gap_examples][:10]
        return {"counts": dict(out), "gap_examples": examples,
                "cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_kb": usage.ru_maxrss}  # fmt: skip

    async def close(self) -> dict:
        if self.ticker:
            self.ticker.cancel()
        await asyncio.gather(*(p.stop() for p in self.phones), return_exceptions=True)
        return {"closed": len(self.phones)}


async def main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=2**28)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker = Worker()
    tasks = set()

    async def handle(request: dict) -> None:
        try:
            result = await getattr(worker, request["cmd"])(**request.get("args", {}))
            reply = {"id": request["id"], "result": result}
        except Exception as problem:  # reported to the orchestrator, which stops the run
            reply = {"id": request["id"], "error": f"{type(problem).__name__}: {problem}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()

    while line := await reader.readline():
        task = asyncio.ensure_future(handle(json.loads(line)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


if __name__ == "__main__":
    asyncio.run(main())

"""Figures from raw samples: percentiles, the verdict against issue 4's targets, the markdown
table and an SVG chart of latency against phones (written by hand: no plotting dependency)."""

from __future__ import annotations

import math
import re
from collections import Counter
from html import escape

# Issue 4's bounds, in milliseconds unless said otherwise.
TARGETS = {
    "join_all_s": 60,
    "ack_p95": 250,
    "screen_p95": 500,
    "phase_p95": {"embedded": 1500, "production": 2000},
    "idle_kb": 100,
    "reconnect_all_s": 30,
    "phase_ratio": 1.0,
    "vote_ratio": 1.5,
}


def summary(values: list) -> dict:
    """p50/p95/p99/max/mean in milliseconds of ``values`` (seconds); None counts as missing."""
    got = sorted(v for v in values if v is not None)
    missing = len(values) - len(got)
    if not got:
        return {
            "n": 0,
            "missing": missing,
            "p50": None,
            "p95": None,
            "p99": None,
            "max": None,
            "mean": None,
        }

    def rank(q: float) -> float:
        return round(1000 * got[max(0, math.ceil(q * len(got)) - 1)], 1)

    return {
        "n": len(got),
        "missing": missing,
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(1000 * got[-1], 1),
        "mean": round(1000 * sum(got) / len(got), 1),
    }


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return round(a / b, 2)


# -- verdict --------------------------------------------------------------------------------------


def _p95(block: dict | None) -> float | None:
    return (block or {}).get("p95")


def verdict(case: dict) -> dict:
    """Each target of issue 4 that this case measures: value, bound, pass/fail."""
    project, bare = case.get("project") or {}, case.get("bare") or {}
    kind = case["shape"]
    out = {}

    def check(name: str, value, bound, ok) -> None:
        out[name] = {"value": value, "bound": bound, "ok": ok}

    join = project.get("join")
    if join:
        ok = join["refused"] == 0 and join["seconds_all"] <= TARGETS["join_all_s"]
        check(
            "join: all within 60 s, none refused",
            f"{join['seconds_all']} s, {join['refused']} refused",
            "60 s, 0",
            ok,
        )
    votes = (project.get("round") or {}).get("votes")
    if votes:
        ack = _p95(votes["ack"])
        refused = sum(votes["refused"].values())
        value = _ms(ack) + (f", {votes['unanswered']} unanswered" if votes["unanswered"] else "")
        value += f", {refused} refused" if refused else ""
        fine = votes["unanswered"] == 0 and not refused
        check(
            "vote ack p95",
            value,
            TARGETS["ack_p95"],
            ack is not None and ack <= TARGETS["ack_p95"] and fine,
        )
        screen = _p95(votes["screen"])
        missing = votes["screen"]["missing"]
        check("vote -> screen p95", _ms(screen) + (f", {missing} never shown" if missing else ""), TARGETS["screen_p95"],
              screen is not None and screen <= TARGETS["screen_p95"] and not missing)  # fmt: skip
    phase = (project.get("round") or {}).get("phase_all")
    if phase:
        bound = TARGETS["phase_p95"][kind]
        missing = phase["missing"]
        check("phase change -> every phone p95", _ms(phase["p95"]) + (f", {missing} (phone, phase) never got it" if missing else ""),
              bound, phase["p95"] is not None and phase["p95"] <= bound and missing == 0)  # fmt: skip
    integrity = project.get("integrity")
    if integrity:
        c = integrity["counts"]
        bad = c.get("lost", 0) + c.get("dups", 0) + c.get("out_of_order", 0) + c.get("gaps", 0)
        check("nothing lost, no gap, no duplicate",
              f"lost {c.get('lost', 0)}, gaps {c.get('gaps', 0)}, dup {c.get('dups', 0)}, ooo {c.get('out_of_order', 0)}", "0", bad == 0)  # fmt: skip
    soak = project.get("soak")
    if soak and soak.get("kb_per_connection"):
        worst = max(soak["kb_per_connection"].values())
        check("idle connection memory (KB)", worst, TARGETS["idle_kb"], worst <= TARGETS["idle_kb"])
    rec = project.get("reconnect")
    if rec:
        ok = (
            rec["resumed"] == rec["phones"]
            and (rec["all_resumed_s"] or 1e9) <= 30
            and rec["refused"] == 0
            and rec["seat_lost"] == 0
        )
        check("reconnect storm: all resume within 30 s, none refused, no seat lost",
              f"{rec['resumed']}/{rec['phones']} in {rec['all_resumed_s']} s, {rec['refused']} refused, {rec['seat_lost']} seats lost", "30 s", ok)  # fmt: skip
    ratios = case.get("ratios") or {}
    if ratios.get("phase") is not None:
        check(
            "phase p95 / bare broadcast p95",
            ratios["phase"],
            TARGETS["phase_ratio"],
            ratios["phase"] <= TARGETS["phase_ratio"],
        )
    if ratios.get("vote_screen") is not None:
        holds = (bare.get("votes") or {}).get("holds")
        ok = ratios["vote_screen"] <= TARGETS["vote_ratio"] if holds else None
        check(
            "vote -> screen p95 / bare's",
            ratios["vote_screen"],
            TARGETS["vote_ratio"] if holds else "n/a (bare does not hold)",
            ok,
        )
    return out


# -- markdown -------------------------------------------------------------------------------------


DASH, TIMES = "\N{EN DASH}", "\N{MULTIPLICATION SIGN}"


def _ms(value) -> str:
    if value is None:
        return DASH
    return f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"


def _x(value) -> str:
    return DASH if value is None else f"{value:.2f}{TIMES}"


def _row(c: dict) -> list[str]:
    p, b, r = c.get("project") or {}, c.get("bare") or {}, c.get("ratios") or {}
    join, storm = p.get("join") or {}, p.get("storm") or {}
    votes = (p.get("round") or {}).get("votes") or {}
    phase = (p.get("round") or {}).get("phase_all") or {}
    bvotes, bcast = b.get("votes") or {}, b.get("broadcast") or {}
    integ = (p.get("integrity") or {}).get("counts")
    soak, server = p.get("soak") or {}, p.get("server") or {}
    holds = bvotes.get("holds", True)
    seated = storm.get("phones")
    phones = str(c["phones"])
    if seated is not None and seated != c["phones"]:
        phones += f" ({seated} seated)"
    if not storm:
        storm_text = DASH
    elif storm.get("seconds_all") is not None:
        storm_text = f"{storm['seconds_all']} s ({storm['failed']})"
        if storm.get("spread_s"):
            storm_text += f", spread over {storm['spread_s']:.0f} s"
    else:
        storm_text = f"not all in ({storm['failed']})"
    lost = DASH
    if integ is not None:
        lost = " / ".join(str(integ.get(k, 0)) for k in ("lost", "gaps", "dups", "out_of_order"))
    loadgen = server.get("vote_loadgen_cpu_pct")

    def joined(values: dict, unit: str = "") -> str:
        return ", ".join(f"{v:.0f}{unit}" for v in values.values()) or DASH

    return [
        c["name"],
        phones,
        f"{join['seconds_all']} s ({join['refused']})" if join else DASH,
        storm_text,
        _ms(_p95(votes.get("ack"))),
        f"{_ms(_p95(votes.get('screen')))} ({_ms(_p95(bvotes.get('screen')))}{'' if holds else ' ✗'})",
        _x(r.get("vote_screen")) if holds else "n/a",
        f"{_ms(phase.get('p95'))} ({_ms(_p95(bcast))})",
        _x(r.get("phase")),
        lost,
        joined(soak.get("kb_per_connection") or {}),
        joined(server.get("peak_mb_per_1000") or {}),
        joined(server.get("vote_cpu_pct") or {}, "%"),
        DASH if loadgen is None else f"{loadgen:.0f}%",
    ]


def table(cases: list[dict]) -> str:
    head = [
        "case", "phones", "join: all in (refused)", "connect storm: all in (failed)", "vote ack p95",
        "vote → screen p95 (bare)", "ratio", "phase change → all phones p95 (bare broadcast)", "ratio",
        "lost / gaps / dup / ooo", "idle KB/conn", "peak RSS MB/1000 conns", "server CPU in vote",
        "load-gen CPU in vote",
    ]  # fmt: skip
    rows = [head, ["---"] * len(head), *(_row(c) for c in cases)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def verdict_matrix(cases: list[dict]) -> str:
    """One row per case, one column per target of issue 4: the measured value, ✓ or ✗."""
    columns = [
        ("join: all within 60 s, none refused", "join ≤ 60 s, 0 refused"),
        ("vote ack p95", "ack p95 ≤ 250 ms"),
        ("vote -> screen p95", "vote → screen p95 ≤ 500 ms"),
        ("phase change -> every phone p95", "phase → all p95 ≤ 1.5 s (prod 2 s)"),
        ("nothing lost, no gap, no duplicate", "nothing lost/gap/dup"),
        ("idle connection memory (KB)", "idle ≤ 100 KB/conn"),
        ("reconnect storm: all resume within 30 s, none refused, no seat lost", "reconnect storm"),
        ("phase p95 / bare broadcast p95", "phase ratio ≤ 1.0"),
        ("vote -> screen p95 / bare's", "vote → screen ratio ≤ 1.5"),
    ]
    rows = [["case", *(label for _, label in columns)], ["---"] * (len(columns) + 1)]
    for c in cases:
        found = c.get("verdict") or {}
        row = [c["name"]]
        for key, _ in columns:
            v = found.get(key)
            if v is None:
                row.append(DASH)
                continue
            value = v["value"]
            if isinstance(value, float) and "p95" in key and "/" not in key:
                value = _ms(value)
            elif isinstance(value, float) and "/" in key:
                value = _x(value)
            mark = {True: " ✓", False: " ✗", None: ""}[v["ok"]]
            row.append(f"{value}{mark}" if v["ok"] is not None else f"{value} (bare falls over)")
        rows.append(row)
    return "\n".join("| " + " | ".join(str(x) for x in row) + " |" for row in rows)


def verdict_table(cases: list[dict]) -> str:
    rows = ["| case | target | measured | bound | met |", "|---|---|---|---|---|"]
    for c in cases:
        for name, v in (c.get("verdict") or {}).items():
            met = {True: "yes", False: "**no**", None: "n/a"}[v["ok"]]
            value = v["value"]
            if isinstance(value, float) and "p95" in name and "/" not in name:
                value = _ms(value)
            rows.append(f"| {c['name']} | {name} | {value} | {v['bound']} | {met} |")
    return "\n".join(rows)


# -- SVG chart ------------------------------------------------------------------------------------

SERIES = [
    # (label, shape, getter, colour, dashed)
    (
        "phase change → all phones p95",
        lambda c: _p95((c.get("project", {}).get("round") or {}).get("phase_all")),
        "#c0392b",
        False,
    ),
    (
        "bare: one broadcast p95",
        lambda c: _p95((c.get("bare") or {}).get("broadcast")),
        "#c0392b",
        True,
    ),
    (
        "vote → screen p95",
        lambda c: _p95(
            ((c.get("project", {}).get("round") or {}).get("votes") or {}).get("screen")
        ),
        "#2471a3",
        False,
    ),
    (
        "bare: vote → screen p95",
        lambda c: _p95(((c.get("bare") or {}).get("votes") or {}).get("screen")),
        "#2471a3",
        True,
    ),
    (
        "vote ack p95",
        lambda c: _p95(((c.get("project", {}).get("round") or {}).get("votes") or {}).get("ack")),
        "#229954",
        False,
    ),
]


def chart(cases: list[dict], title: str) -> str:
    """Latency (log scale) against phones (log scale), one panel per shape."""
    shapes = [
        s
        for s in ("embedded", "production")
        if any(c["shape"] == s and c["rooms"] == 1 for c in cases)
    ]
    multi = [c for c in cases if c["rooms"] > 1]
    panel_w, panel_h, left, top = 460, 330, 70, 50
    width = left + len(shapes or ["embedded"]) * (panel_w + 40) + 230
    height = top + panel_h + 80
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="22" font-size="14" font-weight="bold">{escape(title)}</text>']  # fmt: skip
    y_lo, y_hi = 1.0, 100_000.0  # ms
    for k, shape in enumerate(shapes):
        x0 = left + k * (panel_w + 40)
        pts = [c for c in cases if c["shape"] == shape and c["rooms"] == 1]
        phones = sorted(
            {c["phones"] for c in pts} | {c["phones"] for c in multi if c["shape"] == shape}
        )
        x_lo, x_hi = min(phones) / 1.5, max(phones) * 1.5

        def px(v: float, x0=x0, x_lo=x_lo, x_hi=x_hi) -> float:
            return x0 + panel_w * (math.log(v) - math.log(x_lo)) / (math.log(x_hi) - math.log(x_lo))

        def py(v: float) -> float:
            v = min(max(v, y_lo), y_hi)
            return top + panel_h * (
                1 - (math.log(v) - math.log(y_lo)) / (math.log(y_hi) - math.log(y_lo))
            )

        out.append(
            f'<rect x="{x0}" y="{top}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#888"/>'
        )
        out.append(
            f'<text x="{x0 + panel_w / 2}" y="{top - 8}" text-anchor="middle" font-weight="bold">{shape}</text>'
        )
        for ms in (1, 10, 100, 1000, 10000, 100000):
            y = py(ms)
            out.append(
                f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
            )
            out.append(f'<text x="{x0 - 4}" y="{y + 4:.1f}" text-anchor="end">{_ms(ms)}</text>')
        for n in phones:
            x = px(n)
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + panel_h}" stroke="#f3f3f3"/>'
            )
            out.append(
                f'<text x="{x:.1f}" y="{top + panel_h + 14}" text-anchor="middle">{n}</text>'
            )
        out.append(
            f'<text x="{x0 + panel_w / 2}" y="{top + panel_h + 30}" text-anchor="middle">phones in one workshop</text>'
        )
        for ms, label in ((TARGETS["ack_p95"], "ack target"), (TARGETS["screen_p95"], "screen target"),
                          (TARGETS["phase_p95"][shape], "phase target")):  # fmt: skip
            y = py(ms)
            out.append(
                f'<line x1="{x0}" x2="{x0 + panel_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#999" stroke-dasharray="2,3"/>'
            )
            out.append(
                f'<text x="{x0 + panel_w - 2}" y="{y - 2:.1f}" text-anchor="end" fill="#999">{label}</text>'
            )
        for label, get, colour, dashed in SERIES:
            line = [(c["phones"], get(c)) for c in sorted(pts, key=lambda c: c["phones"])]
            line = [(n, v) for n, v in line if v is not None]
            if not line:
                continue
            dash = ' stroke-dasharray="6,4"' if dashed else ""
            path = " ".join(f"{px(n):.1f},{py(v):.1f}" for n, v in line)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}><title>{escape(label)}</title></polyline>'
            )
            for n, v in line:
                shape_el = "rect" if dashed else "circle"
                if shape_el == "circle":
                    out.append(
                        f'<circle cx="{px(n):.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"><title>{escape(label)}: {_ms(v)} at {n}</title></circle>'
                    )
                else:
                    out.append(
                        f'<rect x="{px(n) - 3:.1f}" y="{py(v) - 3:.1f}" width="6" height="6" fill="white" stroke="{colour}"><title>{escape(label)}: {_ms(v)} at {n}</title></rect>'
                    )
        for c in multi:
            if c["shape"] != shape:
                continue
            for label, get, colour, dashed in SERIES:
                v = get(c)
                if v is None or dashed:
                    continue
                out.append(
                    f'<path d="M{px(c["phones"]):.1f},{py(v) - 5:.1f} l5,5 l-5,5 l-5,-5 z" fill="{colour}"><title>{escape(c["name"])}: {escape(label)} {_ms(v)}</title></path>'
                )
    lx = left + len(shapes or ["embedded"]) * (panel_w + 40) - 10
    for i, (label, _, colour, dashed) in enumerate(SERIES):
        y = top + 10 + i * 18
        dash = ' stroke-dasharray="6,4"' if dashed else ""
        out.append(
            f'<line x1="{lx}" x2="{lx + 26}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + 32}" y="{y + 4}">{escape(label)}</text>')
    if multi:
        y = top + 10 + len(SERIES) * 18
        out.append(f'<path d="M{lx + 13},{y - 5} l5,5 l-5,5 l-5,-5 z" fill="#555"/>')
        out.append(f'<text x="{lx + 32}" y="{y + 4}">many workshops (x = all phones)</text>')
    out.append("</svg>")
    return "\n".join(out)


# -- profiles -------------------------------------------------------------------------------------

_LINE = re.compile(r":\d+\)$")
# Frames every stack passes through (the loop, the thread pool, Daphne's start-up): left out of
# the inclusive list so that it shows where the time goes, not how the process is built.
_PLUMBING = re.compile(
    r"\((threading\.py|concurrent/futures/thread\.py|<frozen runpy>|daphne/__main__\.py|daphne/cli\.py"
    r"|daphne/server\.py|asyncio/base_events\.py|asyncio/events\.py|twisted/internet/asyncioreactor\.py)\)$"
)


def top_frames(raw_text: str, n: int = 25, wall_samples: int | None = None) -> dict:
    """From py-spy's raw output (recorded with --threads): per thread, the share of samples in
    which it was running; the functions most often on top of the stack (self) and anywhere in it
    (inclusive, without the plumbing every stack shares). Percentages are of ``wall_samples``
    (rate x seconds: 100 % is one thread busy for the whole recording; py-spy leaves out idle
    samples), or of the samples taken when it is not given."""
    self_time, inclusive, threads = Counter(), Counter(), Counter()
    total = 0
    for line in raw_text.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        k = int(count)
        frames = [f for f in stack.split(";") if f]
        if frames and frames[0].startswith("thread ("):
            name = frames.pop(0).split(": ", 1)[-1]
            if name == "MainThread":
                name = "event loop (MainThread)"
            elif "ThreadPoolExecutor" in name:
                name = "sync_to_async threads (ORM, views, close_old_connections)"
            threads[name] += k
        total += k
        frames = [_LINE.sub(")", f) for f in frames]
        if not frames:
            continue
        self_time[frames[-1]] += k
        for f in set(frames):
            if not _PLUMBING.search(f):
                inclusive[f] += k
    if not total:
        return {"samples": 0, "threads": {}, "self": [], "inclusive": []}
    base = wall_samples or total

    def top(counter: Counter) -> list:
        return [[f, round(100 * v / base, 1)] for f, v in counter.most_common(n)]

    return {"samples": total, "percent_of": "wall time" if wall_samples else "busy samples",
            "threads": _threads(threads, base),
            "self": top(self_time), "inclusive": top(inclusive)}  # fmt: skip


def _threads(threads: Counter, base: int) -> dict:
    """Threads with at least 1 % of the time; the many short-lived ones summed as "other"."""
    out, other = {}, 0
    for name, v in threads.most_common():
        if 100 * v / base >= 1:
            out[name] = round(100 * v / base, 1)
        else:
            other += v
    if other:
        out["other threads"] = round(100 * other / base, 1)
    return out

"""Hypothesis strategies for hostile client frames, and the valid commands that drive the game.

A batch is a list of items, each sent in order by the harness (``harness.py``):

- ``Raw``: a frame sent exactly as generated (text or binary);
- ``Msg``: a JSON value (usually message-shaped: a ``type``, an ``id``, fields) encoded to text;
- ``Drive``: a *valid* command (start_round, advance, submit_move, vote, …) that moves the game
  through its phases, so that hostile frames also land in every phase. It is resolved against the
  live state when sent (the right ``base_version``, a team on the voter's ballot, …).

Values that only exist at run time (seated participants' ids, their tokens, the screen key,
scenario ids) appear as ``Ref`` placeholders, resolved by the harness just before encoding.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hypothesis import strategies as st

from game import protocol
from game.core.model import Settings

FRAME_LIMIT = protocol.MAX_FRAME_BYTES


@dataclass(frozen=True)
class Ref:
    """A value known only at run time: ``pid``, ``token``, ``screen_key``, ``foreign_token``,
    ``scenario_id`` (the ``index``-th one, modulo how many there are)."""

    kind: str
    index: int = 0


@dataclass(frozen=True)
class Raw:
    """A frame sent exactly as is: ``str`` is a text frame, ``bytes`` a binary one."""

    data: str | bytes


@dataclass(frozen=True)
class Msg:
    """A JSON value, encoded with ``json.dumps`` (``ascii`` escapes non-ASCII as ``\\uXXXX``)."""

    body: object
    ascii: bool = False


@dataclass(frozen=True)
class Drive:
    """A valid command by ``actor`` (``facilitator`` or seat ``p0``…``p3``), resolved when sent."""

    actor: str
    kind: str
    pick: int


# -- leaves ---------------------------------------------------------------------------------------

EDGE_TEXT = [
    "",
    " ",
    "\t\n \r",
    "\u00a0\u2003",  # no-break and em spaces: whitespace to str.split, not to a human
    "\u0000",
    "a\u0000b",
    "\ud800",  # lone surrogates: only expressible as JSON escapes ("\ud800")
    "\udfff",
    "x\udc00y",
    "\ud83d\ude00",  # an escaped surrogate *pair*: a valid emoji once decoded
    "😀",
    "👩‍👩‍👧‍👦",
    "🏳️‍🌈",
    "\u202eevil\u202c",  # right-to-left override
    "مرحبا بكم",
    "שלום",
    "\u200b",
    "\ufeff",
    "e\u0301",
    "ﷺ",
    "Ǆ",
    "İstanbul",
    "ß",
    "ﬀ",
    "\x7f\x1b[31m",
    "\\",
    '"',
    "'; DROP TABLE game_event; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%n",
    "null",
    "None",
    "0",
    "t1",
    "T1",
    " t1 ",
    "t0",
    "t-1",
    "t2",
    "t3",
    "t50",
    "t51",
    "t99999",
    "yes",
    "YES",
    "no",
    "unsure",
    "maybe",
    "Amber",
    "amber",
    " COBALT ",
    "Coral",
]
# Lengths around every limit: ids 64, team ids 8, nicknames 24, team names 40, tokens 400,
# moves 600, scenario fields 1000, and the 64 KiB frame (counted in UTF-8 bytes).
LENGTHS = [8, 9, 24, 25, 40, 41, 64, 65, 400, 401, 600, 601, 1000, 1001, 16_385, 21_846, 70_000]
FILLERS = ["a", " ", "é", "😀", "\u0000", "\ud800", "\u202e"]

long_text = st.builds(lambda ch, n: ch * n, st.sampled_from(FILLERS), st.sampled_from(LENGTHS))
short_text = st.text(max_size=24)
texts = st.one_of(short_text, st.sampled_from(EDGE_TEXT), st.sampled_from(EDGE_TEXT), long_text)

INT_EDGES = [
    0,
    1,
    -1,
    2,
    5,
    1000,
    1001,
    3600,
    3601,
    -3600,
    -3601,
    10**6,
    10**6 + 1,
    2**31,
    2**53,
    2**53 + 1,
    2**63,
    -(2**63),
    2**64,
    10**100,
    -(10**4000),
]
ints = st.one_of(st.integers(-5, 50), st.sampled_from(INT_EDGES), st.integers())
floats = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 0.5, 1.5, 1e308, 5e-324, float("nan"), float("inf")]),
    st.floats(),
)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, texts)
json_values = st.recursive(
    scalars,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3), st.dictionaries(st.text(max_size=6), kids, max_size=3)
    ),
    max_leaves=4,
)


def junk_or(strategy: st.SearchStrategy, weight: int = 3) -> st.SearchStrategy:
    """Mostly ``strategy`` (plausible values), sometimes any JSON value at all."""
    return st.one_of(*([strategy] * weight), json_values)


# -- fields ---------------------------------------------------------------------------------------

SETTING_KEYS = [f.name for f in dataclasses.fields(Settings)]
FRACTIONS = [
    "0",
    "1",
    "0.5",
    "2/3",
    "1/3",
    "3/4",
    "1.5",
    "-0.1",
    "1/0",
    "0/0",
    "abc",
    "",
    " 0.5 ",
    "1e-3",
    "1e-4000",
    "1e3",
    "nan",
    "inf",
    "0x10",
    "½",
    "1_0",
    "\u0661",  # an Arabic-Indic digit one
]
setting_values = st.one_of(
    st.sampled_from(FRACTIONS),
    ints,
    st.booleans(),
    floats,
    texts,
)
settings_objects = st.one_of(
    st.dictionaries(
        st.one_of(st.sampled_from(SETTING_KEYS), texts), setting_values, min_size=1, max_size=3
    ),
    st.dictionaries(st.sampled_from(SETTING_KEYS), setting_values, max_size=21),
)
scenario_text = st.one_of(st.sampled_from(["A guest", "Late again", "Ask first"]), texts)
scenario_objects = st.one_of(
    st.fixed_dictionaries(
        {k: scenario_text for k in ("title", "customer", "situation", "ask")},
        optional={"debrief": scenario_text, "slug": scenario_text, "extra": json_values},
    ),
    st.dictionaries(
        st.one_of(st.sampled_from(["title", "customer", "situation", "ask"]), texts),
        json_values,
        max_size=5,
    ),
)
team_ids = st.one_of(
    *[st.sampled_from(["t1", "t2", "t3", "t4"])] * 4,  # the teams that exist, mostly
    st.builds(lambda n: f"t{n}", st.integers(0, 55)),
    st.sampled_from(EDGE_TEXT),
    texts,
)
participant_ids = st.one_of(
    st.builds(Ref, st.just("pid"), st.integers(0, 7)),
    st.builds(lambda n: f"{n:016x}", st.integers(0, 2**64 - 1)),
    texts,
)
tokens = st.one_of(
    st.builds(Ref, st.just("token"), st.integers(0, 7)),
    st.just(Ref("screen_key")),
    st.just(Ref("foreign_token")),
    texts,
    st.sampled_from(["a:b", "x" * 400, "\ud800:abc", "e30:1abc:xyz", "\u0000"]),
)
answers = st.sampled_from(["yes", "unsure", "no"])

# Plausible values for each field, right or wrong for the rules (and sometimes for the protocol).
PLAUSIBLE: dict[str, st.SearchStrategy] = {
    "nickname": st.one_of(texts, st.sampled_from(["Alice", "ALICE", "Bob", " bob ", "Player 1"])),
    "name": st.one_of(texts, st.sampled_from(["Amber", "cobalt", "New Team", "Crew 1"])),
    "text": texts,
    "base_version": st.one_of(st.integers(-1, 4), ints),
    "team": team_ids,
    "q1": st.one_of(answers, answers, texts),
    "q2": st.one_of(answers, answers, texts),
    "participant": participant_ids,
    "ban": st.booleans(),
    "settings": settings_objects,
    "locked": st.booleans(),
    "scenario_id": st.one_of(st.builds(Ref, st.just("scenario_id"), st.integers()), ints),
    "scenario": scenario_objects,
    "seconds": st.one_of(st.integers(-4000, 4000), ints),
    "protocol": st.sampled_from([1, 1, 1, 0, 2, 1000, 1001, -1]),
    "role": st.sampled_from([*protocol.ROLES, "", "admin", "FACILITATOR", "system"]),
    "token": tokens,
    "last_seq": st.one_of(st.integers(0, 60), st.sampled_from([2**53, 2**53 + 1, -1])),
}
# ... and mostly plausible, sometimes any JSON value at all.
FIELDS = {name: junk_or(strategy) for name, strategy in PLAUSIBLE.items()}

MESSAGE_TYPES = sorted({*protocol.CONTROL, *protocol.COMMANDS})
BOGUS_TYPES = [
    "launch_rockets",
    "PING",
    "Ping",
    "hello ",
    "__proto__",
    "constructor",
    "join",
    "create_workshop",
    "close_due_phase",
    "cast_vote",
    "event",
    "ack",
]
ID_POOL = ["a", "b", "dup", "1", "retry-me"]
COMMAND_TYPES = sorted({*protocol.COMMANDS, "hello", "ping"})
message_types = st.one_of(
    *([st.sampled_from(MESSAGE_TYPES)] * 6), st.sampled_from(BOGUS_TYPES), json_values
)
client_ids = st.one_of(
    st.sampled_from(ID_POOL),
    st.sampled_from(ID_POOL),
    st.text(min_size=1, max_size=64),
    st.sampled_from(["", "x" * 64, "x" * 65, "😀" * 64, "😀" * 65, "\ud800", "\u0000", " "]),
    json_values,
)
extra_keys = st.one_of(
    st.sampled_from(["extra", "ID", "Type", "__proto__", "seq", "participant_id", "token"]),
    st.text(max_size=8),
)


@st.composite
def messages(draw) -> Msg:
    """A message-shaped object: right or wrong type, id and fields, in every combination."""
    body: dict = {}
    kind = draw(message_types)
    if draw(st.integers(0, 11)):
        body["type"] = kind
    if draw(st.integers(0, 5)):
        body["id"] = draw(client_ids)
    schema = (
        protocol.CONTROL.get(kind, protocol.COMMANDS.get(kind)) if isinstance(kind, str) else None
    )
    for name in schema or ():
        if draw(st.integers(0, 6)):
            body[name] = draw(FIELDS.get(name, json_values))
    if not draw(st.integers(0, 5)):
        body.update(draw(st.dictionaries(extra_keys, json_values, min_size=1, max_size=2)))
    return Msg(_not_the_end(body), ascii=draw(st.booleans()))


@st.composite
def commands(draw) -> Msg:
    """A well-formed command of any type (any role's), with plausible values: these reach the
    role checks and the game rules, in whatever phase the game is in."""
    kind = draw(st.sampled_from(COMMAND_TYPES))
    body = {
        "type": kind,
        "id": draw(st.one_of(st.sampled_from(ID_POOL), st.text(min_size=1, max_size=12))),
    }
    for name in protocol.CONTROL.get(kind, protocol.COMMANDS.get(kind, {})):
        if draw(st.integers(0, 11)):
            body[name] = draw(PLAUSIBLE.get(name, json_values))
    return Msg(_not_the_end(body), ascii=draw(st.booleans()))


def _not_the_end(body: dict) -> dict:
    if body.get("type") == "end_workshop":
        # Ending the workshop for good would leave nothing but workshop_ended to fuzz: the
        # harness ends it deliberately at the end; until then this one always stays invalid.
        body["end"] = "not yet"
    return body


# -- raw frames -----------------------------------------------------------------------------------

MALFORMED = [
    "",
    " ",
    "{",
    "}",
    "{not json",
    "{'type': 'ping'}",
    '{"type": "ping",}',
    '{"type": "ping"',
    '{"type" "ping"}',
    "[",
    "nul",
    "undefined",
    "NaN",
    "-Infinity",
    '"\\ud800"',
    '{"type": "\\ud800"}',
    '{"type": "ping", "id": "\\udfff"}',
    '\ufeff{"type": "ping"}',
    '{"type": "ping"} {"type": "ping"}',
    '{"type": "ping"}\n{"type": "ping"}',
    "\u0000",
    '{"type": "ping"}\u0000',
    '{"type": "pi\\u0000ng"}',
    '{"type": "ping", "type": "advance", "id": "shadowed"}',
    '{"type": "advance", "id": "a", "id": 7}',
    "1" * 5000,  # past Python's 4300-digit int parsing limit
    "-" + "9" * 4300,
    "1e99999",
    '{"type": "adjust_timer", "id": "big", "seconds": ' + "9" * 4000 + "}",
    "\\",
    "\x00\x01\x02",
    "🙂",
    "\u202e",
]


def nested(depth: int, kind: int) -> str:
    """JSON nested ``depth`` deep: arrays, objects, or inside a real command's field."""
    if kind == 0:
        return "[" * depth + "]" * depth
    if kind == 1:
        return '{"a":' * depth + "1" + "}" * depth
    return '{"type": "configure", "id": "deep", "settings": ' + "[" * depth + "]" * depth + "}"


binary_frames = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"", b'{"type": "ping"}', b"\xff\xfe\x00", b"x" * 70_000]),
)
raw_frames = st.one_of(
    st.builds(Raw, st.sampled_from(MALFORMED)),
    st.builds(Raw, st.text(max_size=40)),
    st.builds(Raw, st.builds(nested, st.integers(1, 3000), st.integers(0, 2))),
    st.builds(Raw, binary_frames),
    # big but otherwise fine frames, on both sides of 64 KiB of UTF-8
    st.builds(
        lambda ch, n: Raw('{"type": "ping", "pad": "' + ch * n + '"}'),
        st.sampled_from(["a", "é", "😀"]),
        st.sampled_from([16_370, 16_375, 21_830, 32_000, 65_500, 65_536]),
    ),
)

frames = st.one_of(
    raw_frames,
    st.builds(Msg, json_values, st.booleans()),
    messages(),
    messages(),
    commands(),
    commands(),
    commands(),
)

# -- valid commands that drive the game -----------------------------------------------------------

FACILITATOR_DRIVES = [
    "start_round",
    "start_round",
    "advance",
    "advance",
    "advance",
    "advance",
    "assign_team",
    "add_team",
    "rename_team",
    "configure",
    "pause",
    "resume",
    "adjust_timer",
    "remove",
    "assign_any",
]
PARTICIPANT_DRIVES = [
    "submit_move",
    "submit_move",
    "vote",
    "vote",
    "vote_any",
    "vote_any",
    "rename",
]
SEATS = ("p0", "p1", "p2", "p3")

drives = st.one_of(
    # "step": the next sensible move for the phase the game is in (a move for a team without
    # one, a vote still missing, advance, a new round), so that rounds complete with votes
    st.builds(Drive, st.just("auto"), st.just("step"), st.integers(0, 10**6)),
    st.builds(Drive, st.just("auto"), st.just("step"), st.integers(0, 10**6)),
    st.builds(Drive, st.just("auto"), st.just("step"), st.integers(0, 10**6)),
    st.builds(
        Drive, st.just("facilitator"), st.sampled_from(FACILITATOR_DRIVES), st.integers(0, 10**6)
    ),
    st.builds(
        Drive, st.sampled_from(SEATS), st.sampled_from(PARTICIPANT_DRIVES), st.integers(0, 10**6)
    ),
)


def interleave(batch: tuple[list, list[tuple[int, Drive]]]) -> list:
    """Insert each drive at its drawn position among the frames."""
    hostile, driven = batch
    items = list(hostile)
    for position, drive in sorted(driven, key=lambda x: x[0], reverse=True):
        items.insert(min(position, len(items)), drive)
    return items


class Batch(list):
    """The items of one batch; its repr stays short even with 70 000-character frames."""

    def __repr__(self) -> str:
        def short(item) -> str:
            text = repr(item)
            return text if len(text) <= 160 else f"{text[:150]}…<{len(text)} chars>"

        return "Batch([\n" + "".join(f"    {short(x)},\n" for x in self) + "])"


@st.composite
def batches(draw, size: int, max_drives: int) -> Batch:
    """``size`` hostile frames with up to ``max_drives`` valid commands mixed in."""
    hostile = draw(st.lists(frames, min_size=size, max_size=size))
    driven = draw(
        st.lists(st.tuples(st.integers(0, size), drives), min_size=1, max_size=max_drives)
    )
    return Batch(interleave((hostile, driven)))

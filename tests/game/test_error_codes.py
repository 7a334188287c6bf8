"""One registry of the codes the server sends (game/core/refusals.py): each has a sentence, every
code written in the server's code is in it, docs/protocol.md lists exactly it, and no script
keeps a copy of its sentences."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from game import protocol, textrules
from game.core.refusals import (
    ERRORS,
    REFUSALS,
    SENTENCES,
    ErrorCode,
    Refusal,
    fixed_sentences,
    sentence,
)
from game.protocol import ProtocolError, parse

ROOT = Path(__file__).resolve().parents[2]
# Calls whose string arguments are codes sent to a client.
SENDERS = {"ProtocolError", "Refusal", "reply_error", "refuse", "_cut", "SetUpRefused", "Outcome"}
CODE = re.compile(r"[a-z]+(_[a-z]+)+|[a-z]+")


def test_every_code_has_a_sentence_for_people():
    assert set(SENTENCES) == set(ErrorCode)
    assert not set(REFUSALS) & set(ERRORS)
    for code in ErrorCode:
        said = SENTENCES[code]
        for text in said.values() if isinstance(said, dict) else [said]:
            assert text[:1].isupper() or text.startswith("{"), code
            assert text.endswith("."), code


def test_a_sentence_fills_in_its_fields_and_says_the_role_it_is_for():
    assert sentence(ErrorCode.HELLO_TIMEOUT, seconds=20).startswith("No hello within 20 seconds")
    assert sentence("own_team") == "You cannot vote on your own team's move."
    assert sentence(ErrorCode.AUTH_FAILED, role="screen") == (
        "This screen link is not valid for this workshop."
    )
    assert set(SENTENCES[ErrorCode.AUTH_FAILED]) == set(protocol.ROLES)
    with pytest.raises(ValueError):
        sentence("no_such_code")


def test_a_refusal_carries_its_code_as_an_error_code_and_its_sentence():
    refused = Refusal("wrong_phase")
    assert refused.code is ErrorCode.WRONG_PHASE
    assert refused.message == "That is not possible in this phase of the round."
    assert Refusal(ErrorCode.SETTINGS_INVALID, "x must be true or false.").message == (
        "x must be true or false."
    )
    with pytest.raises(KeyError):
        Refusal(ErrorCode.RATE_LIMITED)  # an error of the connection, not of the rules


@pytest.mark.parametrize(
    ("frame", "code", "message"),
    [
        (None, ErrorCode.BAD_FRAME, "Send JSON text frames."),
        ("x" * 70000, ErrorCode.TOO_LARGE, "A message may be at most 65536 bytes."),
        ("{", ErrorCode.BAD_JSON, "That message is not valid JSON."),
        ("[]", ErrorCode.BAD_MESSAGE, "A message must be a JSON object with a string type."),
        ('{"type": "vote"}', ErrorCode.BAD_ID, "An id must be a string of 1 to 64 characters"),
        ('{"type": "dance", "id": "a"}', ErrorCode.UNKNOWN_TYPE, "no message type 'dance'."),
        ('{"type": "vote", "id": "a"}', ErrorCode.MISSING_FIELD, "vote needs team."),
        ('{"type": "advance", "id": "a", "x": 1}', ErrorCode.UNKNOWN_FIELD, "no field 'x'."),
        ('{"type": "rename", "id": "a", "nickname": 5}', ErrorCode.INVALID_FIELD, "nickname must"),
        ('{"type": "ping", "id": "\\u0000"}', ErrorCode.BAD_TEXT, textrules.BAD_TEXT),
    ],
)
def test_the_protocol_says_each_of_its_errors_with_the_registrys_sentence(frame, code, message):
    with pytest.raises(ProtocolError) as refused:
        parse(frame)
    assert refused.value.code is code
    assert message in refused.value.message


def _sent_codes(path: Path) -> set[str]:
    """The string literals passed as codes to the calls that send them, returned by a function
    that picks a refusal, and written as ``"code": "…"``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name in SENDERS:
                args = [*node.args, *(k.value for k in node.keywords if k.arg == "code")]
                found |= {a.value for a in args if _is_code(a)}
        elif isinstance(node, ast.FunctionDef) and "refus" in node.name:  # e.g. _role_refusal
            returned = (n.value for n in ast.walk(node) if isinstance(n, ast.Return))
            found |= {value.value for value in returned if _is_code(value)}
        elif isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
            found |= {v.value for k, v in pairs if _is_literal(k, "code") and _is_code(v)}
    return found


def _is_code(node) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and bool(CODE.fullmatch(node.value))
    )


def _is_literal(node, value: str) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def test_every_code_the_servers_code_sends_is_in_the_registry():
    sources = [*(ROOT / "game").rglob("*.py"), *(ROOT / "workshop").rglob("*.py")]
    sent = {code: path for path in sources for code in _sent_codes(path)}
    unknown = {code: str(path.relative_to(ROOT)) for code, path in sent.items()}
    assert {c: p for c, p in unknown.items() if c not in set(ErrorCode)} == {}


def test_the_scan_finds_a_code_written_as_a_literal(tmp_path):
    # So the test above cannot pass by finding nothing.
    path = tmp_path / "example.py"
    path.write_text(
        'await self.reply_error("oops_sorry", "Nope.")\nraise Refusal("gone_away")\n'
        'def _role_refusal(role):\n    return "not_you"\n'
    )
    assert _sent_codes(path) == {"oops_sorry", "gone_away", "not_you"}


def test_the_bad_text_sentence_is_the_one_the_forms_show():
    assert sentence(ErrorCode.BAD_TEXT) == textrules.BAD_TEXT


# -- the scripts show the server's sentences, never a copy ---------------------------------------

SCRIPTS = sorted((ROOT / "static" / "upserve").glob("*.js"))


def _pieces(text: str) -> list[str]:
    """The literal stretches of a sentence between its placeholders, long enough to be a copy."""
    return [piece for piece in re.split(r"\{[^}]*\}", text) if len(piece.strip()) >= 12]


def test_no_script_holds_a_copy_of_a_server_sentence():
    said = [
        s
        for entry in SENTENCES.values()
        for s in (entry.values() if isinstance(entry, dict) else [entry])
    ]
    copies = [
        f"{script.name}: {piece!r}"
        for script in SCRIPTS
        for text in said
        for piece in _pieces(text)
        if piece.strip() in script.read_text()
    ]
    assert copies == []


def test_no_script_keeps_a_table_of_sentences_by_code():
    tables = [
        f"{script.name}: {code}"
        for script in SCRIPTS
        for code in ErrorCode
        if re.search(rf"\b{code}\s*:\s*(\(\)\s*=>|gettext\(|[\"'`])", script.read_text())
    ]
    assert tables == []


def test_the_sentences_a_page_can_translate_are_every_fixed_one():
    assert "Say hello first." in fixed_sentences()
    assert all("{" not in s for s in fixed_sentences())
    assert len(fixed_sentences()) == len(set(fixed_sentences()))


# -- docs/protocol.md §12 and §13 list exactly the registry ---------------------------------------

DOC = (ROOT / "docs" / "protocol.md").read_text()
ROW = re.compile(r"^\| `([a-z_]+)` \| ([^|]+) \|", re.M)


def _section(title: str) -> str:
    start = DOC.index(f"\n## {title}")
    return DOC[start : DOC.index("\n## ", start + 1)]


def _rows() -> list[tuple[str, str]]:
    sections = _section("12. Protocol error codes") + _section("13. Refusal codes")
    return [(code, said.strip()) for code, said in ROW.findall(sections)]


def test_the_protocol_document_lists_exactly_the_registrys_codes():
    assert {code for code, _ in _rows()} == set(ErrorCode)


def _as_documented(template: str) -> str:
    """A registry sentence as the document writes it: placeholders as ``<name>``."""
    template = re.sub(r"\{(\w+)!r\}", r"'<\1>'", template)
    return re.sub(r"\{(\w+)\}", r"<\1>", template)


def _said(code: ErrorCode) -> set[str]:
    entry = SENTENCES[code]
    return {_as_documented(s) for s in (entry.values() if isinstance(entry, dict) else [entry])}


def test_the_protocol_document_gives_each_sentence_as_the_server_says_it():
    rows = [(code, said.replace("`", "")) for code, said in _rows()]
    assert [(code, said) for code, said in rows if said not in _said(ErrorCode(code))] == []
    documented = set(rows)
    missing = [(code, s) for code in ErrorCode for s in _said(code) if (code, s) not in documented]
    assert missing == []

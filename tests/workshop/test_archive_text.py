"""Imported logs pass the same text rules as the live room: the checker replays each recorded
nickname and move through ``decide``, which stores text without invisible characters and refuses
look-alikes of names in use. Plain text, as every earlier version of the server stored it, checks."""

import pytest

from game.core import commands as c
from game.core.events import Event
from game.core.model import participant
from tests.core.table import Table
from workshop.archive_check import LogRejected, check_log


def _recorded(log: list[Event]) -> list[tuple[int, Event, float]]:
    return [(seq, event, 1000.0) for seq, event in enumerate(log, start=1)]


def _played() -> Table:
    table = Table(teams=2)
    table.do(participant("alice"), c.Join("Tok0"))
    table.join("bob")
    table.start_round()
    table.advance()
    table.move("alice", "We listen first, then offer m\u00b2 of shade.")
    return table


def test_a_log_of_plain_text_still_checks():
    table = _played()
    assert check_log(_recorded(table.log)) == table.state


def test_it_refuses_an_archived_nickname_that_only_looks_like_one_in_use():
    log = _played().log
    log.append(Event("participant_joined", {"participant": "eve", "nickname": "T\u043ek0",
                                            "team": "t1"}))  # fmt: skip
    with pytest.raises(LogRejected, match="nickname_taken"):
        check_log(_recorded(log))


@pytest.mark.parametrize("hidden", ["Ev\u200be", "\u202eEve"])
def test_it_refuses_an_archived_nickname_holding_invisible_characters(hidden):
    log = _played().log
    log.append(Event("participant_joined", {"participant": "eve", "nickname": hidden,
                                            "team": "t1"}))  # fmt: skip
    with pytest.raises(LogRejected, match="not what the rules produce"):
        check_log(_recorded(log))


def test_it_refuses_an_archived_move_with_a_blocked_word_behind_a_zero_width_space():
    log = _played().log
    log.append(Event("move_saved", {"round": 1, "team": "t2", "text": "fu\u200bck it",
                                    "version": 1, "author": "bob"}))  # fmt: skip
    with pytest.raises(LogRejected, match="blocked_words"):
        check_log(_recorded(log))

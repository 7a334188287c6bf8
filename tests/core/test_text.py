"""Participant text: what is stored (no invisible characters, NFKC names, NFC prose) and when two
names look alike (TR39 skeletons)."""

from confusable_homoglyphs.confusables import confusables_data
from hypothesis import given
from hypothesis import strategies as st

from game.core import commands as c
from game.core.confusables import PROTOTYPES, derive
from game.core.model import participant
from game.core.text import name, name_keys, prose, skeleton
from tests.core.table import Table
from tests.core.test_wordfilter import INVISIBLE

# Any text at all, but no lone surrogates (the wire refuses them as bad_text before the rules).
anything = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)


def test_the_prototype_table_is_the_installed_confusable_homoglyphs_data():
    assert derive(confusables_data) == PROTOTYPES


def test_a_skeleton_maps_look_alikes_to_one_form():
    assert skeleton("fu\u0441k") == skeleton("fuck")  # Cyrillic es
    assert skeleton("\u0391pple") == skeleton("Apple")  # Greek capital alpha
    assert skeleton("Tok0") != skeleton("Token")


def test_a_name_loses_invisible_characters_and_takes_its_compatibility_form():
    assert name(" \u202eAl\u200bice\u2069\u3000\uff22\u00b2 ") == "Alice B2"


def test_prose_keeps_its_lines_and_superscripts_but_not_invisible_characters():
    assert prose(" Offer m\u00b2\u200b of\nshade \u202e") == "Offer m\u00b2 of\nshade"


def test_an_emoji_keeps_its_joiner_and_selector_but_a_letter_loses_them():
    assert (
        name("\U0001f469\u200d\U0001f4bb\u2764\ufe0f") == "\U0001f469\u200d\U0001f4bb\u2764\ufe0f"
    )
    assert name("A\u200dB\ufe0f") == "AB"


@given(anything)
def test_storing_a_name_or_a_move_twice_changes_nothing(text):
    # The archive checker replays recorded text through the rules: what they store must come
    # back unchanged, or an archive of this server would not check.
    assert name(name(text)) == name(text)
    assert prose(prose(text)) == prose(text)


@given(anything)
def test_a_stored_name_is_taken_under_the_same_keys_as_what_was_typed(text):
    assert name_keys(name(text)) == name_keys(text)


@given(
    st.sampled_from(["Tok0", "Ann", "Bill", "Chlo\u00e9", "\u0410\u043d\u044f"]),
    st.lists(st.tuples(st.integers(0, 10), st.sampled_from(INVISIBLE)), min_size=1, max_size=3),
)
def test_inserting_invisible_characters_into_a_taken_nickname_never_frees_it(taken, cuts):
    twin = taken
    for at, char in cuts:
        at = at % (len(twin) + 1)
        twin = twin[:at] + char + twin[at:]
    table = Table()
    table.do(participant("alice"), c.Join(taken))
    assert table.refusal(participant("bob"), c.Join(twin)) == "nickname_taken"

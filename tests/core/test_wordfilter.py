import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.core.wordfilter import BLOCKED, has_blocked_word, word_list

# Characters that draw as nothing: zero-width space, non-joiner, joiner, word joiner, soft
# hyphen, BOM, bidi marks, embeddings, overrides and isolates, a variation selector, a tag.
INVISIBLE = [
    "\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff", "\u200e", "\u200f",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
    "\u2069", "\u061c", "\ufe0f", "\U000e0041", "\u034f", "\u180e",
]  # fmt: skip


@pytest.mark.parametrize(
    "text", ["What the fuck", "SHIT happens", "sh1t", "Fuuuuck", "a$$hole? no: b1tch"]
)
def test_it_catches_blocked_words_even_in_disguise(text):
    assert has_blocked_word(text)


@pytest.mark.parametrize(
    "text",
    [
        "fu\u200bck",  # zero-width space
        "\u202efuck\u202c",  # inside a right-to-left override
        "fu\u0441k",  # Cyrillic small es
        "FU\u0421K",  # Cyrillic capital es
        "\u0412ITCH",  # Cyrillic capital ve for B, capital I
        "\uff46\uff55\uff43\uff4b",  # fullwidth
        "\U0001d41f\U0001d42e\U0001d41c\U0001d424",  # mathematical bold
        "f\u00fack",  # an accent
        "f\u0336u\u0336c\u0336k\u0336",  # struck through with combining marks
        "sh\u0131t",  # dotless i
        "bul\u00adlshit",  # soft hyphen
    ],
)
def test_it_catches_blocked_words_hidden_by_invisible_or_look_alike_characters(text):
    assert has_blocked_word(text)


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United",
        "Cocktail hour",
        "Dick Whittington",
        "Assess the class",
        "Shitake? Shiitake!",
        "Ali, all ill",
        "\u041c\u043e\u0441\u043a\u0432\u0430",  # Moscow, in Cyrillic
    ],
)
def test_it_leaves_ordinary_words_that_merely_contain_one_alone(text):
    assert not has_blocked_word(text)


def test_a_rooms_own_words_are_caught_in_disguise_too():
    words = ", ".join(word_list("Upsell"))
    assert has_blocked_word("Ups\u0435ll now", words)  # Cyrillic e
    assert has_blocked_word("UPS\u200bELL", words)
    assert not has_blocked_word("Ups and downs", words)


def test_a_word_list_is_stored_without_invisible_characters():
    assert word_list("ups\u200bell,\uff43\uff48\uff55\uff52\uff4e") == ["churn", "upsell"]


@given(
    st.sampled_from(sorted(BLOCKED)),
    st.lists(st.tuples(st.integers(0, 20), st.sampled_from(INVISIBLE)), max_size=4),
)
def test_a_blocked_word_with_invisible_characters_inserted_anywhere_is_still_caught(word, cuts):
    for at, char in cuts:
        at = at % (len(word) + 1)
        word = word[:at] + char + word[at:]
    assert has_blocked_word(f"well {word} then")

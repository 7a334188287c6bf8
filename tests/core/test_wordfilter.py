import pytest

from game.core.wordfilter import has_blocked_word


@pytest.mark.parametrize(
    "text", ["What the fuck", "SHIT happens", "sh1t", "Fuuuuck", "a$$hole? no: b1tch"]
)
def test_it_catches_blocked_words_even_in_disguise(text):
    assert has_blocked_word(text)


@pytest.mark.parametrize(
    "text",
    [
        "Scunthorpe United",
        "Cocktail hour",
        "Dick Whittington",
        "Assess the class",
        "Shitake? Shiitake!",
    ],
)
def test_it_leaves_ordinary_words_that_merely_contain_one_alone(text):
    assert not has_blocked_word(text)

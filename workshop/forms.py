import re
from dataclasses import dataclass, field

from django import forms
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from game import textrules
from game.core.checks import validate_settings
from game.core.limits import MAX_TEAMS, NICKNAME_MAX, TITLE_MAX
from game.core.model import Settings
from game.core.refusals import REFUSALS, Refusal
from workshop.models import CODE_ALPHABET, Deck, Scenario


def text_rule(value: str) -> None:
    """The socket's text rule (bad_text) for what a facilitator types into a form: a workshop's
    title and its deck's cards go into the log and the archive, and an archive holding a control
    character would be refused on import."""
    if not textrules.is_clean(value):
        raise forms.ValidationError(textrules.BAD_TEXT, code="bad_text")


class RoomCodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label=_("Room code"),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "inputmode": "text"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper()
        if not code or any(ch not in CODE_ALPHABET for ch in code):
            raise forms.ValidationError(_("A room code is letters and digits, like K7QW3P."))
        return code


class JoinForm(forms.Form):
    # A nickname the form refuses gets the game's own nickname_invalid sentence, the one the
    # socket's rename refusal carries, rather than Django's field messages.
    nickname = forms.CharField(
        max_length=NICKNAME_MAX,
        label=_("Your nickname"),
        error_messages={
            key: REFUSALS["nickname_invalid"]
            for key in ("required", "max_length", "null_characters_not_allowed")
        },
    )


DEFAULTS = Settings()
TEAM_COUNT, TEAM_SIZE = "count", "size"
# Teams of a set size still start with two teams, so that the first few people who join already
# have another team's move to rate; more teams open as these fill.
SIZED_START_TEAMS = 2


def _whole(label, help_text=""):
    # Ranges are the core's (validate_settings); the form only parses the number.
    return forms.IntegerField(label=label, help_text=help_text, required=False)


def _share(label, help_text=""):
    return forms.CharField(label=label, help_text=help_text, required=False, max_length=13)


class CreateWorkshopForm(forms.Form):
    """A workshop's set-up: title, scenario plan, teams and the game's settings.

    Every setting left empty keeps the game's default, so a form posted with only a title and a
    number of teams still makes a workshop. The settings are checked by the game core's own
    ``validate_settings``, the same rules the ``configure`` command uses."""

    title = forms.CharField(
        max_length=TITLE_MAX,
        label=_("Title"),
        initial=_("Upserving workshop"),
        validators=[text_rule],
    )
    deck = forms.ModelChoiceField(
        queryset=Deck.objects.none(), required=False, empty_label=None, label=_("Deck")
    )
    plan = forms.CharField(
        label=_("Scenarios to play, in order"),
        help_text=_(
            "Card numbers from the deck, in the order you plan to play them, separated by commas"
            " or spaces, like 3, 1, 7. Each card at most once. Leave empty to pick each round"
            " as you go; cards left out stay on offer."
        ),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    team_mode = forms.ChoiceField(
        label=_("How teams are made"),
        choices=[
            (TEAM_COUNT, _("A fixed count of teams")),
            (TEAM_SIZE, _("Teams of a set size: new teams open as people join")),
        ],
        widget=forms.RadioSelect,
        required=False,
        initial=TEAM_COUNT,
    )
    teams = forms.IntegerField(
        min_value=2, max_value=MAX_TEAMS, required=False, label=_("Number of teams"), initial=4
    )
    team_size = forms.IntegerField(required=False, label=_("People per team"), initial=5)
    pitch_seconds = _whole(_("Pitch timer (seconds)"), _("0 for no timer."))
    vote_seconds = _whole(_("Vote timer (seconds)"), _("0 for no timer."))
    yes_value = _share(_("Value of a yes"), _("A number from 0 to 1, like 1, 0.5 or 2/3."))
    unsure_value = _share(_("Value of a not sure"))
    no_value = _share(_("Value of a no"))
    badge_share = _share(
        _("Share of yes-to-both votes for the upserve badge"), _("At least this share, like 2/3.")
    )
    badge_bonus = _whole(_("Badge bonus (points)"))
    upsell_share = _share(
        _("Share of no votes on question 1 that flags an upsell"),
        _("More than this share, like 0.5."),
    )
    ballot_size = _whole(_("Moves each voter rates in large rooms"), _("The voting sample size."))
    full_ballot_max_teams = _whole(_("Everyone rates every move up to this many teams"))
    anonymous_moves = forms.TypedChoiceField(
        label=_("The screen shows moves"),
        choices=[("true", _("Without team names")), ("false", _("With team names"))],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )
    blocked_words = forms.CharField(
        label=_("Words to block in nicknames and moves"),
        help_text=_("Separated by commas, spaces or lines; added to the built-in list."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    # The settings this form sets (team_size goes with the team set-up above).
    SETTINGS = [
        "pitch_seconds",
        "vote_seconds",
        "yes_value",
        "unsure_value",
        "no_value",
        "badge_share",
        "badge_bonus",
        "upsell_share",
        "ballot_size",
        "full_ballot_max_teams",
        "anonymous_moves",
        "blocked_words",
    ]
    SCORING = [
        "yes_value",
        "unsure_value",
        "no_value",
        "badge_share",
        "badge_bonus",
        "upsell_share",
    ]

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, label_suffix="", **kwargs)
        decks = Deck.objects.visible_to(user)
        self.fields["deck"].queryset = decks
        for key in self.SETTINGS:
            self.fields[key].initial = _shown(getattr(DEFAULTS, key))
        self.plan_lists = _plan_lists(decks)

    @property
    def scoring_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.SCORING]

    def clean(self) -> dict:
        data = super().clean()
        data["settings"] = self._settings(data)
        data["team_count"] = self._team_count(data)
        data["plan"] = self._plan(data)
        return data

    def _settings(self, data: dict) -> dict:
        """The settings that differ from the game's defaults, as the core stores them."""
        chosen = {}
        for key in self.SETTINGS:
            value = data.get(key)
            if value is None or value == "":
                continue
            try:
                stored = validate_settings({key: value})[key]
            except Refusal as refusal:
                self.add_error(key, refusal.message.replace(key, str(self.fields[key].label)))
                continue
            if stored != getattr(DEFAULTS, key):
                chosen[key] = stored
        if data.get("team_mode") == TEAM_SIZE:
            size = data.get("team_size")
            try:
                chosen.update(validate_settings({"team_size": size}))
            except Refusal:
                size = None
            if not size:
                self.add_error(
                    "team_size", _("People per team must be a whole number from 1 to 3600.")
                )
        return chosen

    def _team_count(self, data: dict) -> int:
        if data.get("team_mode") == TEAM_SIZE:
            self.errors.pop("teams", None)  # the number of teams is not asked in this mode
            return SIZED_START_TEAMS
        if data.get("teams") is None and "teams" not in self.errors:
            self.add_error("teams", _("Say how many teams to make."))
        return data.get("teams") or 0

    def _plan(self, data: dict) -> list[int]:
        """The scenario ids the plan's card numbers name, in the order given."""
        numbers = plan_numbers(data.get("plan") or "")
        if not numbers:
            return []
        deck = data.get("deck")
        if deck is None:
            if "deck" not in self.errors:
                self.add_error("plan", _("Choose the deck the card numbers are from."))
            return []
        ids = deck_card_ids(deck)
        try:
            return plan_ids(numbers, ids)
        except forms.ValidationError as error:
            self.add_error("plan", error)
            return []


PLAN_SEPARATORS = re.compile(r"[\s,;]+")


def plan_numbers(text: str) -> list[str]:
    """The card numbers typed into the plan field, still as text (checked by ``plan_ids``)."""
    return [part for part in PLAN_SEPARATORS.split(text.strip()) if part]


def deck_card_ids(deck: Deck) -> list[int]:
    """The deck's scenario ids in deck order: card number n is ``ids[n - 1]``."""
    return list(Scenario.objects.filter(deck=deck).values_list("pk", flat=True))


def plan_ids(numbers: list[str], ids: list[int]) -> list[int]:
    """The scenario ids of card ``numbers`` (1-based, into ``ids``). A plan names each card at
    most once, so it is never longer than the deck; the first fault is the one reported, and the
    work is one pass over the numbers whatever they are."""
    size = len(ids)
    if len(numbers) > size:
        raise forms.ValidationError(
            _("The plan names %(n)s cards but the deck has only %(size)s.")
            % {"n": len(numbers), "size": size},
            code="plan_too_long",
        )
    seen: set[int] = set()
    plan = []
    for text in numbers:
        # A card number has no more digits than the deck's size: no giant int is ever parsed.
        if not (text.isascii() and text.isdigit()) or len(text) > len(str(size)):
            number = 0
        else:
            number = int(text)
        if not 1 <= number <= size:
            raise forms.ValidationError(
                _("“%(text)s” is not a card number: the deck's cards are numbered 1 to %(size)s.")
                % {"text": text[:12], "size": size},
                code="plan_no_such_card",
            )
        if number in seen:
            raise forms.ValidationError(
                _("Card %(n)s is in the plan twice. Name each card once.") % {"n": number},
                code="plan_repeats",
            )
        seen.add(number)
        plan.append(ids[number - 1])
    return plan


# The create form lists at most this many cards of each deck by number and title, for at most
# this many decks; other cards are on their deck's own (paginated) page, with the same numbers.
PLAN_LIST_MAX = 200
PLAN_LIST_DECKS = 20


@dataclass
class PlanList:
    deck: Deck
    size: int
    cards: list[tuple[int, str]] = field(default_factory=list)  # (card number, title)

    @property
    def more(self) -> int:
        return self.size - len(self.cards)


def _plan_lists(decks) -> list[PlanList]:
    """Each deck's first cards by number: two queries, however many decks and cards."""
    lists = {d.pk: PlanList(d, d.card_count) for d in decks.annotate(card_count=Count("scenarios"))}
    listed = list(lists)[:PLAN_LIST_DECKS]
    numbered = Window(RowNumber(), partition_by=F("deck_id"), order_by=[F("position"), F("id")])
    rows = (
        Scenario.objects.filter(deck_id__in=listed)
        .annotate(number=numbered)
        .filter(number__lte=PLAN_LIST_MAX)
        .order_by("deck_id", "number")
        .values_list("deck_id", "number", "title")
    )
    for deck_id, number, title in rows:
        lists[deck_id].cards.append((number, title))
    return list(lists.values())


def _shown(value) -> str | int:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def duplicate_initial(
    *, title: str, deck: Deck | None, plan: list[int], teams: int, settings: dict
):
    """The create form's initial values for a copy of a past workshop's set-up."""
    suffix = str(_(" (copy)"))
    initial = {
        "title": title[: TITLE_MAX - len(suffix)] + suffix,
        "deck": deck,
        "team_mode": TEAM_SIZE if settings.get("team_size") else TEAM_COUNT,
        "teams": teams,
    }
    if settings.get("team_size"):
        initial["team_size"] = settings["team_size"]
    for key in CreateWorkshopForm.SETTINGS:
        if key in settings:
            initial[key] = _shown(settings[key])
    if deck is not None:
        number_of = {pk: n for n, pk in enumerate(deck_card_ids(deck), start=1)}
        # One pass, dict lookups only: a stored plan may repeat a card many times.
        numbers = dict.fromkeys(number_of[pk] for pk in plan if pk in number_of)
        initial["plan"] = ", ".join(map(str, numbers))
    return initial

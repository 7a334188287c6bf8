from django import forms

from game.core.limits import NICKNAME_MAX, TITLE_MAX
from workshop.models import CODE_ALPHABET, Deck


class RoomCodeForm(forms.Form):
    code = forms.CharField(
        max_length=12,
        label="Room code",
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "inputmode": "text"}
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split()).upper()
        if not code or any(ch not in CODE_ALPHABET for ch in code):
            raise forms.ValidationError("A room code is letters and digits, like K7QW3P.")
        return code


class JoinForm(forms.Form):
    nickname = forms.CharField(max_length=NICKNAME_MAX, label="Your nickname")


class CreateWorkshopForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, initial="Upserving workshop")
    teams = forms.IntegerField(min_value=2, max_value=50, initial=4, label="Number of teams")
    deck = forms.ModelChoiceField(queryset=Deck.objects.all(), required=False, empty_label=None)

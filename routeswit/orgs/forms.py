from django import forms
from django.contrib.auth import get_user_model

from routeswit.orgs.models import KeyKind, Role
from routeswit.orgs.services import ALL_SCOPES


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=200, required=False, help_text="So you know later what uses it.")
    kind = forms.ChoiceField(
        choices=[
            (KeyKind.SECRET, "Secret (sk_live_): everything in this organization"),
            (KeyKind.READ_ONLY, "Read-only (rk_live_): every GET"),
            (KeyKind.RESTRICTED, "Restricted (rk_live_): only the scopes ticked below"),
        ],
        widget=forms.RadioSelect,
        initial=KeyKind.SECRET,
    )
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in ALL_SCOPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For a restricted key; X:write implies X:read.",
    )


class MemberForm(forms.Form):
    user = forms.CharField(label="Username or email", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)

    def clean_user(self):
        value = self.cleaned_data["user"].strip()
        users = get_user_model().objects.filter(username=value) or get_user_model().objects.filter(
            email__iexact=value
        )
        if len(users) != 1:
            raise forms.ValidationError("No single user has this username or email; they must sign up first.")
        return users[0]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

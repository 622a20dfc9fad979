from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from readerfund.payments.statements.services import MAX_STATEMENT_BYTES


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Statement file"),
        help_text=_("MT940 (.sta, .mt940, .txt) or ISO 20022 camt.053 / camt.054 (.xml)"),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        return bytes(upload.read())


class AssignForm(forms.Form):
    reference = forms.CharField(label=_("Transfer"), max_length=40)

"""The newsroom's face in the admin: one row (like the funding goal), its logo uploaded or
given by address, its accent colours refused when white (or, in dark mode, black) text on
them would be hard to read."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from readerfund.core.models import Newsroom
from readerfund.core.newsroom import LOGO_MAX_BYTES

# What a logo file starts with, by type; the browser is told the type we checked.
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def _logo_type(head: bytes) -> str:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def _formfield(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class NewsroomForm(forms.ModelForm[Newsroom]):
    logo_file = forms.FileField(
        label=_("Upload a logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, up to 200 KB; replaces the logo address."),
    )
    logo_remove = forms.BooleanField(label=_("Remove the uploaded logo"), required=False)

    class Meta:
        model = Newsroom
        fields = [
            "name", "name_ru", "sender_name", "sender_name_ru", "site_url", "logo_url",
            "accent", "accent_dark",
        ]  # fmt: skip
        formfield_callback = _formfield

    def clean_logo_file(self) -> tuple[bytes, str] | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(_("The logo is larger than 200 KB."))
        data = upload.read()
        kind = _logo_type(data[:16])
        if not kind:
            raise forms.ValidationError(_("The logo must be a PNG, JPEG or WebP image."))
        return data, kind

    def save(self, commit: bool = True) -> Newsroom:
        newsroom = super().save(commit=False)
        upload = self.cleaned_data.get("logo_file")
        if upload:
            newsroom.logo_data, newsroom.logo_type = upload
        elif self.cleaned_data.get("logo_remove"):
            newsroom.logo_data, newsroom.logo_type = b"", ""
        if commit:
            newsroom.save()
        return newsroom


@admin.register(Newsroom)
class NewsroomAdmin(admin.ModelAdmin[Newsroom]):
    form = NewsroomForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "site_url", "accent"]
    fieldsets = [
        (None, {"fields": ["name", "name_ru", "site_url"]}),
        (_("Emails"), {"fields": ["sender_name", "sender_name_ru"]}),
        (_("Look"), {"fields": ["logo_url", "logo_file", "logo_remove", "accent", "accent_dark"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not Newsroom.objects.exists()

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        # Start from the settings table's defaults, which the pages show until then.
        return {
            "name": settings.READERFUND_NEWSROOM_NAME,
            "name_ru": settings.READERFUND_NEWSROOM_NAME_RU,
            **super().get_changeform_initial_data(request),
        }

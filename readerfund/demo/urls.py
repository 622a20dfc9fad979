from django.urls import path, register_converter

from readerfund.demo import views


class OtherLanguageConverter:
    """Matches the language prefixes of the demo; English, the default, has none."""

    regex = "ru"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(OtherLanguageConverter, "lang")

app_name = "demo"

urlpatterns = [
    path("", views.front, name="front"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<str:email_id>/", views.outbox_email, name="outbox-email"),
    path("outbox/<str:email_id>/html", views.outbox_html, name="outbox-html"),
    path("<lang:lang>/", views.front, name="front-lang"),
    path("section/<slug:section>/", views.section, name="section"),
    path("<lang:lang>/section/<slug:section>/", views.section, name="section-lang"),
    path("tag/<slug:tag>/", views.tag, name="tag"),
    path("<lang:lang>/tag/<slug:tag>/", views.tag, name="tag-lang"),
    path("<slug:section>/<slug:slug>/", views.article, name="article"),
    path("<lang:lang>/<slug:section>/<slug:slug>/", views.article, name="article-lang"),
]

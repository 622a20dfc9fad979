from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from readerfund.campaigns import views as campaign_views
from readerfund.core import views as core_views
from readerfund.core.health import readyz
from readerfund.core.metrics import metrics_view
from readerfund.events import views as event_views
from readerfund.payments import views as payment_views
from readerfund.payments.registry import provider_urls

admin.site.site_header = _("readerfund administration")
admin.site.site_title = _("readerfund")
admin.site.index_title = _("Reader revenue")

# An unreachable database answers 503 with Retry-After (core/errors.py), not 500.
handler500 = "readerfund.core.errors.server_error"


def health(request: HttpRequest) -> HttpResponse:
    """For load balancers: the process is up and answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("readerfund/favicon.svg"), permanent=True)


urlpatterns = [
    # the editors' insights, staff only, in the admin's look (readerfund.experiments)
    path("admin/insights/", include("readerfund.experiments.urls")),
    path("admin/", admin.site.urls),
    path("embed.js", campaign_views.embed_js, name="embed"),
    path("api/playbook.json", campaign_views.playbook_json, name="playbook"),
    path("api/geo", campaign_views.geo, name="geo"),
    path("api/events", event_views.ingest, name="events"),
    path("api/preview", campaign_views.preview, name="preview"),
    # the goal as the playbook carries it (readerfund.goals keeps the figure)
    path("api/goal.json", campaign_views.goal_json, name="goal-json"),
    path("payments/webhooks/<slug:provider>/", payment_views.webhook, name="webhook"),
    # each provider package's own pages (return, test pages), under its identifier
    *provider_urls(),
    path("", include("readerfund.checkout.urls")),
    path("", include("readerfund.supporters.urls")),
    path("", include("readerfund.reminders.urls")),
    path("healthz", health, name="health"),
    path("readyz", readyz, name="ready"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon),
    path("newsroom/theme.css", core_views.theme_css, name="newsroom-theme"),
    path("newsroom/logo", core_views.logo, name="newsroom-logo"),
]

if settings.DEMO_SITE:
    urlpatterns += [
        path("demo/", include("readerfund.demo.urls")),
        path("", lambda request: redirect("demo:front")),
    ]

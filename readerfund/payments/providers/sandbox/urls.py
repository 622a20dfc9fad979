from django.urls import path

from readerfund.payments.providers.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("<uuid:attempt>/", views.page, name="page"),
]

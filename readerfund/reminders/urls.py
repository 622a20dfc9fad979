from django.urls import path

from readerfund.reminders import views

app_name = "reminders"

urlpatterns = [
    path("api/reminders", views.api, name="api"),
    path("reminders/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

from django.urls import path

from readerfund.checkout import views

app_name = "checkout"

urlpatterns = [
    path("give/", views.give, name="give"),
    path("give/start", views.start, name="start"),
    path("give/thanks/<uuid:attempt>/", views.thanks, name="thanks"),
]

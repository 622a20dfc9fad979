from django.urls import path

from readerfund.experiments import views

app_name = "experiments"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("<slug:slug>/", views.campaign, name="campaign"),
]

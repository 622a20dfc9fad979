from django.urls import path

from readerfund.goals import views

app_name = "goals"

urlpatterns = [
    path("api/goal.json", views.goal_json, name="goal-json"),
]

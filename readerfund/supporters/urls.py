from django.urls import URLPattern

app_name = "supporters"

urlpatterns: list[URLPattern] = []

from django.urls import path

from readerfund.payments.providers.btcpay import views

app_name = "btcpay"

urlpatterns = [
    path("test/<uuid:attempt>/", views.test_invoice, name="test_invoice"),
    path("pledges/stop/<str:token>/", views.pledge_stop_page, name="pledge_stop"),
]

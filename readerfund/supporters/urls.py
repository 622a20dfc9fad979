from django.urls import path

from readerfund.supporters import views

app_name = "supporters"

urlpatterns = [
    path("manage/", views.manage, name="manage"),
    path("manage/logout/", views.logout, name="logout"),
    path("manage/plans/<int:plan_id>/amount/", views.plan_amount, name="amount"),
    path("manage/plans/<int:plan_id>/pause/", views.plan_pause, name="pause"),
    path("manage/plans/<int:plan_id>/resume/", views.plan_resume, name="resume"),
    path("manage/plans/<int:plan_id>/cancel/", views.plan_cancel, name="cancel"),
    path("manage/plans/<int:plan_id>/card/", views.plan_card, name="card"),
    path("manage/plans/<int:plan_id>/card/start/", views.plan_card_start, name="card_start"),
    path("manage/plans/<int:plan_id>/card/finish/", views.plan_card_finish, name="card_finish"),
    path("manage/items/<str:provider>/<str:key>/stop/", views.item_stop, name="item_stop"),
    path("manage/receipts/<int:contribution_id>/", views.receipt, name="receipt"),
    path("manage/summary/<int:year>/", views.summary, name="summary"),
    path("manage/export/", views.export, name="export"),
    path("manage/erase/", views.erase, name="erase"),
    # The emailed link (receipts, "email me my link"); after the fixed paths above, so
    # that no token can be mistaken for one of them.
    path("manage/<str:token>/", views.login, name="login"),
]

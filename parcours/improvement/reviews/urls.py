from django.urls import path

from parcours.improvement.reviews import views

app_name = "reviews"

urlpatterns = [
    path("amelioration/revues/", views.index, name="index"),
    path("amelioration/revues/nouvelle/", views.new, name="new"),
    path("amelioration/revues/<int:pk>/", views.detail, name="detail"),
    path("amelioration/revues/<int:pk>/modifier/", views.edit, name="edit"),
    path("amelioration/revues/<int:pk>/tenir/", views.hold, name="hold"),
    path("amelioration/revues/<int:pk>/decisions/", views.decide, name="decide"),
    path("amelioration/revues/<int:pk>/compte-rendu.pdf", views.review_pdf, name="pdf"),
]

from django.urls import path

from parcours.improvement.risks import views

app_name = "risks"

urlpatterns = [
    path("amelioration/risques/", views.register, name="register"),
    path("amelioration/risques/nouveau/", views.new, name="new"),
    path("amelioration/risques/revue-annuelle/", views.yearly_review, name="yearly_review"),
    path("amelioration/risques/registre.xlsx", views.register_xlsx, name="register_xlsx"),
    path("amelioration/risques/registre.pdf", views.register_pdf, name="register_pdf"),
    path("amelioration/risques/<int:pk>/", views.detail, name="detail"),
    path("amelioration/risques/<int:pk>/modifier/", views.edit, name="edit"),
    path("amelioration/risques/<int:pk>/archiver/", views.archive, name="archive"),
    path("amelioration/risques/<int:pk>/traitements/lier/", views.link, name="link"),
    path("amelioration/risques/<int:pk>/traitements/nouvelle/", views.treat, name="treat"),
    path(
        "amelioration/risques/<int:pk>/traitements/<int:action_pk>/delier/",
        views.unlink,
        name="unlink",
    ),
]

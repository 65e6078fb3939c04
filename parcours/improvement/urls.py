from django.urls import include, path

app_name = "improvement"

urlpatterns: list = [
    # h4: the quality reviews and the risk register.
    path("", include("parcours.improvement.reviews.urls")),
    path("", include("parcours.improvement.risks.urls")),
]

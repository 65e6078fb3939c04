from django.http import HttpResponse


def learner_list(request):
    return HttpResponse("")


def enrolment_list(request):
    return HttpResponse("")

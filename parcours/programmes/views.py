from django.http import HttpResponse


def programme_list(request):
    return HttpResponse("")


def session_list(request):
    return HttpResponse("")

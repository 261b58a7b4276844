from django.http import HttpResponse


def invite(request):  # replaced by the invitation page
    return HttpResponse(status=501)

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class DutchByDefaultLocaleMiddleware(LocaleMiddleware):
    """Dutch unless the user chose another language with the language switch.

    Django's LocaleMiddleware follows the browser's Accept-Language header, so
    a Dutch official with an English browser would get English pages. Here
    only an explicit choice (the language cookie set by ``set_language``)
    overrides the default.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen and translation.check_for_language(chosen):
            language = translation.get_supported_language_variant(chosen)
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

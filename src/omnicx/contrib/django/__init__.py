"""omnicx in a Django project (extra ``omnicx[django]``).

Add ``"omnicx.contrib.django"`` to ``INSTALLED_APPS``; docs/django.md
explains the settings, views and management commands.
"""

__all__: list[str] = []

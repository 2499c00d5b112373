"""The ``omnicx_*`` management commands (``manage.py help``)."""

"""One module per ``manage.py omnicx_*`` command; Django finds them by file name."""

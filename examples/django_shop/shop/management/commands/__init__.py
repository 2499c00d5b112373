"""``shop_sample`` and the ``runserver`` that migrates first."""

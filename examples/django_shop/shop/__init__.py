"""A small Django shop whose support runs on omnicx (see ../README.md)."""

"""The migrations of the omnicx tables: append new ones, never edit a published one."""

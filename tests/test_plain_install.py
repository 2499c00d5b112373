"""The README's first command: ``pip install . && omnicx demo`` needs no extra.

The demo runs in a fresh interpreter where importing any optional extra's
package fails, as it would after a plain ``pip install .``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

EXTRAS = (
    "yaml", "psycopg", "psycopg_pool", "django", "plotly", "py3langid", "Stemmer", "orjson",
    "dask", "distributed", "cryptography", "holidays",
)  # fmt: skip
"""The top-level packages of omnicx's optional extras."""

_SCRIPT = textwrap.dedent(
    """
    import sys

    class NoExtras:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in EXTRAS:
                raise ModuleNotFoundError(f"No module named {name!r} (an extra)", name=name)
            return None

    sys.meta_path.insert(0, NoExtras())
    from omnicx.cli import main
    raise SystemExit(main(["demo", "--colour", "never"]))
    """
)


def test_the_demo_runs_without_any_extra() -> None:
    """Every section prints, to the last one, with no optional package importable."""
    script = f"EXTRAS = {EXTRAS!r}\n{_SCRIPT}"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Customer profiles" in done.stdout
    assert "Self-service: a deflected question" in done.stdout
    assert "a missed call becomes a callback task" in done.stdout

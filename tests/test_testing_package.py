"""omnicx.testing loads lazily; its pytest plugin stays light.

Every package's ``__all__`` is pinned in tests/test_public_api.py.
"""

from __future__ import annotations

import omnicx.testing


def test_testing_exports_the_store_contract() -> None:
    assert "StoreContract" in omnicx.testing.__all__


def test_the_pytest_plugin_loads_without_hypothesis_or_contract_suites() -> None:
    """pytest imports the plugin in every host's run: it must stay light."""
    import subprocess
    import sys

    code = (
        "import sys, omnicx.testing.pytest_plugin\n"
        "heavy = {'hypothesis', 'omnicx.testing._adapter_contract',"
        " 'omnicx.testing._store_contract'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_lazy_names_resolve_and_unknown_names_fail() -> None:
    """Every exported name loads on first use; a typo is an AttributeError."""
    import pytest

    for name in omnicx.testing.__all__:
        assert getattr(omnicx.testing, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        omnicx.testing.nope  # noqa: B018

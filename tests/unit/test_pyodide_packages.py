"""Set-up's Pyodide packages (site_tools.pyodide_packages): the lock walk and the sha256 check."""

import hashlib

import pytest

from site_tools import pyodide_packages
from site_tools.errors import SetupError


def test_a_package_with_the_wrong_sha256_is_refused(tmp_path):
    wheel = tmp_path / "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
    wheel.write_bytes(b"not the real wheel")
    with pytest.raises(SetupError, match="refusing numpy-2.0.2.*sha256"):
        pyodide_packages.verify(wheel, "ebb61241d962b98b21597d7ce43b67668a6d5bab3acec4fbe958657320d7cd08")
    pyodide_packages.verify(wheel, hashlib.sha256(b"not the real wheel").hexdigest())  # the right hash passes


def test_package_list_follows_dependencies_in_the_lock():
    lock = {"packages": {"numpy": {"file_name": "n.whl", "depends": ["a"]}, "a": {"file_name": "a.whl", "depends": []},
                         "unused": {"file_name": "u.whl", "depends": []}}}
    names = [e["file_name"] for e in pyodide_packages.packages_needed(lock, ["numpy"])]
    assert names == ["a.whl", "n.whl"]


def test_a_package_missing_from_the_lock_is_named():
    with pytest.raises(SetupError, match="no package named 'openblas'"):
        pyodide_packages.packages_needed({"packages": {}}, ["openblas"])

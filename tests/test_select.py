# SPDX-License-Identifier: BSD-3-Clause
"""Which release and file pip would take (piwcheck.select)."""

import pytest
from packaging.specifiers import SpecifierSet

from helpers import load, pi
from piwcheck.select import builder_release, python_ok, select


def sel(project, spec="", target=None, pre=False):
    return select(load(project), SpecifierSet(spec), target or pi(), pre)


def test_newest_release_and_own_abi_file():
    s = sel("numpy")
    assert s.release.version == "2.1.3"
    assert s.file.filename == "numpy-2.1.3-cp311-cp311-linux_armv7l.whl"
    assert s.file.apt_dependencies == ("libgfortran5", "libopenblas0-pthread")
    assert s.warnings == ()


def test_armv6l_target_gets_the_armv6l_twin():
    s = sel("numpy", target=pi(platform="linux_armv6l"))
    assert s.file.filename == "numpy-2.1.3-cp311-cp311-linux_armv6l.whl"


def test_trixie_abi_gets_cp313_file():
    s = sel("numpy", target=pi("cp313"))
    assert s.file.builder_abi == "cp313"
    assert s.file.filename.startswith("numpy-2.1.3-cp313-cp313-")


def test_specifier_limits_version():
    assert sel("numpy", "<2").release.version == "1.26.4"
    assert sel("pillow", ">=10,<11").file.filename.startswith(
        "pillow-10.4.0-cp311")


def test_requires_python_excludes_releases():
    # numpy 2.x needs Python >= 3.10: a Bullseye Pi (cp39) gets 1.26.4
    s = sel("numpy", target=pi("cp39"))
    assert s.release.version == "1.26.4"
    assert s.file.builder_abi == "cp39"


def test_requires_python_all_excluded_reason():
    s = sel("numpy", ">=2", target=pi("cp39"))
    assert s.release is None
    assert "another Python" in s.reason


def test_python_ok_rules():
    assert python_ok(None, "3.11.2")
    assert python_ok(">=3.9", "3.11.2")
    assert not python_ok(">=3.12", "3.11.2")
    assert not python_ok("!=3.9.0,!=3.9.1,>=3.7", "3.9.1")
    assert python_ok("not a specifier", "3.11.2")  # ignored, as pip does


def test_prereleases_excluded_by_default():
    assert sel("numpy").release.version == "2.1.3"


def test_prereleases_with_pre_flag():
    assert sel("numpy", pre=True).release.version == "2.2.0rc1"


def test_prereleases_when_specifier_names_one():
    assert sel("numpy", ">=2.2.0rc1").release.version == "2.2.0rc1"


def test_prereleases_when_nothing_else_matches():
    assert sel("dev-only").release.version == "0.1b2"


def test_yanked_skipped_unless_pinned():
    assert sel("numpy", "<2.1.3").release.version == "1.26.4"
    s = sel("numpy", "==2.1.2")
    assert s.release.version == "2.1.2"
    assert any("yanked" in w for w in s.warnings)
    assert sel("numpy", "===2.1.2").release.version == "2.1.2"


def test_yanked_only_reason():
    s = sel("yanked-only")
    assert s.release is None and "yanked" in s.reason
    assert sel("yanked-only", "==1.0").release.version == "1.0"


def test_abi3_built_on_other_release_warns():
    s = sel("cryptography")
    assert s.file.filename == "cryptography-44.0.0-cp39-abi3-linux_armv7l.whl"
    assert s.file.builder_abi == "cp39"
    assert len(s.warnings) == 1
    assert "Bullseye (cp39)" in s.warnings[0]
    assert "Bookworm (cp311)" in s.warnings[0]


def test_pure_wheel_without_apt_needs_no_warning():
    s = sel("gpiozero")
    assert s.file.filename == "gpiozero-2.0.1-py3-none-any.whl"
    assert s.warnings == ()


def test_failed_build_names_fallback():
    s = sel("pillow")
    assert s.release.version == "11.0.0" and s.file is None
    assert "failed or is pending" in s.reason
    assert s.fallback.version == "10.4.0"
    assert s.fallback_file.filename == \
        "pillow-10.4.0-cp311-cp311-linux_armv7l.whl"


def test_skipped_release_gives_reason():
    s = sel("opencv-python", target=pi("cp39"))
    assert s.reason == "piwheels skipped it: binary is too large for piwheels"
    assert s.fallback.version == "4.5.3.56"


def test_built_only_for_other_os_releases():
    s = sel("legacy-tool")
    assert s.file is None
    assert s.reason == ("wheels only for other Pythons/OS releases: "
                        "cp37m (Buster)")
    assert s.fallback is None


def test_aarch64_reason_says_pip_uses_pypi():
    s = sel("numpy", target=pi(platform="linux_aarch64"))
    assert s.file is None
    assert s.reason.startswith("piwheels builds no wheels for aarch64: pip "
                               "will take this package from PyPI")


def test_other_platform_reason():
    from piwcheck.indexes.piwheels import parse_project
    doc = {"releases": {"1.0": {"files": {
        "x-1.0-cp311-cp311-linux_armv6l.whl": {
            "file_url": "u", "filehash": "h", "filesize": 1,
            "builder_abi": "cp311", "file_abi_tag": "cp311",
            "platform": "linux_armv6l", "apt_dependencies": []}}}}}
    s = select(parse_project(doc, "x"), SpecifierSet(), pi())
    assert s.reason == "wheels only for other platforms: linux_armv6l"


def test_no_matching_release():
    s = sel("numpy", ">=99")
    assert s.release is None and "no release matches '>=99'" == s.reason


def test_empty_project():
    assert sel("empty").reason == "piwheels lists no releases"


@pytest.mark.parametrize("abi,name", [("cp311", "Bookworm"),
                                      ("cp37m", "Buster"),
                                      ("cp313", "Trixie"),
                                      ("cp312", "cp312")])
def test_builder_release(abi, name):
    assert builder_release(abi) == name

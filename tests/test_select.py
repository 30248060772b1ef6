# SPDX-License-Identifier: BSD-3-Clause
"""Which release and file pip would take across the indexes
(piwcheck.select)."""

import pytest
from packaging.specifiers import SpecifierSet

from helpers import both, load, load_pypi, pi
from piwcheck.described import described_target
from piwcheck.facts import builder_release
from piwcheck.model import Project
from piwcheck.names import canonical_name
from piwcheck.select import Formats, choose, offer
from piwcheck.specs import python_ok


def select(projects, spec, target, pre=False, formats=Formats(), name=""):
    """``choose`` over whole projects (one per index, in pip's order); an
    index is piwheels' when its URL or its files say so."""
    if isinstance(projects, Project):
        projects = [projects]
    rank = target.tag_rank()
    offers = []
    for i, p in enumerate(projects):
        piwheels = "piwheels" in p.index or any(
            f.builder_abi for r in p.releases for f in r.files)
        offers.append(offer(p, target, i, "piwheels" if piwheels
                            else p.index, rank, piwheels))
    return choose(offers, spec, target,
                  name or canonical_name(projects[0].name), pre, formats)


def sel(project, spec="", target=None, pre=False):
    """From piwheels alone."""
    return select(load(project), SpecifierSet(spec), target or pi(), pre)


def two(project, spec="", target=None, pre=False, formats=Formats()):
    """From PyPI and piwheels, as on Raspberry Pi OS."""
    return select(both(project), SpecifierSet(spec), target or pi(), pre,
                  formats)


def test_newest_release_and_own_abi_file():
    s = sel("numpy")
    assert s.version == "2.1.3"
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
    assert sel("numpy", "<2").version == "1.26.4"
    assert sel("pillow", ">=10,<11").file.filename.startswith(
        "pillow-10.4.0-cp311")


def test_requires_python_excludes_releases():
    # numpy 2.x needs Python >= 3.10: a Bullseye Pi (cp39) gets 1.26.4
    s = sel("numpy", target=pi("cp39"))
    assert s.version == "1.26.4"
    assert s.file.builder_abi == "cp39"


def test_requires_python_all_excluded_reason():
    s = sel("numpy", ">=2", target=pi("cp39"))
    assert s.version is None
    assert "another Python" in s.reason


def test_python_ok_rules():
    assert python_ok(None, "3.11.2")
    assert python_ok(">=3.9", "3.11.2")
    assert not python_ok(">=3.12", "3.11.2")
    assert not python_ok("!=3.9.0,!=3.9.1,>=3.7", "3.9.1")
    assert python_ok("not a specifier", "3.11.2")  # ignored, as pip does


def test_prereleases_excluded_by_default():
    assert sel("numpy").version == "2.1.3"


def test_prereleases_with_pre_flag():
    assert sel("numpy", pre=True).version == "2.2.0rc1"


def test_prereleases_when_specifier_names_one():
    assert sel("numpy", ">=2.2.0rc1").version == "2.2.0rc1"


def test_prereleases_when_nothing_else_matches():
    assert sel("dev-only").version == "0.1b2"


def test_yanked_skipped_unless_pinned():
    assert sel("numpy", "<2.1.3").version == "1.26.4"
    s = sel("numpy", "==2.1.2")
    assert s.version == "2.1.2"
    assert any("yanked" in w for w in s.warnings)
    assert sel("numpy", "===2.1.2").version == "2.1.2"


def test_yanked_only_reason():
    s = sel("yanked-only")
    assert s.version is None and "yanked" in s.reason
    assert sel("yanked-only", "==1.0").version == "1.0"


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


def test_failed_build_alone_pip_takes_the_older_wheel():
    # piwheels alone has no file of 11.0.0: pip installs 10.4.0
    s = sel("pillow")
    assert s.version == "10.4.0"
    assert s.file.filename == "pillow-10.4.0-cp311-cp311-linux_armv7l.whl"


def test_failed_build_with_pypi_is_a_source_build():
    s = two("pillow")
    assert s.version == "11.0.0"
    assert s.file.filename == "pillow-11.0.0.tar.gz"
    assert s.file.index == "https://pypi.org/simple"
    assert "pip would build pillow-11.0.0.tar.gz from" in s.reason
    assert "failed or is pending" in s.reason
    assert s.fallback_version == "10.4.0"
    assert s.fallback_file.filename == \
        "pillow-10.4.0-cp311-cp311-linux_armv7l.whl"


def test_musllinux_is_never_taken_on_glibc():
    # 11.0.0 has a musllinux_1_2_armv7l wheel: not for Raspberry Pi OS
    assert not two("pillow").file.is_wheel


def test_skipped_release_gives_reason():
    s = two("opencv-python", target=pi("cp39"))
    assert s.file.filename == "opencv-python-4.10.0.84.tar.gz"
    assert "piwheels skipped it: binary is too large for piwheels" in \
        s.reason
    assert s.fallback_version == "4.5.3.56"


def test_built_only_for_other_os_releases():
    s = sel("legacy-tool")
    assert s.file is None
    assert s.reason.endswith("piwheels has wheels only for other "
                             "Pythons/OS releases: cp37m (Buster)")
    assert s.fallback_version is None


def test_aarch64_from_piwheels_alone_says_why():
    s = sel("numpy", target=pi(platform="linux_aarch64"))
    assert s.file is None
    assert s.reason.endswith("piwheels builds no wheels for aarch64")


def test_aarch64_takes_pypis_manylinux_wheel():
    s = two("numpy", target=described_target(None, [], pi="bookworm-64"))
    assert s.file.filename == \
        "numpy-2.1.3-cp311-cp311-manylinux_2_17_aarch64.manylinux2014_" \
        "aarch64.whl"
    assert s.file.apt_dependencies is None


@pytest.mark.parametrize("pip,origin", [
    (None, "pypi"),        # Bookworm's pip 23.0.1: manylinux ranks first
    ("26.3", "piwheels"),  # packaging 26.3: linux_armv7l ranks first
])
def test_manylinux_armv7l_against_linux_armv7l(pip, origin):
    t = described_target(None, [], pi="bookworm-32", pip_version=pip)
    s = two("pydantic-core", "==2.27.1", target=t)
    assert s.version == "2.27.1"
    if origin == "pypi":
        assert "manylinux_2_17_armv7l" in s.file.filename
    else:
        assert s.file.filename == \
            "pydantic_core-2.27.1-cp311-cp311-linux_armv7l.whl"
        assert s.file.apt_dependencies == ("libc6", "libgcc-s1")


def test_newer_release_only_on_pypi():
    s = two("pydantic-core", target=described_target(None, [],
                                                     pi="bookworm-32"))
    assert s.version == "2.27.2"
    assert s.file.index == "https://pypi.org/simple"


def test_project_only_on_pypi():
    s = select([load_pypi("pypi-only")], SpecifierSet(), pi())
    assert s.file.filename == "pypi_only-1.0-py3-none-any.whl"


@pytest.mark.parametrize("release,version", [("bookworm", "1.0"),
                                             ("trixie", "2.0")])
def test_manylinux_2_39_needs_trixie(release, version):
    t = described_target(None, [], pi=release + "-32")
    s = select([load_pypi("glibc-new")], SpecifierSet(), t)
    assert s.version == version


def test_same_file_on_both_takes_piwheels_record():
    s = two("pycparser")
    assert s.file.filename == "pycparser-2.22-py3-none-any.whl"
    assert s.file.builder_abi == "cp311"  # piwheels' record, the later index


def test_only_binary_and_prefer_binary_take_the_older_wheel():
    for formats in (Formats(only_binary=frozenset({":all:"})),
                    Formats(only_binary=frozenset({"pillow"})),
                    Formats(prefer_binary=True)):
        s = two("pillow", formats=formats)
        assert s.file.filename == \
            "pillow-10.4.0-cp311-cp311-linux_armv7l.whl", formats


def test_no_binary_takes_the_sdist():
    s = two("numpy", formats=Formats(no_binary=frozenset({":all:"})))
    assert s.file.filename == "numpy-2.1.3.tar.gz"


def test_only_binary_without_wheel_says_so():
    s = two("rpi-gpio", target=pi(platform="linux_aarch64"),
            formats=Formats(only_binary=frozenset({":all:"})))
    assert s.file is None
    assert s.reason.startswith("no wheel for this target, and sdists are "
                               "not allowed (--only-binary)")


def test_bullseye_python_is_debians_patch_version():
    # cryptography 44.0.0 says !=3.9.0,!=3.9.1: Bullseye runs 3.9.2
    s = two("cryptography", target=pi("cp39"))
    assert s.version == "44.0.0"


def test_other_platform_reason():
    from piwcheck.indexes.piwheels import parse_project
    doc = {"releases": {"1.0": {"files": {
        "x-1.0-cp311-cp311-linux_armv6l.whl": {
            "file_url": "https://x/u", "filehash": "0" * 64, "filesize": 1,
            "builder_abi": "cp311", "file_abi_tag": "cp311",
            "platform": "linux_armv6l", "apt_dependencies": []}}}}}
    s = select(parse_project(doc, "x"), SpecifierSet(), pi())
    assert s.reason.endswith(
        "piwheels has wheels only for other platforms: linux_armv6l")


def test_no_matching_release():
    s = sel("numpy", ">=99")
    assert s.version is None and "no release matches '>=99'" == s.reason


def test_empty_project():
    assert sel("empty").reason == "no index lists a release of it"


@pytest.mark.parametrize("abi,name", [("cp311", "Bookworm"),
                                      ("cp37m", "Buster"),
                                      ("cp313", "Trixie"),
                                      ("cp312", "cp312")])
def test_builder_release(abi, name):
    assert builder_release(abi) == name


@pytest.mark.parametrize("spec", ["===foo", "===1.0.0x", ">=1.0,===foo"])
def test_a_version_that_is_not_pep_440_matches_nothing(spec):
    """pip takes ``===foo`` (arbitrary equality) and finds no file; a
    Bookworm pip reads ``==1.0.0x`` as ``===1.0.0x``.  packaging 22 to 25
    raise InvalidVersion on such a clause when asked about pre-releases."""
    got = sel("numpy", spec)
    assert got.file is None and got.version is None


def test_legacy_and_arbitrary_versions_through_the_command_line(
        capsys, server, pypi, both):
    from helpers import run_json

    for args in (["numpy===foo"], ["--pi", "bookworm-32", "numpy==1.0.0x"]):
        code, doc, err = run_json(capsys, "--no-cache", *args, *both)
        (pkg,) = doc["packages"]
        assert (code, pkg["status"]) == (1, "no-match"), (args, err)
        assert "Traceback" not in err

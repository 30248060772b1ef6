# SPDX-License-Identifier: BSD-3-Clause
"""Projects whose answer differs from one Raspberry Pi to another, for
the --matrix tests: each SHAPE puts files on the piwheels fake and the
PyPI fake (both started empty) so that 32-bit, 64-bit, armv6, Bookworm
and Trixie Pis get different files, or none."""

import hashlib

#: piwheels' builders: ABI -> (the wheel's interpreter, its apt name for
#: the same library: Trixie renamed it for 64-bit time_t).
BUILDERS = {"cp311": ("cp311", "libdemo1"), "cp313": ("cp313",
                                                       "libdemo1t64")}


def piwheels_doc(name, version, abis, deps=(), url="https://x"):
    """A piwheels document: armv7l and armv6l wheels of ``version`` for
    each of ``abis``, each needing its release's apt package."""
    files = {}
    stem = name.replace("-", "_")
    for abi in abis:
        interp, apt = BUILDERS[abi]
        for plat in ("linux_armv7l", "linux_armv6l"):
            fn = "{}-{}-{}-{}-{}.whl".format(stem, version, interp, abi, plat)
            files[fn] = {
                "file_url": "{}/simple/{}/{}".format(url, name, fn),
                "filehash": hashlib.sha256(fn.encode()).hexdigest(),
                "filesize": 1000, "builder_abi": abi, "file_abi_tag": abi,
                "platform": plat, "requires_python": ">=3.7",
                "apt_dependencies": [apt], "pip_dependencies": list(deps)}
    return {"package": name, "summary": "", "pypi_url": "",
            "piwheels_url": "", "releases": {version: {
                "released": "2024-01-01 00:00:00", "prerelease": False,
                "yanked": False, "skip_reason": "", "files": files}}}


def _pypi(name, version, wheels, requires_python=">=3.7", deps=()):
    stem = name.replace("-", "_")
    return [{"filename": fn, "requires_python": requires_python,
             "requires_dist": list(deps)}
            for fn in ["{}-{}.tar.gz".format(stem, version)] + [
                "{}-{}-{}.whl".format(stem, version, tag) for tag in wheels]]


#: name, version, deps -> (piwheels ABIs, PyPI entries).
SHAPES = {
    # piwheels wheels for Bookworm and Trixie; PyPI an sdist: the 32-bit
    # and armv6 Pis get a wheel (and their release's apt package), the
    # 64-bit ones build it
    "arm-only": lambda n, v, d: (("cp311", "cp313"), _pypi(n, v, (), deps=d)),
    # a PyPI aarch64 wheel for both Pythons, a piwheels wheel for
    # Bookworm only: Trixie's 32-bit Pis build it
    "aarch64": lambda n, v, d: (("cp311",), _pypi(n, v, (
        "cp311-cp311-manylinux_2_17_aarch64.manylinux2014_aarch64",
        "cp313-cp313-manylinux_2_17_aarch64.manylinux2014_aarch64"),
        deps=d)),
    # an aarch64 wheel that needs glibc 2.38: Trixie (2.41) takes it,
    # Bookworm (2.36) builds the sdist
    "new-glibc": lambda n, v, d: ((), _pypi(n, v, (
        "cp39-abi3-manylinux_2_38_aarch64",), deps=d)),
    # pure Python, from PyPI everywhere
    "pure": lambda n, v, d: ((), [{"filename": "{}-{}-py3-none-any.whl"
                                   .format(n.replace("-", "_"), v),
                                   "requires_dist": list(d)}]),
    # Python 3.12 or newer: no match on Bookworm, built on Trixie
    "py312": lambda n, v, d: ((), _pypi(n, v, (), ">=3.12", d)),
}


def serve(piwheels, pypi, name, version, shape, deps=()):
    """Put ``name`` ``version`` of ``shape`` on the two fakes."""
    abis, entries = SHAPES[shape](name, version, deps)
    if abis:
        piwheels.add(name, piwheels_doc(name, version, abis, deps,
                                        piwheels.url))
    pypi.files.add(name, entries)

# SPDX-License-Identifier: BSD-3-Clause
"""The Debian packages of the sonames whose package Debian's library
naming does not give, checked against Debian's Contents lists (bullseye,
bookworm, trixie; armhf and arm64) by tools/check_sonames.py.  Names are
Bookworm's: facts.TIME64_RENAMES gives Trixie's."""

_GLIBC = ("libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2",
          "librt.so.1", "libutil.so.1", "libresolv.so.2", "libanl.so.1",
          "libnsl.so.1", "libmvec.so.1", "libthread_db.so.1",
          "libBrokenLocale.so.1", "libc_malloc_debug.so.0",
          "libnss_compat.so.2", "libnss_dns.so.2", "libnss_files.so.2",
          "libnss_hesiod.so.2", "ld-linux.so.3", "ld-linux-armhf.so.3",
          "ld-linux-aarch64.so.1", "ld-linux-x86-64.so.2")

#: GStreamer's libraries: its core's, and its base plugins'.
_GST_CORE = ("gstreamer", "gstbase", "gstcheck", "gstcontroller", "gstnet")
_GST_BASE = ("gstallocators", "gstapp", "gstaudio", "gstfft", "gstpbutils",
             "gstriff", "gstrtp", "gstrtsp", "gstsdp", "gsttag", "gstvideo")

#: soname -> the package that ships it, where the rule gives another
#: name (or a package that does not exist).
PACKAGES = dict(
    [(soname, "libc6") for soname in _GLIBC] +
    [("lib{}-2.0.so.0".format(name), "libglib2.0-0")
     for name in ("glib", "gthread", "gobject", "gio", "gmodule")] +
    [("lib{}-1.0.so.0".format(name), "libgstreamer1.0-0")
     for name in _GST_CORE] +
    [("lib{}-1.0.so.0".format(name), "libgstreamer-plugins-base1.0-0")
     for name in _GST_BASE] +
    [(soname, "libatlas3-base") for soname in (
        "libatlas.so.3", "libcblas.so.3", "libf77blas.so.3",
        "liblapack_atlas.so.3")] +
    [("lib{}-3_1.so.30".format(name), "libopenexr-3-1-30")
     for name in ("Iex", "IlmThread", "OpenEXRCore", "OpenEXRUtil")] +
    [("libQt5{}.so.5".format(name), "libqt5gui5")
     for name in ("EglFSDeviceIntegration", "EglFsKmsSupport", "XcbQpa")] +
    [("libz.so.1", "zlib1g"),
     ("libatk-1.0.so.0", "libatk1.0-0"),
     ("libgdk-3.so.0", "libgtk-3-0"),
     ("libcrypto.so.1.1", "libssl1.1"),
     ("libcrypto.so.3", "libssl3"),
     ("libGLESv2.so.2", "libgles2"),
     ("libQt5Core.so.5", "libqt5core5a"),
     ("libbz2.so.1", "libbz2-1.0"),
     ("libexpatw.so.1", "libexpat1"),
     ("libxml2.so.2", "libxml2"),
     ("libxslt.so.1", "libxslt1.1"),
     ("libexslt.so.0", "libxslt1.1"),
     ("libgeos_c.so.1", "libgeos-c1v5"),
     ("libgpiodcxx.so.1", "libgpiod2"),
     ("libgpiodcxx.so.2", "libgpiod3"),
     ("libharfbuzz.so.0", "libharfbuzz0b"),
     ("libhdf5_serial.so.103", "libhdf5-103-1"),
     ("libhdf5_serial.so.310", "libhdf5-310"),
     ("libjpeg.so.62", "libjpeg62-turbo"),
     ("libopenblas.so.0", "libopenblas0-pthread"),
     ("libpsx.so.2", "libcap2"),
     ("libdrop_ambient.so.0", "libcap-ng0"),
     ("libsnappy.so.1", "libsnappy1v5"),
     ("libcamera-base.so.0.4", "libcamera0.4")])

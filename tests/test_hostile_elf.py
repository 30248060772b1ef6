# SPDX-License-Identifier: BSD-3-Clause
"""Hostile compiled files (#20): the ELF reader fuzzed with mutated real
objects (this machine's gcc and Debian's cross compilers), crafted
headers, wheels whose members lie about their size, RECORD paths with a
NUL byte.  Never a traceback, never unbounded time or memory: each file
is read or is one "unreadable: <reason>" error of its distribution.

PIWCHECK_FUZZ=N runs N mutated inputs (and N//100 in one wheel)
instead of the suite's 20000 (about a second)."""

import io
import json
import os
import random
import shutil
import struct
import subprocess
import time
import zipfile

import pytest

from helpers import site_python
from piwcheck.cli import main
from piwcheck.errors import DataError
from piwcheck.libs import elf, reading
from piwcheck.libs.elf import ElfInfo, read

SOURCE = "int piwtest_f(void) { return 1; }\n"
#: Compilers and their flags: -nostdlib and tight pages keep the files
#: small (1-2 kB), so mutations land in the structures the reader reads.
COMPILERS = [
    ("gcc", []),
    ("arm-linux-gnueabihf-gcc", ["-marm", "-march=armv6+fp"]),
    ("arm-linux-gnueabihf-gcc", ["-marm", "-march=armv7-a+fp"]),
    ("aarch64-linux-gnu-gcc", []),
]
#: The suite's fuzz run: inputs, and the most seconds one may take.
FUZZ_INPUTS = int(os.environ.get("PIWCHECK_FUZZ") or 20000)
SECONDS_PER_FILE = 0.5


def _compile(folder, cc, flags, small):
    out = folder / "{}{}{}.so".format(cc, "".join(flags), "-s" * small)
    src = folder / "src.c"
    src.write_text(SOURCE)
    cmd = [cc, "-shared", "-fPIC", "-o", str(out), str(src)] + flags + [
        "-Wl,--no-as-needed", "-Wl,-soname,libpiwfuzz.so.1",
        "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../x.libs"]
    if small:
        cmd += ["-nostdlib", "-s", "-Wl,-z,max-page-size=16",
                "-Wl,-z,noseparate-code", "-Wl,--disable-new-dtags,"
                "-rpath,/opt/a:/opt/b", "-L" + str(folder), "-lpiwstub"]
    subprocess.run(cmd, check=True, capture_output=True)
    return out.read_bytes()


def build_corpus(folder):
    """Real shared objects from every compiler installed here."""
    objects = []
    for cc, flags in COMPILERS:
        if not shutil.which(cc):
            continue
        stub = folder / "libpiwstub.so"
        subprocess.run([cc, "-shared", "-fPIC", "-nostdlib", "-o", str(stub),
                        "-x", "c", "-", "-Wl,-soname,libpiwstub.so.1"] + flags,
                       input=SOURCE, text=True, check=True,
                       capture_output=True)
        objects.append(_compile(folder, cc, flags, small=True))
        objects.append(_compile(folder, cc, flags, small=False))
    return objects


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    objects = build_corpus(tmp_path_factory.mktemp("elf"))
    if not objects:
        pytest.skip("no C compiler is installed")
    return objects


def _read(data: bytes):
    """The reader's answer, timed: (ElfInfo or DataError, seconds)."""
    start = time.monotonic()
    try:
        result = read(io.BytesIO(data), "fuzz.so")
    except DataError as exc:
        result = exc
    return result, time.monotonic() - start


def test_the_corpus_reads(corpus):
    for data in corpus:
        info, _ = _read(data)
        assert isinstance(info, ElfInfo), info
        assert "libpiwstub.so.1" in info.needed or "libc.so.6" in info.needed
        if info.machine == "arm":
            assert info.cpu_arch in (6, 10) and info.float_abi == "hard"


def _pyelftools_read(stream):
    """What piwcheck read with pyelftools before (#20): the reference
    the reader's answers for real objects are compared with."""
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    from piwcheck.facts import ELF_MACHINES

    f = ELFFile(stream)
    machine = ELF_MACHINES.get(f["e_machine"], str(f["e_machine"]))
    float_abi = None
    if machine == "arm":
        float_abi = "hard" if f["e_flags"] & elf.EF_ARM_ABI_FLOAT_HARD \
            else "soft" if f["e_flags"] & elf.EF_ARM_ABI_FLOAT_SOFT else None
    needed, rpath, runpath, cpu_arch = [], [], [], None
    for section in f.iter_sections():
        if isinstance(section, DynamicSection):
            for tag in section.iter_tags():
                kind = tag.entry.d_tag
                if kind == "DT_NEEDED":
                    needed.append(tag.needed)
                elif kind in ("DT_RPATH", "DT_RUNPATH"):
                    text = tag.rpath if kind == "DT_RPATH" else tag.runpath
                    (rpath if kind == "DT_RPATH" else runpath).extend(
                        p for p in text.split(":") if p)
        elif section["sh_type"] == "SHT_ARM_ATTRIBUTES":
            cpu_arch = next((int(a.value) for sub in section.iter_subsections()
                             for subsub in sub.iter_subsubsections()
                             for a in subsub.iter_attributes()
                             if a.tag == "TAG_CPU_ARCH"), None)
    return ElfInfo(f.elfclass, machine, float_abi, tuple(needed),
                   tuple(rpath), tuple(runpath), cpu_arch)


def _system_objects(limit=150):
    """Shared objects installed here, the cross compilers' too."""
    import glob
    found = []
    for pattern in ("/usr/lib/*-linux-gnu*/lib*.so*",
                    "/usr/arm-linux-gnueabihf/lib/*.so*",
                    "/usr/aarch64-linux-gnu/lib/*.so*"):
        found.extend(sorted(p for p in glob.glob(pattern)
                            if os.path.isfile(p) and not os.path.islink(p)))
    return found[:limit]


def test_the_same_answers_as_pyelftools(corpus):
    """For real objects the reader says what pyelftools (0.27 .. newest)
    said: machine, float ABI, DT_NEEDED, DT_RPATH, DT_RUNPATH and
    Tag_CPU_arch."""
    pytest.importorskip("elftools")
    files = [("corpus", d) for d in corpus]
    for path in _system_objects():
        with open(path, "rb") as f:
            files.append((path, f.read()))
    compared = 0
    for path, data in files:
        if not data.startswith(b"\x7fELF"):
            continue
        assert read(io.BytesIO(data), path) == \
            _pyelftools_read(io.BytesIO(data)), path
        compared += 1
    assert compared >= len(corpus)


# -- mutations: deterministic, from one seed --------------------------------

INTERESTING = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000,
               0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
               1 << 32, (1 << 63) - 1, (1 << 64) - 1]


def _header(data):
    """(byte order, 64-bit, shoff, shentsize, shnum) of an ELF file (of
    what is left of its header)."""
    end = "<" if len(data) > 5 and data[5] == 1 else ">"
    wide = len(data) > 4 and data[4] == 2
    if len(data) < 64:
        return end, wide, 0, 0, 0
    if wide:
        shoff, = struct.unpack_from(end + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x3a)
    else:
        shoff, = struct.unpack_from(end + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(end + "HH", data, 0x2e)
    return end, wide, shoff, shentsize, shnum


def _put(data, offset, size, value, end):
    """``value`` (cut to ``size`` bytes) written at ``offset``."""
    if 0 <= offset and offset + size <= len(data):
        fmt = end + {1: "B", 2: "H", 4: "I", 8: "Q"}[size]
        struct.pack_into(fmt, data, offset, value & ((1 << size * 8) - 1))


def _sections(data, end, wide, shoff, shnum):
    """The offset of each section header, and of its type, offset,
    size and link fields."""
    size = 64 if wide else 40
    out = []
    for i in range(min(shnum, 200)):
        at = shoff + i * size
        if at + size > len(data):
            break
        out.append(at)
    return out


def _mutate(rng, original):
    """One mutation of ``original``: flipped bytes, an interesting value
    in a header, section header, dynamic entry or attribute field, or a
    truncation."""
    data = bytearray(original)
    if not data:  # cut to nothing before
        return original
    end, wide, shoff, _, shnum = _header(data)
    kind = rng.randrange(7)
    value = rng.choice(INTERESTING + [len(data), len(data) - 1,
                                      rng.randrange(len(data) + 64)])
    if kind == 0:  # flip a few bytes anywhere
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == 1:  # an ELF header field
        fields = ([(0x18, 8), (0x20, 8), (0x28, 8), (0x30, 4), (0x34, 2),
                   (0x36, 2), (0x38, 2), (0x3a, 2), (0x3c, 2), (0x3e, 2)]
                  if wide else
                  [(0x18, 4), (0x1c, 4), (0x20, 4), (0x24, 4), (0x28, 2),
                   (0x2a, 2), (0x2c, 2), (0x2e, 2), (0x30, 2), (0x32, 2)])
        _put(data, *rng.choice(fields), value, end)
        _put(data, 4, 1, rng.choice([1, 2, data[4] if len(data) > 4 else 0]),
             end)
    elif kind in (2, 3):  # a section header field
        rows = _sections(data, end, wide, shoff, shnum)
        if rows:
            at = rng.choice(rows)
            fields = ([(4, 4), (24, 8), (32, 8), (40, 4), (56, 8)] if wide
                      else [(4, 4), (16, 4), (20, 4), (24, 4), (36, 4)])
            offset, size = rng.choice(fields)
            _put(data, at + offset, size, value, end)
    elif kind in (4, 5):  # inside a dynamic section or ARM attributes
        rows = _sections(data, end, wide, shoff, shnum)
        targets = []
        for at in rows:
            sh_type, = struct.unpack_from(end + "I", data, at + 4)
            off, size = (struct.unpack_from(end + "QQ", data, at + 24)
                         if wide else
                         struct.unpack_from(end + "II", data, at + 16))
            if sh_type in (6, 0x70000003) and off + size <= len(data):
                targets.append((off, size))
        if targets:
            off, size = rng.choice(targets)
            pos = off + rng.randrange(max(size, 1))
            _put(data, pos, rng.choice([1, 2, 4, 8]), value, end)
    else:  # cut short
        del data[rng.randrange(len(data)):]
    return bytes(data)


def fuzz_inputs(corpus, count, seed=20):
    """``count`` mutated files, the same on every run."""
    rng = random.Random(seed)
    for _ in range(count):
        data = rng.choice(corpus)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            data = _mutate(rng, data)
        yield data


def test_fuzzed_objects_never_escape(corpus):
    """Every mutated file is read or is one DataError ("unreadable: ..."),
    each within SECONDS_PER_FILE; FUZZ_INPUTS of them (PIWCHECK_FUZZ)."""
    counts = {"read": 0, "unreadable": 0}
    slowest = 0.0
    for data in fuzz_inputs(corpus, FUZZ_INPUTS):
        result, seconds = _read(data)
        slowest = max(slowest, seconds)
        if isinstance(result, DataError):
            counts["unreadable"] += 1
            assert str(result).startswith("fuzz.so: unreadable: ")
            assert "\n" not in str(result)
        else:
            assert isinstance(result, ElfInfo)
            assert len(result.needed) <= elf.MAX_NEEDED
            assert all(len(s) <= elf.MAX_STRING for s in result.needed)
            counts["read"] += 1
    assert sum(counts.values()) == FUZZ_INPUTS
    assert counts["read"] and counts["unreadable"]  # both paths taken
    assert slowest < SECONDS_PER_FILE


def test_fuzzed_objects_in_a_wheel(tmp_path, corpus, capsys):
    """The whole run over a wheel of mutated members: sonames of any
    bytes, loaders, naming, the report: an answer, never a traceback;
    one error per unreadable member."""
    count = max(FUZZ_INPUTS // 100, 50)
    members = {"lie/m{:05d}.so".format(i): data for i, data in
               enumerate(fuzz_inputs(corpus, count, seed=21))}
    path = _wheel(tmp_path / "lie-1.0-py3-none-any.whl", members)
    unreadable = sum(isinstance(_read(d)[0], DataError) and d[:4] ==
                     b"\x7fELF" for d in members.values())
    code = main(["--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    errors = doc["distributions"][0]["errors"]
    assert sum(": unreadable: " in e for e in errors) == unreadable
    assert code in (0, 1, 3)
    code = main([str(path)])
    out = capsys.readouterr().out
    assert "lie 1.0: " in out and "\x1b" not in out


# -- crafted headers ----------------------------------------------------------

def _small_x86(corpus):
    for data in corpus:
        if data[4] == 2 and struct.unpack_from("<H", data, 18)[0] == 62:
            return bytearray(data)
    pytest.skip("no x86_64 object")


@pytest.mark.parametrize("field,value,why", [
    (0x3a, 0, "its section header size is 0, not 64"),  # e_shentsize
    (0x3a, 1, "its section header size is 1, not 64"),
    (0x28, 1 << 62, "its section headers (64 bytes at 4611686018427387904) "
     "is outside the file"),                              # e_shoff
    (0x04, 3, "its ELF class or byte order (3, 1) is not one of ELF's"),
])
def test_crafted_headers(corpus, field, value, why):
    data = _small_x86(corpus)
    size = {0x3a: "H", 0x28: "Q", 0x04: "B"}[field]
    struct.pack_into("<" + size, data, field, value)
    result, seconds = _read(bytes(data))
    assert isinstance(result, DataError) and seconds < SECONDS_PER_FILE
    assert str(result).startswith("fuzz.so: unreadable: " + why)


def test_a_389_byte_file_with_no_section_header_size(corpus):
    """The file that keeps pyelftools 0.29 busy for hours: e_shentsize 0
    and e_shnum 0, so it reads the number of sections (2**32) from
    section 0's sh_size and every section at the same place; and extended
    numbering with too many sections."""
    head = _small_x86(corpus)[:389]
    struct.pack_into("<Q", head, 0x28, 64)          # e_shoff
    struct.pack_into("<HHH", head, 0x3a, 0, 0, 0)   # shentsize, shnum...
    struct.pack_into("<Q", head, 64 + 32, 1 << 32)  # section 0's sh_size
    result, seconds = _read(bytes(head))
    assert str(result) == "fuzz.so: unreadable: its section header size " \
        "is 0, not 64"
    assert seconds < SECONDS_PER_FILE
    struct.pack_into("<H", head, 0x3a, 64)          # extended numbering
    result, _ = _read(bytes(head))
    assert "it has 4294967296 sections, more than 65280 are read" in \
        str(result)


def test_arm_attributes_that_do_not_advance():
    """An attribute subsection of length 0 looped pyelftools for ever."""
    for blob in (b"A\0\0\0\0aeabi\0", b"A\x0f\0\0\0aeabi\0\x01\0\0\0\0",
                 b"A\x10\0\0\0aeabi\0\x01\x06\0\0\0\x06\x80"):
        with pytest.raises(elf._Bad):
            elf._arm_cpu_arch(blob, "<")
    ok = b"A\x11\0\0\0aeabi\0\x01\x07\0\0\0\x06\x0a"
    assert elf._arm_cpu_arch(ok, "<") == 10


# -- wheels: members checked before they are inflated ----------------------

def _wheel(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        z.writestr("lie-1.0.dist-info/WHEEL", "Tag: py3-none-any\n")
        z.writestr("lie-1.0.dist-info/METADATA",
                   "Metadata-Version: 2.1\nName: lie\nVersion: 1.0\n")
    return path


def test_a_member_past_the_cap_is_not_inflated(tmp_path, corpus,
                                               monkeypatch):
    asked = []
    real = reading._Member.read_at
    monkeypatch.setattr(reading._Member, "read_at", lambda self, o, n: (
        asked.append((o, n)), real(self, o, n))[1])
    monkeypatch.setattr(reading, "MAX_MEMBER", 1000 * 1000)
    big = bytes(_small_x86(corpus)) + b"\0" * (2 * 1000 * 1000)
    path = _wheel(tmp_path / "lie-1.0-py3-none-any.whl", {
        "lie/big.so": big, "lie/zeros.so": b"\0" * 900 * 1000})
    z = zipfile.ZipFile(path)
    with pytest.raises(DataError, match=r"lie/big.so: unreadable: it is "
                       r"2.0 MB, more than piwcheck reads \(1.0 MB\)"):
        reading.read_member(z, "lie/big.so")
    assert asked == []
    assert reading.read_member(z, "lie/zeros.so") is None  # not ELF
    assert asked == [(0, 4)]  # its header only


def test_a_member_whose_size_lies(tmp_path, corpus, monkeypatch):
    """A member that says it is 2 kB but inflates to 8 MB: no more than
    its declared size is ever inflated (then zipfile finds its CRC
    wrong)."""
    got = []
    real = reading._Member.read_at
    monkeypatch.setattr(reading._Member, "read_at", lambda self, o, n: (
        got.append(o + n), real(self, o, n))[1])
    obj = bytes(_small_x86(corpus))
    data = obj + b"\0" * (8 * 1000 * 1000)
    path = _wheel(tmp_path / "lie-1.0-py3-none-any.whl", {"lie/m.so": data})
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = raw.find(sig)
        struct.pack_into("<I", raw, pos + at, len(obj))
    path.write_bytes(bytes(raw))
    z = zipfile.ZipFile(path)
    assert z.getinfo("lie/m.so").file_size == len(obj)
    with pytest.raises(DataError, match="lie/m.so: unreadable: cannot read "
                       "it .Bad CRC-32 for file 'lie/m.so'"):
        reading.read_member(z, "lie/m.so")
    assert got and max(got) <= len(obj)


def test_a_broken_member_is_one_error(tmp_path, corpus, capsys):
    """A member whose deflate stream is broken and one that is not an
    object: errors of the wheel, the run goes on."""
    obj = bytes(_small_x86(corpus))
    path = _wheel(tmp_path / "lie-1.0-py3-none-any.whl", {
        "lie/a.so": obj, "lie/b.so": obj[:200], "lie/c.so": obj})
    raw = bytearray(path.read_bytes())
    second = raw.find(b"PK\x03\x04", raw.find(b"lie/b.so"))
    at = second + 30 + len("lie/c.so")
    raw[at:at + 16] = b"\xff" * 16  # deflate garbage
    path.write_bytes(bytes(raw))
    code = main(["--json", str(path)])
    doc = json.loads(capsys.readouterr().out)
    errors = doc["distributions"][0]["errors"]
    assert any(e.startswith("lie/b.so: unreadable: its section headers")
               for e in errors), errors
    assert any(e.startswith("lie/c.so: unreadable: cannot read it (")
               for e in errors)
    # a.so is read: the library it needs is missing, which decides
    assert doc["distributions"][0]["status"] == "missing-lib" and code == 1


def test_a_record_path_with_a_nul_byte(tmp_path, corpus, capsys):
    """--installed: a NUL byte in a RECORD path, a FIFO and an
    unreadable object are errors of their distribution; the others are
    still checked."""
    site = tmp_path / "site-packages"
    info = site / "evil-1.0.dist-info"
    info.mkdir(parents=True)
    (site / "evil").mkdir()
    (site / "evil" / "bad.so").write_bytes(
        b"\x7fELF\x02\x01\x01" + b"\0" * 50)
    os.mkfifo(str(site / "evil" / "fifo.so"))
    (info / "RECORD").write_text(
        "evil/a\0b.so,,\nevil/fifo.so,,\nevil/bad.so,,\n")
    good = site / "good-1.0.dist-info"
    good.mkdir()
    (site / "good").mkdir()
    (site / "good" / "m.so").write_bytes(bytes(_small_x86(corpus)))
    (good / "RECORD").write_text("good/m.so,,\n")
    python = site_python(tmp_path, site)
    code = main(["--installed", "--python", str(python), "--json"])
    doc = json.loads(capsys.readouterr().out)
    dists = {d["name"]: d for d in doc["distributions"]}
    errors = dists["evil"]["errors"]
    assert "{}/evil/a\\0b.so: cannot read it (a NUL byte in its " \
        "name)".format(site) in errors
    assert any(e.endswith("fifo.so: not a regular file") for e in errors)
    assert any("bad.so: unreadable: " in e for e in errors)
    assert dists["evil"]["status"] == "error" and code == 3
    assert dists["good"]["status"] in ("ok", "missing-lib", "missing-apt")

"""A content-hash cache of `kkc validate` runs, so that a pre-commit run with nothing changed is instant.

The key hashes everything a run's output depends on: kkc's version and the files of its package, the
Python version, the working directory, the command line, whether stdout and stderr are terminals (and
NO_COLOR), and the bytes and names of every input file (every file under --config-dir, or the files
given). A hit replays what the run printed, in order, and its exit code. Only runs that end with exit
0 or 1 and printed everything are stored (never a usage or internal error, nor a run whose output
pipe was closed: kkc then exits 0 whatever it found).

Entries live under $XDG_CACHE_HOME/kkc (else ~/.cache/kkc), a directory of mode 0700, each written to a
private temporary file (mode 0600) and renamed into place, so two runs at once never leave a torn
entry. An entry holds only what the run printed, which kkc masks as it masks every output. A corrupt,
foreign or unreadable entry is ignored and rewritten: it is never trusted and never a crash. A tree
holding a symbolic link, or an input that cannot be read, is not cached at all. `--no-cache` (or a
non-empty KKC_NO_CACHE in the environment) turns the cache off.

A run that cannot be replayed (an input changed) still reuses, per target, what an earlier run of the
same command line found for each target whose files are unchanged (see "per target" below): a changed
instance file recompiles its target only. Those records obey the same rules: private files written
atomically, a corrupt or foreign entry ignored, and nothing kkc would mask stored (only runs that found
no literal secret store them).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

FORMAT = 1
MAX_ENTRIES = 256


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kkc"


def _package_fingerprint() -> list[tuple[str, int, int]]:
    """kkc's own files (name, size, mtime): an edited checkout never replays an older kkc's answer."""
    root = Path(__file__).resolve().parent
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if not name.endswith((".pyc", ".pyo")):  # every data file counts (kafka-classes.json.gz, ...)
                info = os.stat(os.path.join(folder, name))
                out.append((os.path.relpath(os.path.join(folder, name), root), info.st_size, info.st_mtime_ns))
    return out


def inputs_of(argv: list[str]) -> list[Path] | None:
    """What `kkc validate ARGS` can read, from its raw arguments (before argparse, which costs more than a
    cache hit): --config-dir's tree (./conf by default) and every argument naming an existing file. A
    superset is harmless: it only widens the key. None (no cache) for --no-cache and --help, however
    abbreviated, and for an abbreviated --config-dir, whose tree this cannot tell."""
    if os.environ.get("KKC_NO_CACHE"):
        return None
    config_dir = "conf"
    files: list[Path] = []
    tokens = argv[1:]
    for index, token in enumerate(tokens):
        if token == "--":
            return None
        if token.startswith("--n") or token in ("-h", "--h", "--he", "--hel", "--help"):
            return None
        if token == "--config-dir":
            if index + 1 >= len(tokens):
                return None
            config_dir = tokens[index + 1]
        elif token.startswith("--config-dir="):
            config_dir = token.split("=", 1)[1]
        elif token.startswith("--c") and not token.startswith(("--config-dir", "--config-name")):
            return None
        elif not token.startswith("-") and os.path.isfile(token):
            files.append(Path(token))
    return [*files, Path(config_dir)]


def _hash_inputs(digest: Any, inputs: list[Path]) -> bool:
    """Feed every input file's name and bytes to `digest`; False when the inputs cannot be cached."""
    for given in inputs:
        if given.is_symlink():
            return False
        if given.is_file():
            digest.update(b"F" + str(given).encode() + b"\0" + given.read_bytes())
            continue
        if not given.is_dir():
            digest.update(b"M" + str(given).encode() + b"\0")  # absent (a run that needs it fails: not stored)
            continue
        for folder, dirs, files in os.walk(given):
            dirs.sort()
            for name in dirs:
                if os.path.islink(os.path.join(folder, name)):
                    return False
            for name in sorted(files):
                path = os.path.join(folder, name)
                if os.path.islink(path):
                    return False
                with open(path, "rb") as handle:
                    data = handle.read()
                rel = os.path.relpath(path, given)
                digest.update(b"T" + rel.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return True


def without_jobs(argv: list[str]) -> tuple[str, ...]:
    """The command line without --jobs N (a run's result does not depend on it)."""
    out: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--jobs", "-j"):
            skip = True
        elif not arg.startswith(("--jobs=", "-j")) or arg == "-j":
            out.append(arg)
    return tuple(out)


def key(argv: list[str], inputs: list[Path]) -> str | None:
    from compiler import __version__

    digest = _sha256()
    context = [
        FORMAT,
        __version__,
        sys.version,
        os.getcwd(),
        without_jobs(argv),
        "NO_COLOR" in os.environ,
        _isatty(sys.stdout),
        _isatty(sys.stderr),
        _package_fingerprint(),
    ]
    digest.update(json.dumps(context).encode())
    try:
        if not _hash_inputs(digest, inputs):
            return None
    except OSError:
        return None
    return str(digest.hexdigest())


def _sha256() -> Any:
    """SHA-256 from CPython's own module: hashlib loads OpenSSL first, which costs more than a cache hit."""
    return _sha256_type()()


@functools.cache
def _sha256_type() -> Any:
    import importlib

    for name in ("_sha2", "_sha256"):  # Python 3.12+, 3.11
        try:
            return importlib.import_module(name).sha256
        except ImportError:
            continue
    import hashlib

    return hashlib.sha256


def _isatty(stream: Any) -> bool:
    return bool(hasattr(stream, "isatty") and stream.isatty())


def read(entry_key: str) -> tuple[int, list[tuple[int, str]]] | None:
    """The stored run for this key, or None (missing, corrupt, foreign: all the same, a miss)."""
    try:
        raw = (cache_dir() / f"{entry_key}.json").read_text("utf-8")
        entry = json.loads(raw)
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != entry_key:
            return None
        code, chunks = entry.get("code"), entry.get("output")
        if code not in (0, 1) or not isinstance(chunks, list):
            return None
        out: list[tuple[int, str]] = []
        for chunk in chunks:
            if not (isinstance(chunk, list) and len(chunk) == 2 and chunk[0] in (1, 2) and isinstance(chunk[1], str)):
                return None
            out.append((chunk[0], chunk[1]))
        return code, out
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss, never a crash
        return None


def write(entry_key: str, code: int, chunks: list[tuple[int, str]]) -> None:
    """Store a run; any failure (read-only home, full disk) only means no cache."""
    import tempfile

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=folder)  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "key": entry_key, "code": code, "output": chunks}, handle)
            os.replace(temp, folder / f"{entry_key}.json")
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _prune(folder)
    except OSError:
        return


def _prune(folder: Path, pattern: str = "*.json") -> None:
    entries = list(folder.glob(pattern))
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime_ns if p.exists() else 0)
    for old in entries[: len(entries) - MAX_ENTRIES]:
        old.unlink(missing_ok=True)


class _Tee:
    """A text stream that records what is written to it and passes it on."""

    def __init__(self, inner: TextIO, number: int, chunks: list[tuple[int, str]]) -> None:
        self._inner, self._number, self._chunks = inner, number, chunks
        self.failed = False  # a write failed (a closed pipe): the run's exit code is not its result

    def write(self, text: str) -> int:
        self._chunks.append((self._number, text))
        try:
            return self._inner.write(text)
        except BaseException:
            self.failed = True
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def run_cached(argv: list[str], inputs: list[Path], run: Callable[[], int]) -> int:
    """Replay the stored run for these arguments and inputs, or run and store it."""
    entry_key = key(argv, inputs)
    if entry_key is None:
        return run()
    stored = read(entry_key)
    if stored is not None:
        for number, text in stored[1]:
            (sys.stdout if number == 1 else sys.stderr).write(text)
        return stored[0]
    chunks: list[tuple[int, str]] = []
    saved = sys.stdout, sys.stderr
    out, err = _Tee(sys.stdout, 1, chunks), _Tee(sys.stderr, 2, chunks)
    sys.stdout, sys.stderr = out, err
    try:
        code = run()
    finally:
        sys.stdout, sys.stderr = saved
    if code in (0, 1) and not (out.failed or err.failed):
        write(entry_key, code, _merged(chunks))
    return code


def _merged(chunks: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for number, text in chunks:
        if out and out[-1][0] == number:
            out[-1] = (number, out[-1][1] + text)
        else:
            out.append((number, text))
    return out


# --- per target ----------------------------------------------------------------------------------------
#
# When a run cannot be replayed (one instance file changed), `validate` still reuses what it found for each
# target whose files are unchanged: one entry per command line (the same context as a run's key, without
# the inputs), holding per target, under a hash of that context, the target and the bytes of every file
# it reads, what the end of a run needs of it (validate.Checker's record: findings, rule levels, inline
# directives, versions, the cross-target rules' facts). Only runs in which no literal secret was found
# store it, so an entry holds nothing kkc would mask. It is pickled, and read back with an unpickler that
# builds kkc's own data classes and nothing else: anything else in it makes the entry a miss.


def targets_context(argv: list[str]) -> tuple[str, Any] | None:
    """The name of this command line's per-target entry and a digest of its context (None: no cache)."""
    from compiler import __version__

    if os.environ.get("KKC_NO_CACHE"):
        return None
    digest = _sha256()
    try:
        context = [FORMAT, "targets", __version__, sys.version, os.getcwd(), argv, _package_fingerprint()]
    except OSError:
        return None
    digest.update(json.dumps(context).encode())
    return str(digest.copy().hexdigest()), digest


def file_print(path: Path) -> bytes | None:
    """The SHA-256 of a file's bytes (None: a symbolic link, or unreadable), for target_key."""
    try:
        if path.is_symlink():
            return None
        data = path.read_bytes()
    except OSError:
        return None
    digest = _sha256()
    digest.update(data)
    return bytes(digest.digest())


def target_key(context: Any, target: str, files: list[Path], prints: Callable[[Path], bytes | None]) -> str | None:
    """A hash of the run's context, the target and its files' names and file_print()s (each file is
    hashed once per run, not once per target: config.yaml lists every target); None when one cannot be
    read."""
    digest = context.copy()
    digest.update(b"target\0" + target.encode() + b"\0")
    for path in files:
        fingerprint = prints(path)
        if fingerprint is None:
            return None
        digest.update(str(path).encode() + b"\0" + fingerprint)
    return str(digest.hexdigest())


def read_targets(name: str) -> dict[str, Any]:
    """The stored per-target records of this command line ({} when missing, corrupt or foreign)."""
    try:
        entry = _load((cache_dir() / f"targets-{name}.pickle").read_bytes())
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("name") != name:
            return {}
        records = entry.get("targets")
        return records if isinstance(records, dict) else {}
    except Exception:  # noqa: BLE001 - an unreadable entry is a miss, never a crash
        return {}


def write_targets(name: str, records: dict[str, Any]) -> None:
    """Store this command line's per-target records (atomically, mode 0600); a failure only means no cache."""
    import pickle
    import tempfile

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(prefix=".entry-", suffix=".tmp", dir=folder)  # mode 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                pickle.dump({"format": FORMAT, "name": name, "targets": records}, handle, protocol=5)
            os.replace(temp, folder / f"targets-{name}.pickle")
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        _prune(folder, "targets-*.pickle")
    except (OSError, RecursionError, TypeError, AttributeError, ValueError):
        return


def _kkc_class(module: str, name: str) -> type | None:
    """One of kkc's data classes (a dataclass, or validate.Levels) in a module already imported."""
    import dataclasses

    if module.split(".")[0] != "compiler" or module not in sys.modules:
        return None
    found = getattr(sys.modules[module], name, None)
    if not isinstance(found, type) or found.__module__ != module:
        return None
    if dataclasses.is_dataclass(found) or (module, name) == ("compiler.validate", "Levels"):
        return found
    return None


def _load(raw: bytes) -> Any:
    """Unpickle `raw` building kkc's own data classes, sets and frozensets; any other global is refused (a
    foreign entry). pickle is imported here: a cache hit of a whole run never needs it."""
    import io
    import pickle

    class Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if module == "builtins" and name in ("set", "frozenset"):
                return set if name == "set" else frozenset
            found = _kkc_class(module, name)
            if found is None:
                raise pickle.UnpicklingError(f"{module}.{name} is not kkc's data")
            return found

    return Unpickler(io.BytesIO(raw)).load()

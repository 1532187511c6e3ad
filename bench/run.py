"""The kkc benchmark: each measurement is a whole process, run several times, interleaved; medians and ratios.

    .venv/bin/python bench/run.py                 # 5 rounds (about 5 minutes on 2 cores)
    .venv/bin/python bench/run.py --quick         # 3 rounds
    .venv/bin/python bench/run.py --full          # also the Hydra reference at N=300 (about a minute per run)
    .venv/bin/python bench/run.py --record        # also write bench/results/latest.{json,md} (tracked files)

Trees of N=30 and N=300 targets are written by bench/generate.py into a temporary directory (or
--work DIR). One untimed warm-up round runs first (page cache, .pyc files); then every round runs
each measurement once, in the same order, so that the ratios compare processes measured side by
side under the same machine load. Wall time is measured around the child process; peak memory is
the child's own peak RSS (GNU time's %M when /usr/bin/time exists, else os.wait4's ru_maxrss).
Results go to stdout; with --record (or --results DIR) also to latest.{json,md} there: a plain run
changes no tracked file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from generate import generate  # noqa: E402


@dataclass
class Measure:
    key: str
    label: str
    argv: list[str]
    rounds: int | None = None  # None: every round
    before: object = None  # callable run (untimed) before each run
    code: int = 0  # the exit code the command must give (1: a refusal that is the point of the line)
    # Each run writes into a new directory of its own under this one (OUT in argv): see the comment at OUT
    outputs: Path | None = None
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def peak_mb(self) -> float:
        return max(self.rss_kb) / 1024


def kkc_path() -> str:
    beside = Path(sys.executable).parent / "kkc"
    if beside.is_file():
        return str(beside)
    found = shutil.which("kkc")
    if not found:
        sys.exit("bench: no kkc executable next to this Python or on PATH (pip install -e .)")
    return found


# A child spawned by this (larger) process inherits its ru_maxrss through vfork+exec, so peak memory is
# read through GNU time, a small process, when it is there: `-f %M` is the child's own peak RSS in KiB.
GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None
CHILD_ENV: dict[str, str] = dict(os.environ)


# Written files go into a new directory on every run, never into one just emptied, and that directory is
# placed away from recently freed inodes. On ext4 without a journal (these machines' disks), creating a file
# skips, one by one, the free inodes of its block group that were freed in the last 1-6 minutes (ext4's
# recently_deleted(), which only journal-less ext4 runs; seen with perf): after the `rm -rf` of a previous
# run's 1,800 files, or of an earlier bench's work directory, each new file paid for all of them (1-2 s of
# kernel time per compile, against 0.1-0.2 s). The outputs go when the bench ends.
OUT = "\0out"
_runs = iter(range(10**9))


SETTLE_FILES = 300
# Creating an empty file costs a settled disk here about 0.02 ms of kernel time, and one that is skipping
# recently freed inodes 0.3-1 ms.
SETTLED_MS_PER_FILE = 0.1
SETTLE_PAUSE_S = 20.0


def settle(folder: Path, limit_s: float) -> dict[str, float]:
    """Wait, up to `limit_s`, until creating files in `folder` costs what it costs where no inodes were freed in
    the last minutes: 300 empty files per probe, a pause between probes. The probes stay until the bench ends
    (removing them would free inodes again)."""
    waited = 0.0
    for probe in range(10**6):
        where = folder / f"settle-{os.getpid()}-{probe}"
        where.mkdir()
        start = time.perf_counter()
        for index in range(SETTLE_FILES):
            os.close(os.open(where / str(index), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        per_file = (time.perf_counter() - start) * 1000 / SETTLE_FILES
        if per_file <= SETTLED_MS_PER_FILE or waited >= limit_s:
            break
        print(f"bench: creating a file costs {per_file:.2f} ms; waiting for the disk to settle", file=sys.stderr)
        time.sleep(SETTLE_PAUSE_S)
        waited += SETTLE_PAUSE_S
    return {"waited_s": waited, "ms_per_file": round(per_file, 3), "settled": per_file <= SETTLED_MS_PER_FILE}


def spread(directory: Path) -> bool:
    """Ask ext4 to place each new directory made directly in `directory` as it places top-level ones
    (FS_TOPDIR_FL, `chattr +T`; not inherited): in a block group of its own choosing, not beside the
    parent's recently freed inodes.
    False where the file system has no such flag (nothing changes there)."""
    import struct

    try:
        import fcntl
    except ImportError:
        return False
    get_flags, set_flags, topdir = 0x80086601, 0x40086602, 0x00020000  # linux/fs.h
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return False
    try:
        (flags,) = struct.unpack("i4x", fcntl.ioctl(fd, get_flags, bytes(8)))
        fcntl.ioctl(fd, set_flags, struct.pack("i4x", flags | topdir))
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def run_once(measure: Measure, cwd: Path) -> None:
    if callable(measure.before):
        measure.before()
    command = measure.argv
    if measure.outputs is not None:
        fresh = str(measure.outputs / f"{measure.key}-{next(_runs)}")
        command = [fresh if a == OUT else a for a in measure.argv]
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as rss:
        argv = [GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *command] if GNU_TIME else command
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, cwd=cwd, env=CHILD_ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != measure.code:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace")[-3000:]
            sys.exit(f"bench: {measure.label} exited {proc.returncode}:\n  {' '.join(command)}\n{tail}")
        peak = int(rss.read().split()[-1]) if GNU_TIME else usage.ru_maxrss
    measure.times.append(elapsed)
    measure.rss_kb.append(peak)


def write_over_limit(folder: Path) -> None:
    """The file the value limit exists for: ~200 KB, 100,001 values (the pure parser needs 5-8 s)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = ",".join(["1"] * 100_001)
    text = f"kestra:\n  kafka:\n    client:\n      properties:\n        k: [{values}]\n"
    (folder / "application.yml").write_text(text)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=None, help="timed runs of each measurement (default 5)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, N=300 lines once")
    parser.add_argument("--full", action="store_true", help="also the Hydra reference at N=300 (slow: once)")
    parser.add_argument("--small", type=int, default=30, help="N of the small tree (default 30)")
    parser.add_argument("--large", type=int, default=300, help="N of the large tree (default 300)")
    parser.add_argument(
        "--heavy",
        type=_sizes,
        default=(300, 1000),
        help="N of the heavy trees (default 300,1000; the last is warm/changed)",
    )
    parser.add_argument(
        "--compile-n", type=int, default=300, help="N of the heavy tree compile is timed on (default 300)"
    )
    parser.add_argument("--memory", type=int, default=5000, help="N of the heavy tree run once for memory (0: none)")
    parser.add_argument("--work", type=Path, help="where to write the trees (default: a temporary directory)")
    parser.add_argument(
        "--record", action="store_true", help="write bench/results/latest.{json,md} (tracked: commit them reviewed)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=400.0,
        help="before the rounds, wait up to this many seconds for the disk to stop skipping recently freed inodes "
        "(see bench/README.md; 0: do not wait)",
    )
    parser.add_argument("--results", type=Path, help="write latest.json/.md into this directory instead")
    parser.add_argument(
        "--env-as-is",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE if set (default: children may cache bytecode, under the work directory, "
        "as an installed kkc does)",
    )
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 5)
    large_rounds = 1 if args.quick else rounds

    work = args.work or Path(tempfile.mkdtemp(prefix="kkc-bench-"))
    small, large, outputs = work / f"n{args.small}", work / f"n{args.large}", work / "outputs"
    generate(args.small, small)
    generate(args.large, large)
    heavy = {n: work / f"heavy{n}" for n in (3, *args.heavy, args.memory)}
    for n, where in heavy.items():
        if n:
            generate(n, where, "heavy")
    over_limit = work / "over-limit"
    write_over_limit(over_limit)
    small_file = work / "small" / "application.yml"
    small_file.parent.mkdir(parents=True, exist_ok=True)
    small_file.write_text(SMALL_FILE)
    bytecode = "as the environment says"
    if not args.env_as_is:
        # An installed kkc has its .pyc files; an editable checkout under PYTHONDONTWRITEBYTECODE=1 would
        # recompile every module on every run (~50 ms). Cache bytecode outside the repository instead.
        CHILD_ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        CHILD_ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        bytecode = "cached (PYTHONPYCACHEPREFIX)"
    CHILD_ENV["XDG_CACHE_HOME"] = str(work / "cache")  # kkc's result cache, kept out of the user's
    shutil.rmtree(work / "cache", ignore_errors=True)
    spread_parent = outputs
    spread_parent.mkdir(parents=True, exist_ok=True)
    placement = "spread over the disk (FS_TOPDIR_FL)" if spread(spread_parent) else "as the file system places them"
    # One directory the allocator places (under the spread parent); each run's outputs and the settle probes
    # go inside it, so the probes measure the block group the runs write to.
    outputs = spread_parent / "runs"
    outputs.mkdir(exist_ok=True)
    load_before = os.getloadavg()

    py, kkc = sys.executable, kkc_path()
    # kkc before issue 16 has no cache and no --no-cache: its runs are all cold
    cold = ["--no-cache"] if "--no-cache" in _help(kkc) else []
    # kkc from issue 16 on runs the targets in worker processes (--jobs, default: the cores); the memory
    # goals, and the serial rows shown beside the default ones, run it in one process (--jobs 1)
    serial = ["--jobs", "1"] if "--jobs" in _help(kkc) else []
    s, lg = args.small, args.large
    measures = [
        Measure("pass", "python -c pass", [py, "-c", "pass"]),
        Measure("import_ruamel", "python -c 'import ruamel.yaml'", [py, "-c", "import ruamel.yaml"]),
        Measure(
            "import_ruamel_cerberus",
            "python -c 'import ruamel.yaml, cerberus'",
            [py, "-c", "import ruamel.yaml, cerberus"],
        ),
        Measure("version", "kkc --version", [kkc, "--version"]),
        Measure("help", "kkc --help", [kkc, "--help"]),
        Measure("floor_small", f"floor: ruamel.yaml + load files, N={s}", [py, str(BENCH / "floor.py"), str(small)]),
        Measure("hydra_small", f"Hydra compose reference, N={s}", [py, str(BENCH / "hydra_reference.py"), str(small)]),
        Measure(
            "validate_small",
            f"kkc validate --all, N={s}",
            [kkc, "validate", "--all", *cold, "--config-dir", str(small)],
        ),
        Measure(
            "compile_small",
            f"kkc compile --all --out DIR, N={s}",
            [kkc, "compile", "--all", "--config-dir", str(small), "--out", OUT],
            outputs=outputs,
        ),
        Measure(
            "floor_large",
            f"floor: ruamel.yaml + load files, N={lg}",
            [py, str(BENCH / "floor.py"), str(large)],
            rounds=large_rounds,
        ),
        Measure(
            "validate_large",
            f"kkc validate --all, N={lg}",
            [kkc, "validate", "--all", *cold, "--config-dir", str(large)],
            rounds=large_rounds,
        ),
        Measure(
            "refuse_values",
            "kkc validate, one 200 KB file of 100,001 values (refused)",
            [kkc, "validate", *cold, str(over_limit / "application.yml")],
            code=1,
        ),
        Measure(
            "small_file",
            "kkc validate one small application.yml (cache off)",
            [kkc, "validate", *cold, str(small_file)],
        ),
        Measure(
            "validate_heavy3",
            "heavy N=3: kkc validate --all (cache off)",
            [kkc, "validate", "--all", *cold, *serial, "--config-dir", str(heavy[3])],
        ),
    ]
    for n in args.heavy:
        measures += [
            Measure(
                f"floor_c_heavy{n}",
                f"heavy N={n}: floor, ruamel C loader",
                [py, str(BENCH / "floor.py"), "--c", str(heavy[n])],
            ),
            Measure(
                f"validate_heavy{n}",
                f"heavy N={n}: kkc validate --all (cache off)",
                [kkc, "validate", "--all", *cold, "--config-dir", str(heavy[n])],
            ),
        ]
        if serial:
            measures.append(
                Measure(
                    f"validate_heavy{n}_j1",
                    f"heavy N={n}: kkc validate --all --jobs 1 (cache off)",
                    [kkc, "validate", "--all", *cold, *serial, "--config-dir", str(heavy[n])],
                )
            )
    c = args.compile_n
    measures.append(
        Measure(
            f"compile_heavy{c}",
            f"heavy N={c}: kkc compile --all --out DIR (never cached)",
            [kkc, "compile", "--all", "--config-dir", str(heavy[c]), "--out", OUT],
            outputs=outputs,
        )
    )
    # The same files written by a plain loop (bench/files_floor.py), into a new directory beside compile's:
    # what the filesystem charges for creating them. And the compile into memory (tmpfs), where
    # that charge is small: what kkc's own work adds to validate's.
    reference = work / f"compiled-heavy{c}"
    measures.append(
        Measure(
            f"files_floor{c}",
            f"heavy N={c}: file floor, the same files written by a plain loop",
            [py, str(BENCH / "files_floor.py"), str(reference), OUT],
            outputs=outputs,
        )
    )
    memory = Path("/dev/shm")
    memory_out = memory / f"kkc-bench-{os.getpid()}" if memory.is_dir() and os.access(memory, os.W_OK) else None
    if memory_out is not None:
        measures.append(
            Measure(
                f"compile_heavy{c}_tmpfs",
                f"heavy N={c}: kkc compile --all --out DIR on tmpfs (/dev/shm)",
                [kkc, "compile", "--all", "--config-dir", str(heavy[c]), "--out", str(memory_out)],
                before=lambda: shutil.rmtree(memory_out, ignore_errors=True),
            )
        )
    if serial:
        measures.append(
            Measure(
                f"compile_heavy{c}_j1",
                f"heavy N={c}: kkc compile --all --out DIR --jobs 1",
                [kkc, "compile", "--all", *serial, "--config-dir", str(heavy[c]), "--out", OUT],
                outputs=outputs,
            )
        )
    w = args.heavy[-1]
    changed = heavy[w] / "instance" / "dev-001.yaml"
    original = changed.read_text()
    edits = iter(range(10**6))

    def change_one() -> None:
        changed.write_text(original.replace("max.poll.records: 101", f"max.poll.records: {200 + next(edits)}"))

    measures += [
        Measure(
            f"warm_heavy{w}",
            f"heavy N={w}: kkc validate --all, warm, nothing changed",
            [kkc, "validate", "--all", "--config-dir", str(heavy[w])],
        ),
        Measure(
            f"changed_heavy{w}",
            f"heavy N={w}: kkc validate --all, one instance file changed",
            [kkc, "validate", "--all", "--config-dir", str(heavy[w])],
            before=change_one,
        ),
    ]
    if args.memory:
        measures.append(
            Measure(
                f"validate_heavy{args.memory}",
                f"heavy N={args.memory}: kkc validate --all{' --jobs 1' if serial else ''} (cache off, once)",
                [kkc, "validate", "--all", *cold, *serial, "--config-dir", str(heavy[args.memory])],
                rounds=1,
            )
        )
    subprocess.run(
        [kkc, "compile", "--all", "--config-dir", str(heavy[c]), "--out", str(reference)],
        env=CHILD_ENV,
        check=True,
        capture_output=True,
    )
    print(f"bench: kkc={kkc} python={py} work={work} rounds={rounds}", file=sys.stderr)
    try:
        disk = settle(outputs, args.settle)
        started = time.perf_counter()
        for m in measures:  # warm-up, untimed (also checks every command succeeds)
            if m.key != "hydra_large" and m.rounds != 1:
                run_once(m, work)
                m.times.clear()
                m.rss_kb.clear()
        for index in range(rounds):
            for m in measures:
                if m.rounds is None or index < m.rounds:
                    run_once(m, work)
            print(f"bench: round {index + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    finally:
        if memory_out is not None:  # memory, not disk: removed even when a measured command failed
            shutil.rmtree(memory_out, ignore_errors=True)
        shutil.rmtree(spread_parent, ignore_errors=True)

    by = {m.key: m for m in measures}
    goals = evaluate(by, s, lg, args)
    result = {
        "machine": machine(),
        "rounds": rounds,
        "bytecode": bytecode,
        "outputs": f"a new directory per run, {placement}",
        "disk": disk,
        "loadavg_1min": {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)},
        "measurements": [
            {
                "key": m.key,
                "label": m.label,
                "runs": len(m.times),
                "median_s": round(m.median, 4),
                "min_s": round(min(m.times), 4),
                "max_s": round(max(m.times), 4),
                "peak_rss_mb": round(m.peak_mb, 1),
            }
            for m in measures
        ],
        "goals": goals,
    }
    text = render(result)
    print(text)
    results = args.results or (BENCH / "results" if args.record else None)
    if results is not None:
        results.mkdir(parents=True, exist_ok=True)
        (results / "latest.json").write_text(json.dumps(result, indent=2) + "\n")
        (results / "latest.md").write_text(text)
        print(f"bench: results written to {results}/latest.{{json,md}}", file=sys.stderr)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _help(kkc: str) -> str:
    return subprocess.run(
        [kkc, "validate", "--help"], capture_output=True, text=True, env=CHILD_ENV, check=False
    ).stdout


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(","))


SMALL_FILE = """\
# a small Kestra config: the Kafka queue of one instance
kestra:
  queue:
    type: kafka
  kafka:
    client:
      properties:
        bootstrap.servers: "kafka-0.internal:9093,kafka-1.internal:9093,kafka-2.internal:9093"
        security.protocol: SASL_SSL
        sasl.mechanism: SCRAM-SHA-512
        sasl.jaas.config: >-
          org.apache.kafka.common.security.scram.ScramLoginModule required
          username="${KAFKA_USERNAME}" password="${KAFKA_PASSWORD}";
    defaults:
      topic-prefix: "kestra_"
      consumer-prefix: "kestra_"
      topic:
        replication-factor: 3
        properties:
          min.insync.replicas: "2"
"""


def evaluate(by: dict[str, Measure], s: int, lg: int, args: argparse.Namespace) -> list[dict[str, object]]:
    start_limit = 4 * by["pass"].median + 0.060
    w, c = args.heavy[-1], args.compile_n
    j1 = "_j1" if f"validate_heavy{w}_j1" in by else ""  # memory: one process holding every target
    one = ", one process (--jobs 1)" if j1 else ""
    rows = [
        (
            f"validate N={s} / Hydra reference N={s}",
            by["validate_small"].median / by["hydra_small"].median,
            0.2,
            "x",
        ),
        (f"validate N={lg} / validate N={s}", by["validate_large"].median / by["validate_small"].median, 6.0, "x"),
        ("kkc --version vs 4 x python -c pass + 60 ms", by["version"].median, start_limit, "s"),
        ("kkc --help vs 4 x python -c pass + 60 ms", by["help"].median, start_limit, "s"),
        (f"peak memory, validate N={lg}", by["validate_large"].peak_mb, 200.0, "MB"),
        ("a file of 100,001 values refused (well under a second)", by["refuse_values"].median, 0.5, "s"),
    ]
    for n in args.heavy:
        rows.append(
            (
                f"heavy N={n}: validate --all (cold) / C-loader floor",
                by[f"validate_heavy{n}"].median / by[f"floor_c_heavy{n}"].median,
                3.0,
                "x",
            )
        )
    rows += [
        (
            f"heavy N={c}: compile --all --out / validate --all",
            by[f"compile_heavy{c}"].median / by[f"validate_heavy{c}"].median,
            1.5,
            "x",
        ),
        (f"heavy N={w}: warm validate / python -c pass", by[f"warm_heavy{w}"].median / by["pass"].median, 8.0, "x"),
        (
            f"heavy N={w}: one file changed / cold",
            by[f"changed_heavy{w}"].median / by[f"validate_heavy{w}"].median,
            0.25,
            "x",
        ),
        (
            "one small file vs import ruamel.yaml, cerberus + 50 ms",
            by["small_file"].median,
            by["import_ruamel_cerberus"].median + 0.050,
            "s",
        ),
        (f"heavy N={w}: peak memory{one}", by[f"validate_heavy{w}{j1}"].peak_mb, 120.0, "MB"),
    ]
    if args.memory:
        base = by["validate_heavy3"].peak_mb
        first = args.heavy[0]
        per_small = (by[f"validate_heavy{first}{j1}"].peak_mb - base) / (first - 3)
        per_large = (by[f"validate_heavy{args.memory}"].peak_mb - base) / (args.memory - 3)
        rows.append((f"memory per target (over N=3), N={args.memory} / N={first}", per_large / per_small, 1.2, "x"))
    out = []
    for goal, value, limit, unit in rows:
        met = value <= limit if unit != "MB" else value < limit
        out.append({"goal": goal, "value": round(value, 4), "limit": round(limit, 4), "unit": unit, "met": met})
    infos = [(f"validate N={s} / floor N={s}", by["validate_small"].median / by["floor_small"].median, "x")]
    for n in args.heavy:
        if f"validate_heavy{n}_j1" in by:
            ratio = by[f"validate_heavy{n}_j1"].median / by[f"floor_c_heavy{n}"].median
            infos.append((f"heavy N={n}: validate --all --jobs 1 / C-loader floor", ratio, "x"))
    compiled, validated, files = by[f"compile_heavy{c}"], by[f"validate_heavy{c}"], by[f"files_floor{c}"]
    infos.append((f"heavy N={c}: file floor (the same files by a plain loop)", files.median, "s"))
    infos.append(
        (
            f"heavy N={c}: (compile --out - file floor) / validate",
            (compiled.median - files.median) / validated.median,
            "x",
        )
    )
    if f"compile_heavy{c}_tmpfs" in by:
        ratio = by[f"compile_heavy{c}_tmpfs"].median / validated.median
        infos.append((f"heavy N={c}: compile --out on tmpfs / validate --all", ratio, "x"))
    if f"compile_heavy{c}_j1" in by:
        ratio = by[f"compile_heavy{c}_j1"].median / by[f"validate_heavy{c}_j1"].median
        infos.append((f"heavy N={c}: compile --jobs 1 / validate --jobs 1", ratio, "x"))
    if j1:
        infos.append(
            (f"heavy N={w}: peak memory with workers (the largest process)", by[f"validate_heavy{w}"].peak_mb, "MB")
        )
    if "hydra_large" in by:
        ratio = by["validate_large"].median / by["hydra_large"].median
        infos.append((f"validate N={lg} / Hydra reference N={lg}", ratio, "x"))
    for goal, value, unit in infos:
        out.append({"goal": f"(info) {goal}", "value": round(value, 4), "limit": None, "unit": unit, "met": None})
    return out


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.0f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    return f"{value:.3f} x"


def _disk(disk: dict[str, float]) -> str:
    state = "settled" if disk["settled"] else "NOT settled"
    return f"disk {state}: {disk['ms_per_file']:.2f} ms per new file after waiting {disk['waited_s']:.0f} s"


def render(result: dict) -> str:  # type: ignore[type-arg]
    m = result["machine"]
    lines = [
        f"kkc benchmark: {m['nproc']} CPU(s), {m['cpu']}, Python {m['python']}, {result['rounds']} rounds (medians)",
        f"bytecode {result['bytecode']}; 1-min load average {result['loadavg_1min']['before']} before, "
        f"{result['loadavg_1min']['after']} after",
        f"--out: {result['outputs']}; {_disk(result['disk'])}",
        "",
        "| measurement | runs | median | min | max | peak RSS |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in result["measurements"]:
        lines.append(
            f"| {row['label']} | {row['runs']} | {row['median_s'] * 1000:.0f} ms | {row['min_s'] * 1000:.0f} ms "
            f"| {row['max_s'] * 1000:.0f} ms | {row['peak_rss_mb']:.0f} MB |"
        )
    lines += ["", "| goal | measured | limit | met |", "|---|---:|---:|---|"]
    for goal in result["goals"]:
        limit = "" if goal["limit"] is None else _fmt(goal["limit"], goal["unit"])
        met = "" if goal["met"] is None else ("yes" if goal["met"] else "**NO**")
        lines.append(f"| {goal['goal']} | {_fmt(goal['value'], goal['unit'])} | {limit} | {met} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())

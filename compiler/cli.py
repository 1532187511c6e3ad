"""The `kkc` command line. Imports stay lazy so `kkc --version` and `kkc --help` start fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, cast

from compiler import __version__
from compiler.exitcodes import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE

DESCRIPTION = """\
kkc, the Kestra Kafka config compiler: layered Hydra configs in (Kestra's bundled defaults,
conf/config.yaml, conf/env/<env>.yaml, conf/instance/<instance>.yaml, command-line overrides),
the exact Kestra and Kafka settings out.

exit codes: 0 success, 1 problems in the inputs, 2 usage error, 3 internal error
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        required = "the following arguments are required: "
        if message.startswith(required):
            # argparse lists a `nargs="*"` positional among the required ones; it is not.
            optional = {a.metavar for a in self._actions if a.nargs in ("*", "?") and isinstance(a.metavar, str)}
            names = [n for n in message[len(required) :].split(", ") if n not in optional]
            message = f"{required}{', '.join(names)}" + (
                f" ({', '.join(sorted(optional))} optional)" if optional and names else ""
            )
        self.print_usage(sys.stderr)
        print(f"kkc: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """kkc's parser; with `only` (a command's name), that command's subparser alone, its module alone imported."""
    from compiler.commands import MODULES, command

    parser = _Parser(prog="kkc", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"kkc {__version__}")
    # The subcommands' parsers are _Parsers too (argparse makes them of the parent's class).
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]", parser.add_subparsers(dest="command", metavar="COMMAND")
    )
    names = [only] if only in MODULES else list(dict.fromkeys(MODULES.values()))
    for name in names:
        command(name).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before the subcommands' modules are imported
        print(f"kkc {__version__}")
        return EXIT_OK
    if argv[:1] == ["validate"]:  # the result cache answers before anything else is imported
        from compiler import cache

        inputs = cache.inputs_of(argv)
        if inputs is not None:
            return cache.run_cached(argv, inputs, lambda: _main(argv))
    return _main(argv)


def entry() -> NoReturn:
    """The `kkc` console script (and `python -m compiler`): main(), then an exit without teardown.

    Freeing one by one every object a run built costs more than the run's own work on a small file
    (40 ms of a 170 ms pre-commit check); exit handlers still run and output is flushed first.
    Garbage collection waits until the command starts its work (compiler.collection): the modules
    and parsers loaded before that live for the whole run, and collecting while they load was a sixth of
    kkc's own time on a small file.
    """
    from compiler.collection import pause_collection

    pause_collection()
    code = main()
    import atexit

    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:  # None: the descriptor was closed when kkc started
                stream.flush()
    except (OSError, ValueError):
        sys.exit(code)  # the interpreter's own exit reports a failed flush, as it always has
    os._exit(code)


def _main(argv: list[str]) -> int:
    # `kkc validate ...` builds (and imports) validate's parser only; anything else builds them all
    parser = build_parser(argv[0] if argv else None)
    given = list(argv)
    right: list[str] | None = None
    if argv[:1] == ["diff"] and "--" in argv:
        cut = argv.index("--")
        argv, right = argv[:cut], argv[cut + 1 :]
    args, extras = parser.parse_known_args(argv)
    unknown = [e for e in extras if e.startswith("-")]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    positional = "inputs" if hasattr(args, "inputs") else "overrides"
    if extras and not hasattr(args, positional):
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    if extras:
        setattr(args, positional, [*getattr(args, positional), *extras])
    args.right = right
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        from compiler.commands import command as command_of
        from compiler.commands.common import report_error
        from compiler.errors import KkcError

        command = command_of(args.command)

        def run() -> int:
            try:
                return command.run(command.Options.from_args(args, given))
            except KkcError as error:
                report_error(error)
                return error.exit_code

        return run()
    except KeyboardInterrupt:
        print("kkc: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception:  # noqa: BLE001 - the one place that turns a bug into exit 3
        return _internal_error()


def _internal_error() -> int:
    import tempfile
    import traceback

    fd, path = tempfile.mkstemp(prefix="kkc-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"kkc {__version__}\nargv: {sys.argv!r}\n\n")
        traceback.print_exc(file=handle)
    print(f"kkc: internal error (a bug in kkc); details written to {path}", file=sys.stderr)
    return EXIT_INTERNAL

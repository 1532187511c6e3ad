"""kkc's exit codes (documented in the README), in a module of their own so that the command line
can use them without importing anything else."""

EXIT_OK = 0  # success
EXIT_PROBLEMS = 1  # a problem in the inputs (validate: errors; diff: differences; --check: stale outputs)
EXIT_USAGE = 2  # a usage error
EXIT_INTERNAL = 3  # a bug in kkc

"""drillbook's exceptions.

    DrillbookError
     ├── ConfigError      a bad environment file, option or secret reference (one line, names the fix)
     ├── TargetError      the target is unreachable, hangs or answers garbage
     ├── SafetyError      a drill was refused (destructive on production without approval)
     └── RecordError      the drill journal cannot be read (names the file, the line and the fix)
"""


class DrillbookError(Exception):
    """Base of every error drillbook raises on purpose."""


class ConfigError(DrillbookError):
    """A configuration problem; the message is one line: where, what, and the fix."""


class TargetError(DrillbookError):
    """The target could not be reached or answered something unusable."""


class SafetyError(DrillbookError):
    """A drill was refused by a safety rule."""


class RecordError(DrillbookError):
    """The drill journal cannot be read back; the message names the file, the line and the fix."""

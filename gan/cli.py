"""Build a command line from a config dataclass: one flag per field, help and range from the field's metadata.

Flags are snake_case field names with dashes (`batch_size` -> `--batch-size`).
Bad input (unknown flag, wrong type, value out of range) ends with one line on
stderr and exit status 2, never a traceback. Ranges are declared once, on the
field (`doc("...", minimum=1, maximum=1024)`), and checked by `check_ranges`
before anything is allocated; the help text shows them.
"""

import argparse
import contextlib
import dataclasses
import math
import sys
import typing


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def doc(text: str, **metadata):
    """Field metadata: `field(default=..., metadata=doc("one line of help", choices=[...], minimum=0))`.

    `minimum`/`maximum` bound a number inclusively, `above`/`below` exclusively;
    `positional=True` makes the field a required positional argument instead of a flag.
    """
    return {"help": text, **metadata}


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def range_text(metadata) -> str:
    """ "at least 1", "in (0, 1)", "from 1 to 1024": how a field's range reads in help and errors."""
    low = metadata.get("minimum", metadata.get("above"))
    high = metadata.get("maximum", metadata.get("below"))
    if low is None and high is None:
        return ""
    if high is None:
        return f"at least {low}" if "minimum" in metadata else f"above {low}"
    if low is None:
        return f"at most {high}" if "maximum" in metadata else f"below {high}"
    if "minimum" in metadata and "maximum" in metadata:
        return f"from {low} to {high}"
    opening = "[" if "minimum" in metadata else "("
    closing = "]" if "maximum" in metadata else ")"
    return f"in {opening}{low}, {high}{closing}"


def out_of_range(value, metadata) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        return True
    return (
        ("minimum" in metadata and value < metadata["minimum"])
        or ("maximum" in metadata and value > metadata["maximum"])
        or ("above" in metadata and value <= metadata["above"])
        or ("below" in metadata and value >= metadata["below"])
    )


def check_ranges(config, describe=flag_name) -> None:
    """Raise ValueError naming the first field whose value is outside the range its metadata declares."""
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        if out_of_range(value, field.metadata):
            bounds = range_text(field.metadata) or "a finite number"
            raise ValueError(f"{describe(field.name)} must be {bounds}, got {value}")


def add_dataclass_flags(parser: argparse.ArgumentParser, config_class, suppress_defaults: bool = False) -> None:
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        if field.metadata.get("cli") is False:
            continue
        if field.metadata.get("positional"):
            parser.add_argument(field.name, help=field.metadata.get("help", ""))
            continue
        flag = flag_name(field.name)
        kind = hints[field.name]
        default = argparse.SUPPRESS if suppress_defaults else field.default
        bounds = range_text(field.metadata)
        help_text = (
            field.metadata.get("help", "") + (f"; {bounds}" if bounds else "") + f" (default: {field.default!r})"
        )
        if kind is bool:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=help_text)
        else:
            parser.add_argument(
                flag,
                type=kind,
                default=default,
                choices=field.metadata.get("choices"),
                metavar=field.metadata.get("metavar", None if "choices" in field.metadata else field.name.upper()),
                help=help_text,
            )


def parse_config(config_class, argv=None, description: str = "", prog: str | None = None):
    """Parse argv into (config, names of the flags the user gave); ranges and the config's own checks run here."""
    parser = OneLineParser(prog=prog, description=description)
    add_dataclass_flags(parser, config_class, suppress_defaults=True)
    given = vars(parser.parse_args(argv))
    try:
        config = config_class(**given)
        check_ranges(config)
        if hasattr(config, "validate"):
            config.validate()
    except ValueError as error:
        parser.error(str(error))
    return config, set(given)


def one_line(error: BaseException, limit: int = 160) -> str:
    """An exception as one line for a message: its first line, cut at a word, or its type when it has no text."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    first = text.splitlines()[0]
    if len(first) <= limit:
        return first
    return first[:limit].rsplit(" ", 1)[0] + " ..."


def short_path(path, limit: int = 100) -> str:
    """A path for a message: whole when short, else its start and end around an ellipsis."""
    text = str(path)
    return text if len(text) <= limit else f"{text[: limit // 2 - 2]}...{text[-(limit // 2 - 2) :]}"


def os_error_text(error: OSError) -> str:
    """An OSError as `PATH: what went wrong`, naming the file whenever the error knows it."""
    reason = error.strerror or one_line(error)
    return f"{short_path(error.filename)}: {reason}" if error.filename else reason


def fail(message: str, status: int = 1) -> typing.NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)


@contextlib.contextmanager
def one_line_errors(*known: type[BaseException]):
    """The body of a command's main: the errors it expects, any OSError and Ctrl-C end in one line, never a trace."""
    try:
        yield
    except known as error:
        fail(str(error))
    except OSError as error:
        fail(os_error_text(error))
    except KeyboardInterrupt:
        fail("interrupted", status=130)

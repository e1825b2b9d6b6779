"""Build a command line from a config dataclass: one flag per field, help from the field's doc.

Flags are snake_case field names with dashes (`batch_size` -> `--batch-size`).
Bad input (unknown flag, wrong type, value out of range) ends with one line on
stderr and exit status 2, never a traceback.
"""

import argparse
import dataclasses
import sys
import typing


class OneLineParser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def doc(text: str, **metadata):
    """Field metadata: `field(default=..., metadata=doc("one line of help", choices=[...]))`.

    `positional=True` makes the field a required positional argument instead of a flag.
    """
    return {"help": text, **metadata}


def add_dataclass_flags(parser: argparse.ArgumentParser, config_class, suppress_defaults: bool = False) -> None:
    hints = typing.get_type_hints(config_class)
    for field in dataclasses.fields(config_class):
        if field.metadata.get("cli") is False:
            continue
        if field.metadata.get("positional"):
            parser.add_argument(field.name, help=field.metadata.get("help", ""))
            continue
        flag = "--" + field.name.replace("_", "-")
        kind = hints[field.name]
        default = argparse.SUPPRESS if suppress_defaults else field.default
        help_text = field.metadata.get("help", "") + f" (default: {field.default!r})"
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
    """Parse argv into (config, names of the flags the user gave)."""
    parser = OneLineParser(prog=prog, description=description)
    add_dataclass_flags(parser, config_class, suppress_defaults=True)
    given = vars(parser.parse_args(argv))
    try:
        config = config_class(**given)
        config.validate()
    except ValueError as error:
        parser.error(str(error))
    return config, set(given)


def fail(message: str, status: int = 1) -> typing.NoReturn:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(status)

"""The one key table: the loop's key bindings and the help screen's list are both read from it.

Keys are named as `pygame.key.key_code` spells them, so this module needs no
pygame; the loop resolves the names once its display is up. A binding acts
where it lists (a screen or an overlay), or everywhere when it lists nothing;
a binding for the place in focus wins over an everywhere one. `ANY_KEY`
stands for every key that has no binding there.
"""

from dataclasses import dataclass
from typing import NamedTuple

from game.events import Action
from game.state import Overlay, Screen

ANY_KEY = "any key"


@dataclass(frozen=True)
class Binding:
    keys: tuple[str, ...]  # pygame key names ("return", "left", "r"), or ANY_KEY
    action: Action
    where: tuple[Screen | Overlay, ...] = ()  # empty: everywhere
    label: str = ""  # how the help screen writes the keys; "" keeps the binding off its list
    meaning: str = ""  # what the help screen says they do


ENTER = ("return", "keypad enter")
CLOSE = ("escape", "space", *ENTER)
TITLE, ROUND, REVEAL, SUMMARY, RECORDS, FAILED = (
    Screen.TITLE,
    Screen.ROUND,
    Screen.REVEAL,
    Screen.SUMMARY,
    Screen.RECORDS,
    Screen.FAILED,
)
PAIR, PAIR_REVEAL, DRAW, CARD = Screen.PAIR, Screen.PAIR_REVEAL, Screen.DRAW, Screen.CARD
QUESTIONS = (Overlay.LEAVE, Overlay.QUIT)
D_VIEW = (REVEAL, PAIR_REVEAL, DRAW, Overlay.DIGIT)  # where V shows where the judge looked

BINDINGS = (
    # On the failed screen, Enter chooses another opponent.
    Binding(ENTER, Action.START, (TITLE, SUMMARY, RECORDS, CARD, FAILED), "Enter", "play; open a past game"),
    Binding(("r", "left"), Action.REAL, (ROUND,), "R  or  Left", "this digit is real"),
    Binding(("f", "right"), Action.FAKE, (ROUND,), "F  or  Right", "this digit is fake"),
    Binding(("left", "1"), Action.PICK_LEFT, (PAIR,), "Left / Right", "pairs: the real one's side"),
    Binding(("right", "2"), Action.PICK_RIGHT, (PAIR,)),
    Binding(("space", *ENTER), Action.CONTINUE, (REVEAL, PAIR_REVEAL), "Space  or  Enter", "next, after a reveal"),
    Binding(("v",), Action.TOGGLE_D_VIEW, D_VIEW, "V", "where the judge looked"),
    Binding(("g", "tab"), Action.NEXT_GAME, (TITLE,), "G  or  Tab", "the next way to play"),
    Binding(("c",), Action.CARD, (TITLE, CARD), "C", "the generator's card"),
    Binding((*ENTER,), Action.SUBMIT, (DRAW,), "Enter", "draw: hand it in to D"),
    Binding(("backspace", "z", "u"), Action.UNDO, (DRAW,), "Backspace", "draw: undo the last stroke"),
    Binding(("delete", "x"), Action.CLEAR, (DRAW,), "Delete", "draw: clear the canvas"),
    Binding(("up",), Action.PREVIOUS_OPPONENT, (TITLE,), "Up / Down", "a generator, or a past game"),
    Binding(("down",), Action.NEXT_OPPONENT, (TITLE,)),
    Binding(("up",), Action.PREVIOUS, (RECORDS,)),
    Binding(("down",), Action.NEXT, (RECORDS,)),
    Binding(("page up",), Action.PAGE_UP, (RECORDS,)),
    Binding(("page down",), Action.PAGE_DOWN, (RECORDS,)),
    Binding(("left",), Action.FEWER_ROUNDS, (TITLE,), "Left / Right", "rounds; the digit before / after"),
    Binding(("right",), Action.MORE_ROUNDS, (TITLE,)),
    Binding(("left",), Action.PREVIOUS, (Overlay.DIGIT,)),
    Binding(("right",), Action.NEXT, (Overlay.DIGIT,)),
    Binding(("m",), Action.TOGGLE_MEASUREMENT, (TITLE,), "M", "measurement or practice (title)"),
    Binding(("d",), Action.TOGGLE_DETECTOR, (TITLE,), "D", "D or a fresh detector (title)"),
    Binding(("r",), Action.RECORDS, (TITLE,), "R", "your records (title)"),
    Binding(("w",), Action.NOTICES, (TITLE,), "W", "read every warning (title)"),
    Binding(("escape",), Action.BACK, (), "Esc", "back (mid-game it asks first)"),
    Binding(("s",), Action.TOGGLE_SOUND, (), "S", "sound on / off"),
    Binding(("f11",), Action.FULLSCREEN, (), "F11", "fullscreen"),
    Binding(("h",), Action.HELP, (), "H", "this help"),
    Binding(("q",), Action.QUIT, (), "Q", "quit"),
    Binding(CLOSE, Action.BACK, (Overlay.HELP, Overlay.NOTICES, Overlay.DIGIT)),
    Binding(("y", *ENTER), Action.CONFIRM, QUESTIONS),
    Binding(("n", "escape"), Action.BACK, QUESTIONS),
    Binding((ANY_KEY,), Action.QUIT, (FAILED,)),  # the message has been read
)


class HelpLine(NamedTuple):
    keys: str
    meaning: str
    works_here: bool  # on the screen the help was opened over


def help_lines(bindings=BINDINGS, screen: Screen | None = None) -> list[HelpLine]:
    """One line for each binding the help screen lists, in table order.

    An unlabelled binding extends the labelled one above it (Up / Down on the
    title, then on the Records), so a line works on a screen where it or one of
    its own acts; the table keeps the bindings that extend no line (the
    questions' keys, the failed screen's any key) below Q, which works
    everywhere. With no screen, every line works.
    """
    lines: list[HelpLine] = []
    for binding in bindings:
        acts = screen is None or not binding.where or screen in binding.where
        if binding.label:
            lines.append(HelpLine(binding.label, binding.meaning, acts))
        elif lines and acts:
            lines[-1] = lines[-1]._replace(works_here=True)
    return lines


def key_map(key_code, bindings=BINDINGS) -> dict:
    """{(place or None, key code or ANY_KEY): action}, with `key_code` turning a key name into pygame's code."""
    mapping = {}
    for binding in bindings:
        for name in binding.keys:
            code = ANY_KEY if name == ANY_KEY else key_code(name)
            for place in binding.where or (None,):
                mapping.setdefault((place, code), binding.action)
    return mapping


def action_for(mapping: dict, code: int, focus: Screen | Overlay) -> Action | None:
    """The action of key `code` where the focus is: its own binding, else an everywhere one, else ANY_KEY's."""
    for place, key in ((focus, code), (None, code), (focus, ANY_KEY)):
        if (place, key) in mapping:
            return mapping[(place, key)]
    return None

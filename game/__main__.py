"""Real or Fake?: you against the discriminator.

    python -m game                          # pick an opponent on the title screen
    python -m game --weights weights/hard.pt --rounds 20 --seed 7
    python -m game --no-reveal              # measurement mode: no feedback until the summary
    python -m game --detector               # a critic trained afresh on the fakes judges beside you, not D
    python -m game --play glimpse           # start on another way to play: glimpse, pairs or draw

Bad flags end with one line on stderr and exit status 2. A checkpoint named
with --weights that cannot be played is reported on stderr and in the window,
and the game exits with status 1.
"""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from game.rounds import GAMES
from game.state import MAX_ROUNDS
from gan.cli import doc, parse_config


@dataclass
class PlayConfig:
    weights: str = field(
        default="", metadata=doc("play against this game checkpoint, skipping the pick", metavar="PATH")
    )
    rounds: int = field(
        default=10, metadata=doc(f"digits per game, half real and half fake: even, 2 to {MAX_ROUNDS}", metavar="N")
    )
    seed: int = field(
        default=-1, metadata=doc("same seed, same digits in the same order; -1 = fresh digits every game", metavar="N")
    )
    fullscreen: bool = field(default=False, metadata=doc("start fullscreen (F11 switches)"))
    reveal: bool = field(default=True, metadata=doc("show the truth after each digit; --no-reveal is measurement mode"))
    detector: bool = field(
        default=False, metadata=doc("judge beside you with a critic trained afresh on the fakes, not the GAN's own D")
    )
    play: str = field(
        default="single",
        metadata=doc("the way to play: single (one digit), glimpse (HYPE-time), pairs or draw", metavar="WAY"),
    )

    def validate(self) -> None:
        if self.rounds < 2 or self.rounds > MAX_ROUNDS or self.rounds % 2:
            raise ValueError(
                f"--rounds must be an even number from 2 to {MAX_ROUNDS} (half real, half fake), not {self.rounds}"
            )
        if self.play not in GAMES:
            raise ValueError(f"--play must be one of {', '.join(GAMES)}, not {self.play}")
        if self.seed < -1:
            raise ValueError(f"--seed must be 0 or more (or -1 for fresh digits every game), not {self.seed}")


def build(config: PlayConfig, history_file=None, opponent_folders=None, make_bridge=None):
    """The loop with its game, view, preparer and recorder, wired as `main` runs it (measure and tests reuse it)."""
    from game import history
    from game.events import PrepareFailed
    from game.loop import Loop
    from game.opponents import check_weights, find_opponents, opponent_for
    from game.preparer import Preparer
    from game.recorder import Recorder
    from game.state import Game, Settings
    from game.view import View

    opponents, notices = find_opponents(opponent_folders)
    if config.weights:  # first, and fixed; the rest stay for "choose another" if it cannot be played
        named = opponent_for(config.weights)
        opponents = [named] + [opponent for opponent in opponents if opponent.path != named.path]
    path = Path(history_file) if history_file else history.history_path()
    preferences = history.read_preferences(path.with_name("preferences.json"))
    settings = Settings(
        rounds=config.rounds,
        measurement=not config.reveal,
        seed=None if config.seed < 0 else config.seed,
        fixed_checkpoint=config.weights or None,
        muted=preferences.get("muted") is True,
        detector=config.detector,
        game=config.play,
    )
    game = Game(opponents=opponents, settings=settings, notices=notices)
    problem = check_weights(config.weights) if config.weights else None
    if problem:  # known without torch: say so at once rather than after seconds of "getting ready"
        game.handle(PrepareFailed(game.wanted, problem))
    view = View(history_location=str(path))
    loop = Loop(game, view, None, fullscreen=config.fullscreen)
    loop.preparer = Preparer(notify=loop.wake, make_bridge=make_bridge)
    loop.recorder = Recorder(path, notify=loop.wake, opponents=tuple(opponent.path for opponent in opponents))
    return loop


def main(argv=None) -> int:
    config, _ = parse_config(
        PlayConfig,
        argv,
        prog="python -m game",
        description="Real or Fake?: tell real MNIST digits from a GAN's, against its discriminator.",
    )
    loop = build(config)
    for notice in loop.game.notices:
        print(f"warning: {notice}", file=sys.stderr)
    from game.loop import NoDisplay

    try:
        status = loop.run()
    except KeyboardInterrupt:  # before the first frame: nothing to save yet
        status = 130
    except NoDisplay as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if status == 130:  # a game in progress was saved as unfinished, as when the window is closed
        print("stopped (Ctrl-C)", file=sys.stderr)
    return status


if __name__ == "__main__":
    status = main()
    # Leave at once: the window is closed and every game is saved (Loop.close waits for the history), but
    # the interpreter's own shutdown would keep the process for seconds tearing torch down, and can abort
    # while the preparer thread is inside a torch call.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)

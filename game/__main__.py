"""Real or Fake?: you against the discriminator.

    python -m game                          # pick an opponent on the title screen
    python -m game --weights weights/hard.pt --rounds 20 --seed 7
    python -m game --no-reveal              # measurement mode: no feedback until the summary

Bad flags end with one line on stderr and exit status 2. A checkpoint named
with --weights that cannot be played is reported on stderr and in the window,
and the game exits with status 1.
"""

import sys
from dataclasses import dataclass, field

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

    def validate(self) -> None:
        if self.rounds < 2 or self.rounds > MAX_ROUNDS or self.rounds % 2:
            raise ValueError(
                f"--rounds must be an even number from 2 to {MAX_ROUNDS} (half real, half fake), not {self.rounds}"
            )
        if self.seed < -1:
            raise ValueError(f"--seed must be 0 or more (or -1 for fresh digits every game), not {self.seed}")


def build(config: PlayConfig, history_file=None, opponent_folders=None, make_bridge=None):
    """The loop with its game, view and preparer, wired as `main` runs it (game.measure and the tests reuse it)."""
    from game import history
    from game.loop import Loop
    from game.opponents import find_opponents, opponent_for
    from game.preparer import Preparer
    from game.scoring import best_scores
    from game.state import Game, Settings
    from game.view import View

    if config.weights:
        opponents, notices = [opponent_for(config.weights)], []
    else:
        opponents, notices = find_opponents(opponent_folders)
    path = history_file or history.history_path()
    records, history_notices = history.read_history(path)
    settings = Settings(
        rounds=config.rounds,
        measurement=not config.reveal,
        seed=None if config.seed < 0 else config.seed,
        fixed_checkpoint=config.weights or None,
    )
    game = Game(opponents=opponents, settings=settings, best=best_scores(records), notices=notices + history_notices)
    loop = Loop(game, View(history_location=str(path)), None, history_file=path, fullscreen=config.fullscreen)
    loop.preparer = Preparer(notify=loop.wake, make_bridge=make_bridge)
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
    try:
        return loop.run()
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""How fast and how light the game is: startup, answer-to-next-image latency, resident memory.

    python -m game.measure                 # 3 launches, a 20-round game in each mode
    python -m game.measure --json          # the same figures for machines
    python -m game.measure --weights weights/hard.pt --rounds 50
    python -m game.measure --history-mb 200  # start with a long history: the title must not wait for it

Each launch is a fresh `python` process that runs the game's own loop (the
window `python -m game` opens; SDL's dummy driver when there is no display) and
reports times on the system-wide monotonic clock, so "launch" is the moment
the parent started the process, interpreter start-up and imports included.

- startup: launch -> first frame flipped (budget 2 s), and launch -> the first
  game's rounds ready (torch imported and the checkpoint loaded behind the title);
- latency: a key press posted to the event queue -> the frame showing its
  result flipped, for every answer of a measurement-mode game (answer -> next
  digit) and of a practice game (answer -> reveal, Space -> next digit); the
  budget is 50 ms;
- history: when the past games were read (in the history thread, behind the
  title), and how long after the summary a finished game was saved;
- memory: resident set size at the first frame (before torch), once the
  rounds are ready (torch and the model loaded), and the peak.

Each scripted answer waits until its digit has been on screen for the game's
minimum answer time, as a player's would. The history of these games goes to
a temporary folder, not yours.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD_FLAG = "--child"


def rss_mb(field: str = "VmRSS") -> float | None:
    """Resident memory of this process from /proc (Linux); None elsewhere."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def summarize(values_ms: list[float]) -> dict:
    ordered = sorted(values_ms)
    return (
        {
            "n": len(ordered),
            "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
            "max_ms": round(ordered[-1], 2),
        }
        if ordered
        else {"n": 0}
    )


# ----------------------------------------------------------------------------- the measured process


def child(launched_at: float, weights: str, rounds: int, full: bool) -> dict:
    from game.__main__ import PlayConfig, build

    history_file = Path(os.environ["REAL_OR_FAKE_HOME"]) / "history.jsonl"
    loop = build(PlayConfig(weights=weights, rounds=rounds, seed=1, reveal=False), history_file=history_file)
    loop.log = lambda message: None
    loop.start()  # opens the window, draws the title, then starts the preparer
    first_frame = time.monotonic()
    import pygame

    result = {
        "video_driver": pygame.display.get_driver(),
        "window": list(loop.screen.get_size()),
        "first_frame_s": round(first_frame - launched_at, 3),
        "rss_first_frame_mb": rss_mb(),
    }
    if not full:
        loop.close()
        return result

    game, history_loaded = loop.game, None

    def waiting(ready) -> bool:
        nonlocal history_loaded
        if history_loaded is None and game.records_loaded:
            history_loaded = time.monotonic()
        return not ready() and not game.quit

    ready = (lambda: game.round is not None) if weights else (lambda: game.ready)  # --weights starts at once
    while waiting(ready):
        loop.frame(5)
    if game.quit or (not game.ready and game.round is None):
        raise SystemExit(f"the game did not get ready: {game.failures or game.notices}")
    result["ready_s"] = round(time.monotonic() - launched_at, 3)
    while waiting(lambda: game.records_loaded):
        loop.frame(5)
    result["history_loaded_s"] = round((history_loaded or time.monotonic()) - launched_at, 3)
    result["history_games"] = len(game.records)
    result["rss_ready_mb"] = rss_mb()
    result["rss_ready_file_mb"] = rss_mb("RssFile")  # pages of shared libraries (libtorch), shareable

    result.update(scripted_games(loop, rounds))
    loop.close()
    result.update({"rss_peak_mb": rss_mb("VmHWM"), "rounds": rounds})
    return result


def scripted_games(loop, rounds: int) -> dict:
    """A measurement game (answer -> next digit) and a practice one (answer -> reveal, Space -> next): latencies."""
    import pygame

    game, result = loop.game, {}

    def look() -> None:
        """Run frames until an answer would count: the digit has been on screen for MIN_ANSWER_MS."""
        while not game.answer_open:
            loop.frame(5)

    def press(key: int) -> float:
        """Post a key press; run frames until the loop has handled it and flipped; return ms."""
        frames = loop.frames
        start = time.monotonic()
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
        while loop.frames == frames:
            loop.frame(loop.wait_ms())
        return (time.monotonic() - start) * 1000

    # a measurement-mode game: each answer brings the next digit straight away
    if game.round is None:
        press(pygame.K_RETURN)
    next_digit = []
    for number in range(rounds):
        shown = game.round
        look()
        elapsed = press(pygame.K_r if number % 2 else pygame.K_f)
        if number < rounds - 1:
            assert game.round is not shown, "the answer did not bring a new digit"
            next_digit.append(elapsed)
        else:
            result["last_answer_to_summary_ms"] = round(elapsed, 2)
    start = time.monotonic()
    while game.outbox:  # the history is written by the recorder thread, not in a frame
        loop.frame(5)
    result["summary_to_saved_ms"] = round((time.monotonic() - start) * 1000, 2)
    # a practice game: answer -> reveal, Space -> next digit
    press(pygame.K_ESCAPE)
    press(pygame.K_m)
    while not game.ready:
        loop.frame(5)
    press(pygame.K_RETURN)
    to_reveal, reveal_to_next = [], []
    for number in range(rounds):
        look()
        to_reveal.append(press(pygame.K_r))
        elapsed = press(pygame.K_SPACE)
        if number < rounds - 1:
            reveal_to_next.append(elapsed)
    result.update(
        {
            "answer_to_next_digit": summarize(next_digit),
            "answer_to_reveal": summarize(to_reveal),
            "continue_to_next_digit": summarize(reveal_to_next),
        }
    )
    return result


# ----------------------------------------------------------------------------- the parent


def write_history(path: Path, megabytes: int) -> None:
    """A history of `megabytes` MB of finished 10-digit games (one line repeated with changing seeds)."""
    from game.records import line_of, record_of
    from game.rounds import Answer, PlayedGame, Round

    rounds = tuple(Round(None, i % 2 == 0, 0.7, test_index=i, noise_seed=i) for i in range(10))
    template = PlayedGame(
        rounds,
        tuple(Answer(i % 3 == 0, 900 + i) for i in range(10)),
        10,
        "easy",
        "weights/easy.pt",
        "ab" * 32,
        0,
        True,
        True,
        "2026-11-29T05:00:00+00:00",
    )
    line = line_of(record_of(template)).decode()
    with open(path, "w") as file:
        for seed in range(megabytes * (1 << 20) // len(line) + 1):
            file.write(line.replace('"seed":0,', f'"seed":{seed},', 1))


def launch(arguments: list[str], environment: dict) -> dict:
    launched_at = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "game.measure", CHILD_FLAG, repr(launched_at), *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if process.returncode != 0:
        lines = (process.stderr.strip() or process.stdout.strip() or "no output").splitlines()
        raise SystemExit(f"error: the measured game failed: {lines[-1]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def report(runs: list[dict], full: dict) -> dict:
    startups = [run["first_frame_s"] for run in runs]
    return {
        "video_driver": full["video_driver"],
        "window": full["window"],
        "launches": len(runs),
        "first_frame_s": {"median": statistics.median(startups), "max": max(startups), "all": startups},
        "ready_s": full["ready_s"],
        "answer_to_next_digit": full["answer_to_next_digit"],
        "answer_to_reveal": full["answer_to_reveal"],
        "continue_to_next_digit": full["continue_to_next_digit"],
        "last_answer_to_summary_ms": full["last_answer_to_summary_ms"],
        "summary_to_saved_ms": full["summary_to_saved_ms"],
        "history": {"games": full["history_games"], "loaded_s": full["history_loaded_s"]},
        "rss_mb": {
            "first_frame": full["rss_first_frame_mb"],
            "ready": full["rss_ready_mb"],
            "ready_file_backed": full["rss_ready_file_mb"],
            "peak": full["rss_peak_mb"],
        },
        "rounds": full["rounds"],
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def print_report(figures: dict) -> None:
    def latency(name, entry):
        print(
            f"  {name:<34} median {entry['median_ms']:6.1f} ms   p95 {entry['p95_ms']:6.1f} ms   "
            f"max {entry['max_ms']:6.1f} ms   ({entry['n']} presses)"
        )

    startup = figures["first_frame_s"]
    print(
        f"Real or Fake? game performance  (video driver {figures['video_driver']}, window "
        f"{figures['window'][0]}x{figures['window'][1]}, {figures['cpu_count']} CPUs, "
        f"load {figures['load_average_1min']})"
    )
    print(
        f"  launch -> first frame              median {startup['median']:.2f} s   max {startup['max']:.2f} s   "
        f"over {figures['launches']} launches   (budget 2 s)"
    )
    print(f"  launch -> first game ready         {figures['ready_s']:.2f} s   (torch and the model, behind the title)")
    print(f"latency, key press -> frame flipped (budget 50 ms), {figures['rounds']}-round games:")
    latency("answer -> next digit (measurement)", figures["answer_to_next_digit"])
    latency("answer -> reveal (practice)", figures["answer_to_reveal"])
    latency("Space -> next digit (practice)", figures["continue_to_next_digit"])
    print(f"  last answer -> summary             {figures['last_answer_to_summary_ms']:.1f} ms")
    print(f"  summary -> game saved              {figures['summary_to_saved_ms']:.1f} ms (in the history thread)")
    past = figures["history"]
    print(f"history: {past['games']} past games read {past['loaded_s']:.2f} s after launch (off the window's thread)")
    memory = figures["rss_mb"]
    print(
        f"resident memory: {memory['first_frame']:.0f} MB at the first frame; {memory['ready']:.0f} MB with torch "
        f"and the model ({memory['ready_file_backed']:.0f} MB of it library pages); {memory['peak']:.0f} MB peak"
    )


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD_FLAG]:
        launched_at, weights, rounds, full = float(argv[1]), argv[2], int(argv[3]), argv[4] == "full"
        print(json.dumps(child(launched_at, weights, rounds, full)))
        return 0
    parser = argparse.ArgumentParser(prog="python -m game.measure", description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default="", help="opponent checkpoint (default: the first one on the title)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds per scripted game (even; default 20)")
    parser.add_argument("--launches", type=int, default=3, help="fresh processes timed for startup (default 3)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--history-mb", type=int, default=0, metavar="MB", help="start with a history of this many MB of past games"
    )
    args = parser.parse_args(argv)
    if args.rounds < 2 or args.rounds % 2 or args.launches < 1:
        parser.error("--rounds must be even and at least 2, --launches at least 1")
    with tempfile.TemporaryDirectory(prefix="real-or-fake-measure-") as home:
        if args.history_mb > 0:
            write_history(Path(home) / "history.jsonl", args.history_mb)
        environment = {**os.environ, "REAL_OR_FAKE_HOME": home, "SDL_AUDIODRIVER": "dummy"}
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
            environment.setdefault("SDL_VIDEODRIVER", "dummy")
        runs = [launch([args.weights, str(args.rounds), "startup"], environment) for _ in range(args.launches - 1)]
        full = launch([args.weights, str(args.rounds), "full"], environment)
    figures = report(runs + [full], full)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print_report(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())

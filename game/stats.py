"""One human evaluation of each generator from one or more players' histories: `python -m game.stats`.

    python -m game.stats                                   # your own history
    python -m game.stats --history a.jsonl --history b.jsonl --out report.png   # a class, pooled
    python -m game.stats --json                            # the same figures for machines

Per generator (its file name and the first digits of its SHA-256, so two
files named alike stay apart) over finished measurement games: games, digits,
accuracy, fakes called real, reals called fake and HYPE∞ (their mean; 50%
means people cannot tell its digits from real ones), each with a 95%
bootstrap interval over games, and the median answer time. Practice games
are summed in a table of their own, never mixed in. Each way to play has its
own tables: one digit at a time (above); pairs (the same figures, where HYPE∞
is the share of wrong picks); glimpse (HYPE-time: the threshold exposure, the
geometric mean of the games' thresholds with a 95% bootstrap interval over
games); and drawings for D (how many fooled D). Unfinished games are left
out. Lines that are damaged or make no sense are skipped and counted (this
tool only reads; the game sets such lines aside); a file with no game record
in it at all, such as a checkpoint given by mistake, is an error. `--out` writes a plot of
the single-digit measurement table.
"""

import argparse
import io
import json
import os
import sys
from pathlib import Path

from game import history
from game.files import open_regular
from game.records import RecordError, answer_times, parse, summary_of
from game.rounds import opponent_title
from game.scoring import drawing_stats, opponent_stats, threshold_stats
from gan.files import atomic_write_bytes, check_writable_target


def read_pooled(paths: list[Path]) -> tuple[list, list[list[int]], list[str]]:
    """(summaries, answer times per game, warnings) over every file, read only; ValueError for a file with
    lines but no game record in it."""
    summaries, times, warnings = [], [], []
    for path in paths:
        skipped, read = 0, 0
        try:
            for offset, line in history.lines(path):
                if not line.strip():
                    continue
                try:
                    record = parse(line)
                    summaries.append(summary_of(record, offset))
                    times.append(answer_times(record))
                    read += 1
                except (ValueError, RecordError):
                    skipped += 1
        except OSError as error:
            warnings.append(f"could not read {path}: {history.reason(error)}")
            continue
        if skipped and not read:  # a checkpoint or a log given by mistake: not a history with a bad line
            raise ValueError(f"{path}: not one of its {skipped:,} lines is a game record; is it a history file?")
        if skipped:
            what = "line that is not a sensible record" if skipped == 1 else "lines that are not sensible records"
            warnings.append(f"{path}: skipped {skipped:,} {what}")
    return summaries, times, warnings


def figures(summaries, times, measurement: bool, game: str = "single") -> list[dict]:
    chosen = [i for i, summary in enumerate(summaries) if summary.measurement == measurement]
    stats = opponent_stats([summaries[i] for i in chosen], [times[i] for i in chosen], game)
    return [
        {
            "generator": opponent_title(entry.opponent_name),
            "checkpoint_sha256": entry.checkpoint_sha256,
            "games": entry.games,
            "digits": entry.digits,
            **{
                name: {"value": estimate.value, "low": estimate.low, "high": estimate.high}
                for name, estimate in (
                    ("accuracy", entry.accuracy),
                    ("fakes_called_real", entry.fake_error),
                    ("reals_called_fake", entry.real_error),
                    ("hype_infinity", entry.hype_infinity),
                )
            },
            "median_answer_s": None if entry.median_ms is None else round(entry.median_ms / 1000, 3),
        }
        for entry in stats
    ]


def glimpse_figures(summaries, measurement: bool) -> list[dict]:
    chosen = [summary for summary in summaries if summary.measurement == measurement]
    return [
        {
            "generator": opponent_title(entry.opponent_name),
            "checkpoint_sha256": entry.checkpoint_sha256,
            "games": entry.games,
            "digits": entry.digits,
            "threshold_ms": {
                "value": round(entry.threshold_ms.value, 1),
                "low": None if entry.threshold_ms.low is None else round(entry.threshold_ms.low, 1),
                "high": None if entry.threshold_ms.high is None else round(entry.threshold_ms.high, 1),
            },
        }
        for entry in threshold_stats(chosen)
    ]


def draw_figures(summaries) -> list[dict]:
    return [
        {
            "generator": opponent_title(name),
            "checkpoint_sha256": sha256,
            "drawings": drawings,
            "fooled_d": fooled,
            "fooled_share": fooled / drawings if drawings else 0.0,
        }
        for (name, sha256), (drawings, fooled) in sorted(drawing_stats(summaries).items())
    ]


def label(row: dict) -> str:
    return f"{row['generator']} ({row['checkpoint_sha256'][:8]})" if row["checkpoint_sha256"] else row["generator"]


def print_glimpse(title: str, rows: list[dict]) -> None:
    print(title)
    if not rows:
        print("  (none)")
        return
    print(f"  {'generator':<24} {'games':>5} {'digits':>6}  threshold [95% interval over games]")
    for row in rows:
        found = row["threshold_ms"]
        figure = f"{found['value']:6.0f} ms {bracket(found, lambda ms: f'{ms:.0f}')}"
        print(f"  {label(row):<24} {row['games']:>5} {row['digits']:>6}  {figure}")


def print_drawings(rows: list[dict]) -> None:
    print("Drawings for D (Draw for D sessions)")
    if not rows:
        print("  (none)")
        return
    print(f"  {'generator':<24} {'drawings':>8} {'fooled D':>9}")
    for row in rows:
        share = f"{100 * row['fooled_share']:.0f}%"
        print(f"  {label(row):<24} {row['drawings']:>8} {row['fooled_d']:>5} ({share})")


def bracket(estimate: dict, show, show_high=None) -> str:
    """An estimate's 95% interval as "[low, high]", each end written by `show` (the high end by `show_high`
    when given), or "[1 game]" where one game gives none."""
    if estimate["low"] is None:
        return "[1 game]"
    return f"[{show(estimate['low'])}, {(show_high or show)(estimate['high'])}]"


def cell(estimate: dict) -> str:
    low, high = (lambda share: f"{100 * share:4.1f}"), (lambda share: f"{100 * share:5.1f}")
    return f"{100 * estimate['value']:5.1f}% {bracket(estimate, low, high)}"


def print_table(title: str, rows: list[dict]) -> None:
    print(title)
    if not rows:
        print("  (none)")
        return
    header = ("generator", "games", "digits", "accuracy", "fakes called real", "reals called fake", "HYPE∞", "median")
    print(f"  {header[0]:<24} {header[1]:>5} {header[2]:>6}  " + "  ".join(f"{h:<21}" for h in header[3:7]) + " median")
    for row in rows:
        name = label(row)
        estimates = "  ".join(
            f"{cell(row[key]):<21}" for key in ("accuracy", "fakes_called_real", "reals_called_fake", "hype_infinity")
        )
        median = "-" if row["median_answer_s"] is None else f"{row['median_answer_s']:.2f} s"
        print(f"  {name:<24} {row['games']:>5} {row['digits']:>6}  {estimates} {median}")


def plot(rows: list[dict], out: Path) -> None:
    """HYPE∞ and the two errors per generator, each with its 95% interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 1.2 + 0.9 * max(1, len(rows))))
    keys = (("hype_infinity", "HYPE∞", "black"), ("fakes_called_real", "fakes called real", "#E69F00"))
    keys += (("reals_called_fake", "reals called fake", "#56B4E9"),)
    for offset, (key, label, colour) in zip((0.0, 0.22, -0.22), keys):
        values = [row[key]["value"] for row in rows]
        errors = [
            [0 if row[key]["low"] is None else v - row[key]["low"] for v, row in zip(values, rows)],
            [0 if row[key]["high"] is None else row[key]["high"] - v for v, row in zip(values, rows)],
        ]
        positions = [index + offset for index in range(len(rows))]
        axis.errorbar(values, positions, xerr=errors, fmt="o", color=colour, capsize=3, label=label)
    axis.axvline(0.5, color="grey", linestyle="--", linewidth=1)
    axis.set_yticks(range(len(rows)), [f"{row['generator']}\n{row['games']} games" for row in rows])
    axis.set_xlim(0, 1)
    axis.set_xlabel("share of answers (95% bootstrap interval over games); 50% = cannot tell")
    axis.set_title("Human evaluation of each generator (finished measurement games)")
    axis.legend(loc="lower right", fontsize="small")
    figure.tight_layout()
    drawn = io.BytesIO()
    figure.savefig(drawn, dpi=120, format=out.suffix[1:].lower())
    plt.close(figure)
    atomic_write_bytes(drawn.getvalue(), out)  # its folder made like train.py's outputs, an old report never torn


def plot_suffixes() -> list[str]:
    """The file types the plot can be written as (matplotlib's, without a display)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return sorted(f".{kind}" for kind in Figure().canvas.get_supported_filetypes())


def arguments_problem(args) -> str | None:
    """Why these --history and --out cannot work, in one line; None when they may."""
    for path in args.history or []:
        try:  # opened the way the report will read it: a folder or a FIFO is refused, never waited on
            os.close(open_regular(path, os.O_RDONLY, must_exist=True))
        except FileNotFoundError:
            return f"--history {path}: no such file"
        except OSError as error:
            return f"--history {path}: {history.reason(error)}"
    if args.out:
        suffixes = plot_suffixes()
        if args.out.suffix.lower() not in suffixes:
            return f"--out must end in one of {' '.join(suffixes)}, got {args.out}"
        try:
            check_writable_target(args.out)
        except OSError as error:
            return f"--out {args.out}: {history.reason(error)}"
    return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game.stats", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--history", action="append", type=Path, metavar="PATH", help="a history.jsonl; repeat to pool several"
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="PNG",
        help="also write a plot of the measurement table here (.png, .svg, .pdf, ...)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    problem = arguments_problem(args)
    if problem:  # before any work: a pooled report missing a player's file would look complete
        print(f"error: {problem}", file=sys.stderr)
        return 1
    paths = args.history or [history.history_path()]
    if not args.history and not paths[0].exists():
        print(f"no games yet: {paths[0]} does not exist", file=sys.stderr)
        paths = []
    try:
        summaries, times, warnings = read_pooled(paths)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    measured, practice = figures(summaries, times, True), figures(summaries, times, False)
    pairs = {
        "measurement": figures(summaries, times, True, "pairs"),
        "practice": figures(summaries, times, False, "pairs"),
    }
    glimpse = {"measurement": glimpse_figures(summaries, True), "practice": glimpse_figures(summaries, False)}
    drawings = draw_figures(summaries)
    if args.json:
        found = {"measurement": measured, "practice": practice, "pairs": pairs, "glimpse": glimpse}
        print(json.dumps({**found, "draw": drawings, "files": [str(p) for p in paths]}, indent=2))
    else:
        games = f"{len(summaries)} game{'s' if len(summaries) != 1 else ''}"
        print(f"{games} in {len(paths)} file{'s' if len(paths) != 1 else ''}; unfinished games left out")
        print_table("Measurement games (no feedback while playing): the human evaluation", measured)
        print_table("Practice games (feedback after each digit: people learn as they play)", practice)
        print_glimpse(
            "Glimpse measurement games (HYPE-time): the exposure you need to be right 4 times in 5",
            glimpse["measurement"],
        )
        if glimpse["practice"]:
            print_glimpse("Glimpse practice games", glimpse["practice"])
        print_table("Pairs measurement games (2AFC: pick the real one; HYPE∞ = wrong picks)", pairs["measurement"])
        if pairs["practice"]:
            print_table("Pairs practice games", pairs["practice"])
        print_drawings(drawings)
    if args.out:
        if not measured:
            print("error: no finished measurement game to plot", file=sys.stderr)
            return 1
        try:
            plot(measured, args.out)
        except OSError as error:
            print(f"error: could not write {args.out}: {history.reason(error)}", file=sys.stderr)
            return 1
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

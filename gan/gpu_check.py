"""The GPU runbook in one command: run it first whenever a CUDA machine is at hand.

    python -m gan.gpu_check --out gpu-report          # meant to fit in the 10 minutes of a lent GPU
    python -m gan.gpu_check --out gpu-report --quick  # the tests and the benchmarks only

In one go it runs, each step timed and its output kept:

1. the device line and the versions (torch, CUDA, driver) with `nvidia-smi`;
2. the tests that need a GPU (`pytest tests/test_cuda.py`): the CUDA-graph step against the plain one,
   compile, bf16;
3. `gan.bench --device cuda` at batch 128 and 512, with and without the CUDA graph, and at 128 with
   the graph but not compiled (`--compile off`);
4. a default 50-epoch `train.py` run: its wall time, its quick FID (every 5th epoch on CUDA), and
   `gan.evaluate` on its export; then 3-epoch runs scored at every epoch, compiled and not, for the
   seconds of training until the quick FID first beats the textbook anchor's (compiling alone took
   2.8 s of the first H200 run's first epoch, and the target is 3 s; a graph of the uncompiled step
   skips that wait, so these say whether it is the better default);

then writes `report.json` and `report.md` in `--out`, the figures for the README's
performance table. A step that fails is recorded with its last lines and the rest go on.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gan.cli import doc, one_line_errors, parse_config
from gan.files import output_folder
from gan.report import read_jsonl

# The default run, then (a CUDA run scores every 5th epoch) short runs scored at every epoch, which time the
# anchor exactly: (report part, its folder in --out, train.py options, timeout in seconds).
SHORT_RUN = ("--epochs", "3", "--eval-every", "1")
TRAINING_RUNS = (
    ("train", "run", (), 1800),
    ("first_epochs", "run_first_epochs", SHORT_RUN, 600),
    ("first_epochs_compile_off", "run_first_epochs_compile_off", (*SHORT_RUN, "--compile", "off"), 600),
)
RUN_FOLDERS = tuple(run_dir for _, run_dir, _, _ in TRAINING_RUNS)
ANCHOR_FID = 39.63  # the textbook DCGAN's best generator, gan.evaluate n = 10,000 (weights/README.md)


@dataclass
class CheckConfig:
    out: str = field(default="gpu-report", metadata=doc("folder for the logs and the report", metavar="PATH"))
    quick: bool = field(default=False, metadata=doc("only the tests and the benchmarks, no 50-epoch run"))
    bench_seconds: float = field(default=20.0, metadata=doc("timed seconds of each benchmark", above=0, maximum=600))
    data_dir: str = field(default="data", metadata=doc("folder holding MNIST/raw (fetched there if missing)"))


def run_step(name: str, command: list[str], folder: Path, timeout: float) -> dict:
    """Run one step as a subprocess, keeping its output in `<name>.log`; never raises."""
    started = time.perf_counter()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        output, status = result.stdout + result.stderr, result.returncode
    except subprocess.TimeoutExpired as expired:  # its partial output comes as bytes, whatever text= said
        partial = "".join(part.decode(errors="replace") for part in (expired.stdout, expired.stderr) if part)
        output, status = f"{partial}\ntimed out after {timeout:.0f} s", 124
    seconds = round(time.perf_counter() - started, 1)
    (folder / f"{name}.log").write_text(f"$ {' '.join(command)}\n{output}")
    print(f"{name}: exit {status} in {seconds} s", file=sys.stderr, flush=True)
    return {"command": " ".join(command), "status": status, "seconds": seconds, "tail": output.strip()[-2000:]}


def last_json(text: str) -> dict | None:
    for line in reversed(text.strip().splitlines()):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue
    return None


def epoch_fids(metrics_path: Path) -> list[tuple[int, float, float]]:
    """(epoch, quick FID, seconds of training at that epoch's end) from a run's metrics.jsonl."""
    fids, seconds = [], 0.0
    for record in read_jsonl(metrics_path):  # a run killed by the step's timeout may leave a torn last line
        seconds = record.get("seconds", seconds)
        if str(record.get("epoch_end", "")).startswith("epoch_") and record.get("fid") is not None:
            fids.append((int(record["epoch_end"][6:]), record["fid"], seconds))
    return fids


def anchor_beaten(fids: list[tuple[int, float, float]]) -> dict | None:
    """The first scored epoch whose quick FID beats the textbook anchor's, and the seconds of training to it."""
    beaten = next(((epoch, seconds) for epoch, fid, seconds in fids if fid < ANCHOR_FID), None)
    return {"epoch": beaten[0], "seconds": beaten[1]} if beaten else None


def check(config: CheckConfig) -> dict:
    folder = output_folder(
        config.out,
        ours=lambda name: name.endswith((".log", ".json", ".md", ".pt")) or name in RUN_FOLDERS,
    )
    python = sys.executable
    report = {"machine": platform.node(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "steps": {}}
    steps = report["steps"]
    steps["versions"] = run_step(
        "versions",
        [python, "-c", "import torch; print(torch.__version__, torch.version.cuda, torch.cuda.is_available(), "
         "torch.cuda.get_device_name() if torch.cuda.is_available() else '')"],
        folder, 120,
    )  # fmt: skip
    if shutil.which("nvidia-smi"):
        steps["nvidia_smi"] = run_step("nvidia_smi", ["nvidia-smi"], folder, 60)
    # The GPU tests live in one file: collecting the whole folder would import the game, and a GPU image
    # may have no pygame.
    cuda_tests = str(Path(__file__).resolve().parent.parent / "tests" / "test_cuda.py")
    steps["tests"] = run_step("tests", [python, "-m", "pytest", "-q", cuda_tests], folder, 600)
    bench = {}
    plans = [(batch, graph, "auto") for batch in (128, 512) for graph in ("on", "off")] + [(128, "on", "off")]
    for batch, graph, compile_models in plans:
        name = f"bench_{batch}_graph_{graph}" + ("_compile_off" if compile_models == "off" else "")
        steps[name] = run_step(
            name,
            [python, "-m", "gan.bench", "--device", "cuda", "--batch-size", str(batch), "--cuda-graph", graph,
             "--compile", compile_models, "--seconds", str(config.bench_seconds), "--data-dir", config.data_dir,
             "--json"],
            folder, 900,
        )  # fmt: skip
        bench[name] = last_json(steps[name]["tail"])
    report["bench"] = bench
    if not config.quick:
        for part, run_dir, options, timeout in TRAINING_RUNS:
            shutil.rmtree(folder / run_dir, ignore_errors=True)  # an earlier check's run: the folder is only ours
            steps[part] = run_step(
                part,
                [python, "train.py", "--device", "cuda", *options, "--run-dir", str(folder / run_dir),
                 "--export", str(folder / f"{run_dir}.pt"), "--data-dir", config.data_dir],
                folder, timeout,
            )  # fmt: skip
            fids = epoch_fids(folder / run_dir / "metrics.jsonl")
            report[part] = {"quick_fid_by_epoch": fids, "anchor_beaten_at": anchor_beaten(fids)}
        steps["evaluate"] = run_step(
            "evaluate", [python, "-m", "gan.evaluate", str(folder / "run.pt"), "--json", "--data-dir", config.data_dir],
            folder, 900,
        )  # fmt: skip
        report["evaluate"] = last_json(steps["evaluate"]["tail"])
    (folder / "report.json").write_text(json.dumps(report, indent=2))
    (folder / "report.md").write_text(markdown(report))
    return report


def markdown(report: dict) -> str:
    lines = [f"# GPU check, {report['started']}", "", "| step | exit | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {step['status']} | {step['seconds']} |" for name, step in report["steps"].items()]
    lines += ["", "| benchmark | ours images/s | textbook images/s | ratio |", "|---|---|---|---|"]
    for name, figures in report.get("bench", {}).items():
        if figures:
            lines.append(
                f"| {name} | {figures['ours_images_per_second']:,.0f} | "
                f"{figures['textbook_images_per_second']:,.0f} | {figures['ratio']} |"
            )
        else:
            lines.append(f"| {name} | failed | | |")
    if "train" in report:
        lines += [
            "",
            f"Anchor (FID {ANCHOR_FID}) beaten in the 50-epoch run at: {report['train']['anchor_beaten_at']}",
            f"Anchor beaten in the run scored every epoch at: {report['first_epochs']['anchor_beaten_at']}",
            "The same, not compiled (--compile off, still one CUDA graph): "
            f"{report['first_epochs_compile_off']['anchor_beaten_at']}",
            f"evaluate: {report.get('evaluate')}",
        ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    config, _ = parse_config(CheckConfig, argv, description=__doc__.split("\n")[0], prog="python -m gan.gpu_check")
    with one_line_errors(ValueError):
        report = check(config)
    failed = [name for name, step in report["steps"].items() if step["status"] != 0]
    print(f"report: {Path(config.out) / 'report.md'}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())

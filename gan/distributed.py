"""DistributedDataParallel plumbing for `torchrun`: who am I, agree on stopping, gather per-rank values.

One process per device; each trains on its own shard of every epoch, DDP averages
the gradients, and only rank 0 writes files. Every function here is a no-op in a
single process, so the training loop calls them unconditionally.
"""

import hashlib
import os
from dataclasses import dataclass

import torch


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def setup_distributed(device_name: str) -> Distributed:
    """torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; NCCL on CUDA, gloo on CPU."""
    if "RANK" not in os.environ:
        return Distributed()
    import torch.distributed as dist

    cuda = device_name in ("auto", "cuda") and torch.cuda.is_available()
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    if cuda:  # before the process group, so NCCL binds each rank to its own GPU
        torch.cuda.set_device(local_rank)
    dist.init_process_group(backend="nccl" if cuda else "gloo")
    return Distributed(dist.get_rank(), dist.get_world_size(), local_rank)


def wrap_for_ddp(run, distributed: Distributed) -> None:
    """Make the run's forward calls go through DDP, which averages the gradients of the ranks."""
    if distributed.world_size == 1:
        return
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [run.device.index] if run.device.type == "cuda" else None
    run.generator_forward = DistributedDataParallel(run.generator, device_ids=device_ids)
    run.discriminator_forward = DistributedDataParallel(run.discriminator, device_ids=device_ids)


def agree(stop_requested: bool, diverged: bool, distributed: Distributed, device) -> tuple[bool, bool]:
    """(stop, diverged), agreed by every rank: a rank that saw Ctrl-C or a non-finite loss stops them all,
    so none is left waiting in a collective. Call on log steps only: it costs a device sync."""
    if distributed.world_size == 1:
        return stop_requested, diverged
    import torch.distributed as dist

    flags = torch.tensor([float(stop_requested), float(diverged)], device=device)
    dist.all_reduce(flags)
    return bool(flags[0].item() > 0), bool(flags[1].item() > 0)


def gather_from_ranks(value, distributed: Distributed) -> list:
    """Every rank's `value`, in rank order; a collective, so every rank must call it."""
    if distributed.world_size == 1:
        return [value]
    import torch.distributed as dist

    values = [None] * distributed.world_size
    dist.all_gather_object(values, value)
    return values


def from_main_rank(value, distributed: Distributed):
    """Rank 0's `value` on every rank: what each rank would compute alike is computed once and sent."""
    if distributed.world_size == 1:
        return value
    import torch.distributed as dist

    values = [value]
    dist.broadcast_object_list(values, src=0)
    return values[0]


def weights_digest(*modules: torch.nn.Module) -> str:
    """SHA-256 of the modules' parameters, in layout-independent bytes, to compare the weights of ranks.

    Buffers are left out: BatchNorm's running statistics follow each rank's own shard between
    DDP's broadcasts from rank 0, and only rank 0's are saved.
    """
    digest = hashlib.sha256()
    for module in modules:
        for name, parameter in module.named_parameters():
            digest.update(name.encode())
            digest.update(parameter.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def finish(distributed: Distributed, run) -> None:
    """Every rank here, then DDP's wrappers let go while the group is alive, then the group.

    The wrappers' reducers hold gloo work and its threads; freed at interpreter exit, after the group,
    one rank could die with "terminate called without an active exception" (SIGABRT) after a clean run.
    The caller drops its own references to them (the compiled or plain step) first.
    """
    if distributed.world_size > 1:
        import gc

        import torch.distributed as dist

        dist.barrier()
        run.generator_forward, run.discriminator_forward = run.generator, run.discriminator
        gc.collect()
        dist.destroy_process_group()

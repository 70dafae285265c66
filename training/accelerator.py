"""Which device a training run uses, refused in one line when it is not there (never a silent CPU run),
and the mixed-precision check made offline.

Ultralytics' own AMP check downloads a YOLO checkpoint and compares it in FP32 and FP16; on a machine with
no internet that check is skipped with a warning. Ours runs the model being trained, on a fixed input, so it
needs nothing from the network and checks the very weights that will be trained.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CUDA = re.compile(r"^(?:cuda:)?(\d+(?:,\d+)*)$")


class DeviceError(ValueError):
    """The device asked for is unknown or not present on this machine."""


@dataclass(frozen=True, slots=True)
class Device:
    """A parsed --device: `kind` is cpu, cuda or mps; `ultralytics` is the spelling ultralytics takes."""

    kind: str
    indices: tuple[int, ...] = ()

    @property
    def ultralytics(self) -> str:
        if self.kind == "cuda":
            return ",".join(str(i) for i in self.indices)
        return self.kind

    @property
    def accelerated(self) -> bool:
        return self.kind != "cpu"


def parse_device(text: str) -> Device:
    """`cpu`, `mps`, `0`, `0,1`, `cuda:0` -> Device (syntax only; availability is `require_device`)."""
    value = text.strip().lower()
    if value in {"cpu", "mps"}:
        return Device(value)
    if value == "cuda":
        return Device("cuda", (0,))
    match = _CUDA.match(value)
    if match is None:
        raise DeviceError(f"--device {text!r}: expected cpu, mps, a GPU index such as 0, or cuda:0")
    return Device("cuda", tuple(int(i) for i in match.group(1).split(",")))


def available_cuda_devices() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def mps_available() -> bool:
    import torch

    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def require_device(text: str) -> Device:
    """Parse and check that the device exists here; DeviceError names what is missing."""
    device = parse_device(text)
    if device.kind == "cuda":
        count = available_cuda_devices()
        missing = [i for i in device.indices if i >= count]
        if missing:
            found = f"{count} CUDA device(s)" if count else "no CUDA device"
            raise DeviceError(f"--device {text}: this machine has {found} (asked for GPU {missing[0]})")
    elif device.kind == "mps" and not mps_available():
        raise DeviceError(f"--device {text}: Apple MPS is not available on this machine")
    return device


def offline_amp_check(model: Any) -> bool:
    """Ultralytics' `check_amp` contract without a download: True when FP16 autocast is safe to train with.

    Runs the model on a fixed pseudo-random batch in FP32 and under autocast and compares the raw head
    outputs. On CPU/MPS it answers False (ultralytics trains in FP32 there too).
    """
    import torch

    parameter = next(model.parameters())
    if parameter.device.type != "cuda":
        return False
    stride = int(max(float(getattr(model, "stride", torch.tensor([32.0])).max()), 32.0))
    generator = torch.Generator(device="cpu").manual_seed(0)
    batch = torch.rand((2, 3, stride * 8, stride * 8), generator=generator).to(parameter.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            reference = _first_tensor(model(batch.to(parameter.dtype)))
            with torch.autocast(device_type="cuda", dtype=torch.float16):
                mixed = _first_tensor(model(batch.to(parameter.dtype)))
    finally:
        model.train(was_training)
    if not torch.isfinite(mixed).all():
        return False
    scale = reference.abs().max().clamp_min(1.0)
    return bool(((mixed.float() - reference.float()).abs().max() / scale) < 0.05)


def _first_tensor(output: Any) -> Any:
    while isinstance(output, list | tuple):
        output = output[0]
    return output


def install_offline_amp_check() -> None:
    """Make ultralytics' trainer call `offline_amp_check` instead of its downloading check."""
    from ultralytics.engine import trainer

    trainer.check_amp = offline_amp_check

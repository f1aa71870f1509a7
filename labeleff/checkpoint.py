"""A DetectionCheckpointer whose files are written atomically (temp file + os.replace)."""

import os

import torch
from detectron2.checkpoint import DetectionCheckpointer
from detectron2.checkpoint.c2_model_loading import align_and_update_state_dicts

from .utils import atomic_write, unwrap_model

__all__ = ["AtomicCheckpointer", "atomic_write_bytes"]


def atomic_write_bytes(path: str, data: bytes):
    atomic_write(path, lambda f: f.write(data), "wb")


class AtomicCheckpointer(DetectionCheckpointer):
    """Same files as `DetectionCheckpointer`, but `model_*.pth` and `last_checkpoint` are never left
    half-written: a run killed while saving keeps the previous checkpoint loadable."""

    def save(self, name: str, **kwargs) -> None:
        if not self.save_dir or not self.save_to_disk:
            return
        data = {"model": self.model.state_dict()}
        for key, obj in self.checkpointables.items():
            data[key] = obj.state_dict()
        data.update(kwargs)
        basename = f"{name}.pth"
        save_file = os.path.join(self.save_dir, basename)
        self.logger.info(f"Saving checkpoint to {save_file}")
        try:
            atomic_write(save_file, lambda f: torch.save(data, f), "wb")
        except OSError as e:  # no space, read-only folder, quota: the earlier files are intact
            previous = self.get_checkpoint_file() if self.has_checkpoint() else "none"
            raise OSError(
                e.errno,
                f"could not write checkpoint {save_file} ({e.strerror or e}); the previous "
                f"checkpoint is intact: {previous}. Free space or point train.output_dir at a "
                "writable folder, then --resume",
            ) from e
        self.tag_last_checkpoint(basename)

    def _load_model(self, checkpoint):
        """Name-matching heuristics (ImageNet / Caffe2 `.pkl` files) run against the student only
        when the model is a teacher-student wrapper: matching against every copy would find each
        key several times. The wrapper's load hook then copies the student's weights to the
        teachers (a plain detector checkpoint loads into all of them)."""
        model = unwrap_model(self.model)
        student = getattr(model, "student", None)
        if checkpoint.get("matching_heuristics", False) and isinstance(student, torch.nn.Module):
            self._convert_ndarray_to_tensor(checkpoint["model"])
            checkpoint["model"] = align_and_update_state_dicts(
                student.state_dict(),
                checkpoint["model"],
                c2_conversion=checkpoint.get("__author__", None) == "Caffe2",
            )
            checkpoint["matching_heuristics"] = False
        return super()._load_model(checkpoint)

    def tag_last_checkpoint(self, last_filename_basename: str) -> None:
        path = os.path.join(self.save_dir, "last_checkpoint")
        atomic_write(path, lambda f: f.write(last_filename_basename.encode()), "wb")

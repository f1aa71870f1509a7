"""The model's class count must be the training data's: checked once the training loader has read
its dataset (Detectron2 fills `thing_classes` / `stuff_classes` then), before iteration 0."""

from typing import List, Sequence, Tuple

from detectron2.data import MetadataCatalog
from omegaconf import DictConfig

__all__ = ["model_num_classes", "check_num_classes"]


def model_num_classes(node, prefix: str = "model.") -> List[Tuple[str, int]]:
    """Every integer `num_classes` key of a model config, as (dotted key, value)."""
    out = []
    if isinstance(node, (DictConfig, dict)):
        for key in node.keys():
            try:
                value = node[key]
            except Exception:  # an unresolvable interpolation: not a class count
                continue
            if key == "num_classes" and isinstance(value, int):
                out.append((prefix + key, value))
            else:
                out += model_num_classes(value, f"{prefix}{key}.")
    return out


def _names(dataset_names) -> Sequence[str]:
    if isinstance(dataset_names, str):
        return [dataset_names]
    return list(dataset_names or [])


def check_num_classes(model_cfg, dataset_names) -> None:
    """Raise ValueError when a `num_classes` of the model differs from the number of classes of a
    training dataset (detection keys against `thing_classes`, keys under a `sem_seg` head against
    `stuff_classes`), naming the key, both numbers and the dataset. Datasets whose metadata
    carries no class list are skipped."""
    keys = model_num_classes(model_cfg)
    for name in _names(dataset_names):
        meta = MetadataCatalog.get(name)
        for key, value in keys:
            classes = meta.get("stuff_classes" if "sem_seg" in key else "thing_classes", None)
            if classes is None or len(classes) == value:
                continue
            raise ValueError(
                f"{key} = {value} but the training dataset '{name}' has {len(classes)} classes "
                f"({', '.join(map(str, classes[:10]))}{', ...' if len(classes) > 10 else ''}); "
                f"set {key}={len(classes)} (or train on a dataset with {value} classes)"
            )

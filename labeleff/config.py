"""Loading LazyConfig files with validated `key=value` overrides (unknown keys are errors)."""

import difflib
from typing import List, Sequence

from detectron2.config import LazyConfig
from omegaconf import DictConfig, ListConfig

__all__ = ["load_config", "apply_overrides", "ConfigKeyError"]


class ConfigKeyError(KeyError):
    """An override names a key the config does not have."""

    def __str__(self):  # KeyError quotes its message; keep it readable
        return str(self.args[0])


def _all_keys(node, prefix="") -> List[str]:
    keys = []
    if isinstance(node, DictConfig):
        for k in node.keys():
            full = f"{prefix}{k}"
            keys.append(full)
            keys.extend(_all_keys(node.get(k), full + "."))
    elif isinstance(node, ListConfig):
        for i, v in enumerate(node):
            keys.append(f"{prefix}{i}")
            keys.extend(_all_keys(v, f"{prefix}{i}."))
    return keys


def _has_key(cfg, dotted: str) -> bool:
    node = cfg
    for part in dotted.split("."):
        if isinstance(node, DictConfig):
            if part not in node:
                return False
            node = node.get(part)
        elif isinstance(node, ListConfig):
            if not part.isdigit() or int(part) >= len(node):
                return False
            node = node[int(part)]
        else:
            return False
    return True


def apply_overrides(cfg, overrides: Sequence[str], config_file: str = "<config>"):
    """Apply `key=value` overrides like `LazyConfig.apply_overrides`, but reject unknown keys.

    A key prefixed with `+` (`+train.new_key=1`) is created on purpose, as in Hydra.
    Raises:
        ConfigKeyError: naming the unknown key, the config file and the closest existing keys.
    """
    overrides = list(overrides or [])
    checked = []
    for ov in overrides:
        if "=" not in ov:
            raise ValueError(f"override {ov!r} is not of the form key=value")
        key, value = ov.split("=", 1)
        if key.startswith("+"):
            checked.append(f"{key[1:]}={value}")
            continue
        if not _has_key(cfg, key):
            close = difflib.get_close_matches(key, _all_keys(cfg), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ConfigKeyError(
                f"unknown config key '{key}' in override '{ov}' for {config_file}{hint} "
                f"(prefix it with '+' to create a new key on purpose)"
            )
        checked.append(ov)
    return LazyConfig.apply_overrides(cfg, checked)


def load_config(config_file: str, overrides: Sequence[str] = ()):
    """`LazyConfig.load(config_file)` followed by validated `apply_overrides`."""
    cfg = LazyConfig.load(config_file)
    return apply_overrides(cfg, overrides, config_file)

"""`python -m labeleff.d2_compat [--install-shim] [--report]`: set up and show Detectron2's `_C`.

--install-shim writes `_C.py` into the installed detectron2 package, re-exporting
`labeleff.d2_compat._C_fallback`, so that `import detectron2.layers` in a fresh interpreter works
without importing labeleff first. It does nothing when a compiled `_C` for this Python sits in the
package (Python prefers an extension module over a `.py` of the same name, so the shim can never
shadow a native build) or when a shim is already there. Remove it by deleting that `_C.py`.
--report (the default) prints the Detectron2 version, its path and whether `_C` is native or the
fallback.
"""

import argparse
import importlib.machinery
import importlib.util
import os
import sys

SHIM_MARKER = "# labeleff d2_compat shim"
SHIM_SOURCE = f"""{SHIM_MARKER}: pure-PyTorch stand-in for Detectron2's compiled extension.
# Written by `python -m labeleff.d2_compat --install-shim`; delete this file to remove it.
IS_FALLBACK = True  # read by labeleff.d2_compat.ensure_c_ops while this module is importing
import sys

from labeleff.d2_compat import _C_fallback, ensure_c_ops

ensure_c_ops()
sys.modules[__name__] = _C_fallback
"""


def detectron2_dir():
    spec = importlib.util.find_spec("detectron2")
    if spec is None or spec.origin is None:
        raise SystemExit("detectron2 is not installed: run `make setup` (scripts/setup_env.sh)")
    return os.path.dirname(spec.origin)


def native_extension(package_dir):
    """Path of a compiled `_C` this interpreter would load from `package_dir`, or None."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(package_dir, "_C" + suffix)
        if os.path.exists(path):
            return path
    return None


def install_shim(package_dir=None):
    """Write the `_C.py` shim into `package_dir` (default: the installed detectron2) if needed.

    Returns a one-line description of what was done.
    """
    package_dir = package_dir or detectron2_dir()
    shim = os.path.join(package_dir, "_C.py")
    native = native_extension(package_dir)
    if native:
        return f"compiled extension present ({native}): no shim needed"
    if os.path.exists(shim):
        with open(shim) as f:
            ours = f.read().startswith(SHIM_MARKER)
        if ours:
            return f"shim already installed: {shim}"
        return f"{shim} exists and was not written by labeleff: left alone"
    tmp = shim + ".tmp"
    with open(tmp, "w") as f:
        f.write(SHIM_SOURCE)
    os.replace(tmp, shim)
    importlib.invalidate_caches()
    return f"shim installed: {shim}"


def report():
    """Lines describing the Detectron2 in use and its `_C`."""
    from . import ensure_c_ops

    package_dir = detectron2_dir()
    native = ensure_c_ops()
    import detectron2

    c_module = sys.modules["detectron2._C"]
    if native:
        kind = f"native ({c_module.__file__})"
    else:
        shim = os.path.join(package_dir, "_C.py")
        where = f"shim {shim}" if os.path.exists(shim) else "no shim: only after `import labeleff`"
        broken = native_extension(package_dir)
        if broken:
            where += f"; the compiled {broken} failed to import"
        kind = f"pure-PyTorch fallback labeleff.d2_compat._C_fallback ({where})"
    return [
        f"detectron2 {detectron2.__version__} @ {package_dir}",
        f"detectron2._C: {kind}",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m labeleff.d2_compat", description=__doc__)
    parser.add_argument("--install-shim", action="store_true", help="write detectron2/_C.py")
    parser.add_argument("--report", action="store_true", help="print which detectron2/_C is used")
    args = parser.parse_args(argv)
    if args.install_shim:
        print("[d2_compat]", install_shim())
    if args.report or not args.install_shim:
        for line in report():
            print("[d2_compat]", line)


if __name__ == "__main__":
    main()

"""Exact --resume through tools/train_net.py's main for the MIC and PS-MT demo configs (Soft
Teacher's, with a real SIGTERM, is in tests/test_reliability_training.py): resuming 2N iterations
from the checkpoint of iteration N - 1 gives every tensor (teachers, student, domain heads) of an
uninterrupted 2N-iteration run."""

import os
import shutil

import pytest
import torch

from labeleff.engine.train_net import main, parse_args

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMON = [
    "train.max_iter=6",
    "train.checkpointer.period=3",
    "train.eval_period=0",
    "train.log_period=1",
    "train.vis_period=0",
    "dataloader.evaluator=null",
]
CONFIGS = {
    # untrained teacher: accept its detections, so the masked-view loss is on from step 0
    "mic_uda/demo_cpu.py": ["model.score_threshold=0.0"],
    "ps_mt/demo_cpu.py": ["model.teacher_period=2"],  # the teachers alternate within the run
}


def _run(config, out, *flags):
    args = [*flags, "--config-file", os.path.join(REPO, "configs", config)]
    return main(parse_args(args + COMMON + CONFIGS[config] + [f"train.output_dir={out}"]))


@pytest.mark.slow
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_resume_from_a_mid_run_checkpoint_is_exact(config, tmp_path, monkeypatch):
    monkeypatch.setenv("LABELEFF_DATASETS", str(tmp_path / "datasets"))
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    _run(config, straight)
    resumed.mkdir()
    shutil.copy(straight / "model_0000002.pth", resumed / "model_0000002.pth")
    (resumed / "last_checkpoint").write_text("model_0000002.pth")
    _run(config, resumed, "--resume")
    a = torch.load(straight / "model_final.pth", weights_only=False)["model"]
    b = torch.load(resumed / "model_final.pth", weights_only=False)["model"]
    mid = torch.load(straight / "model_0000002.pth", weights_only=False)["model"]
    assert any(k.startswith("teacher") for k in a) and a.keys() == b.keys()
    # the run moved after the checkpoint (else equality would say nothing)
    assert any(not torch.equal(a[k], mid[k]) for k in a if k.startswith("teacher"))
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]

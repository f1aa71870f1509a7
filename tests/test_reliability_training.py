"""Training survives non-finite losses, disk errors keep the previous checkpoint, SIGTERM stops with
a checkpoint that --resume continues exactly; all through tools/train_net.py."""

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from detectron2.modeling import GeneralizedRCNN
from detectron2.utils.events import EventStorage
from reliability_helpers import REPO, SMALL, TINY

from labeleff.engine.nonfinite import GuardedSimpleTrainer
from labeleff.engine.train_net import main, parse_args
from labeleff.projects.teacher_student.ema import EMAHook
from labeleff.stops import NonFiniteTraining


def _run(out, *extra):
    return main(parse_args(["--config-file", TINY, *SMALL, f"train.output_dir={out}", *extra]))


def _poison_forward(monkeypatch, nan_calls=(), raise_calls=()):
    """GeneralizedRCNN training forwards number k in `nan_calls` return a NaN loss_cls, those in
    `raise_calls` raise the RPN's FloatingPointError."""
    original = GeneralizedRCNN.forward
    count = {"n": 0}

    def forward(self, batched_inputs):
        out = original(self, batched_inputs)
        if self.training:
            k = count["n"]
            count["n"] += 1
            if k in raise_calls:
                raise FloatingPointError("Predicted boxes or scores contain Inf/NaN.")
            if k in nan_calls:
                out = dict(out, loss_cls=out["loss_cls"] * float("nan"))
        return out

    monkeypatch.setattr(GeneralizedRCNN, "forward", forward)


def test_nonfinite_steps_are_skipped_and_counted(tmp_path, monkeypatch):
    _poison_forward(monkeypatch, nan_calls=(2,), raise_calls=(4,))
    out = tmp_path / "run"
    _run(out, "train.max_iter=6")
    rows = [json.loads(line) for line in open(out / "metrics.json")]
    skipped = {r["iteration"]: r["train/skipped_nonfinite"] for r in rows if "total_loss" in r}
    assert skipped[1] == 0 and skipped[5] == 2  # iterations 2 and 4 skipped, training went on
    assert os.path.isfile(out / "model_final.pth")


def test_consecutive_nonfinite_steps_stop_and_keep_the_last_checkpoint(tmp_path, monkeypatch):
    _poison_forward(monkeypatch, nan_calls=range(3, 100))
    out = tmp_path / "run"
    with pytest.raises(NonFiniteTraining) as e:
        _run(
            out,
            "train.max_iter=20",
            "train.checkpointer.period=1",
            "train.checkpointer.max_to_keep=100",
        )
    msg = str(e.value)
    assert "5 consecutive steps (iterations 3-7)" in msg and "loss_cls" in msg
    # no checkpoint for the stop itself; the ones written during the streak hold the weights of
    # the last good step (2): skipped steps moved no parameter (SGD momentum + weight decay)
    assert open(out / "last_checkpoint").read() == "model_0000006.pth"
    last_good = torch.load(out / "model_0000002.pth", weights_only=False)["model"]
    before = torch.load(out / "model_0000001.pth", weights_only=False)["model"]
    for i in (3, 6):
        state = torch.load(out / f"model_{i:07d}.pth", weights_only=False)["model"]
        diff = [k for k in state if not torch.equal(state[k], last_good[k])]
        assert not diff, diff[:8]
    assert not all(torch.equal(before[k], last_good[k]) for k in before)  # step 2 did train


class _Quadratic(torch.nn.Module):
    """loss = (w - 1)^2, NaN on the calls listed in `nan_at`."""

    def __init__(self, nan_at=()):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(3))
        self.nan_at, self.calls = set(nan_at), 0

    def forward(self, data):
        loss = ((self.w - 1) ** 2).sum()
        self.calls += 1
        return {"loss": loss * float("nan") if self.calls - 1 in self.nan_at else loss}


def test_skipped_step_changes_no_parameter_and_no_momentum():
    model = _Quadratic(nan_at={2})
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=0.1)
    trainer = GuardedSimpleTrainer(model, [[{}]] * 100, opt)
    history = []

    class Record:  # after each step: parameter and momentum buffer
        def after_step(self):
            buf = opt.state[model.w].get("momentum_buffer")
            history.append((model.w.detach().clone(), None if buf is None else buf.clone()))

    with EventStorage(0) as trainer.storage:
        trainer.iter = 0
        trainer.before_train()
        for trainer.iter in range(4):
            trainer.run_step()
            Record().after_step()
            assert trainer.last_step_skipped == (trainer.iter == 2)
        trainer.after_train()
    assert torch.equal(history[2][0], history[1][0]) and torch.equal(history[2][1], history[1][1])
    assert not torch.equal(history[3][0], history[2][0])  # training went on after the skip
    assert trainer.skipped_nonfinite == 1


def test_ema_teacher_does_not_move_after_a_skipped_step():
    class Model(torch.nn.Module):
        burn_in_iters = 0

        def __init__(self):
            super().__init__()
            self.updates = []

        def update_teacher(self, m, iteration, buffers):
            self.updates.append(iteration)

        def iters_since_burn_in(self, iteration):
            return iteration

        def teachers(self):
            return []

    class Trainer:
        model, storage, last_step_skipped = Model(), EventStorage(0), False

    hook = EMAHook(momentum=0.9)
    hook.trainer = Trainer()
    for it, skipped in enumerate([False, True, False]):
        hook.trainer.iter, hook.trainer.last_step_skipped = it, skipped
        hook.after_step()
    assert hook.trainer.model.updates == [0, 2]


def test_failing_checkpoint_write_keeps_the_previous_one(tmp_path, monkeypatch):
    import labeleff.checkpoint as ck

    saves = {"n": 0}
    real_save = torch.save

    def save(obj, f, *a, **k):
        saves["n"] += 1
        if saves["n"] == 2:
            f.write(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_save(obj, f, *a, **k)

    monkeypatch.setattr(ck.torch, "save", save)
    out = tmp_path / "run"
    with pytest.raises(OSError) as e:
        _run(out, "train.max_iter=6", "train.checkpointer.period=2")
    msg = str(e.value)
    assert e.value.errno == errno.ENOSPC
    assert str(out / "model_0000003.pth") in msg and "model_0000001.pth" in msg
    assert open(out / "last_checkpoint").read() == "model_0000001.pth"
    assert sorted(p.name for p in out.iterdir() if p.suffix in (".pth", ".tmp")) == [
        "model_0000001.pth"
    ]
    assert "model" in torch.load(out / "model_0000001.pth", weights_only=False)


ST_DEMO = os.path.join(REPO, "configs/soft_teacher/demo_cpu.py")
ST_SMALL = [
    "train.max_iter=8",
    "model.burn_in_iters=3",
    "train.log_period=1",
    "train.checkpointer.period=100",
    "train.vis_period=0",
    "train.eval_period=0",
    "dataloader.evaluator=null",
    "train.hooks.1.period=1000",
]


def _train_net(out, *flags, wait=True, **kw):
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools/train_net.py"),
        "--config-file",
        ST_DEMO,
        *flags,
        *ST_SMALL,
        f"train.output_dir={out}",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw
    )
    if wait:
        log = p.communicate(timeout=900)[0]
        return p.returncode, log
    return p


def _iterations_done(out):
    try:
        return [json.loads(line)["iteration"] for line in open(os.path.join(out, "metrics.json"))]
    except (OSError, ValueError):
        return []


@pytest.mark.slow
def test_sigterm_checkpoints_and_resume_is_exact(tmp_path):
    """SIGTERM mid-run: exit 143 after a checkpoint; --resume to 2N gives the weights (teacher and
    student) of an uninterrupted 2N run."""
    straight, stopped = tmp_path / "straight", tmp_path / "stopped"
    rc, log = _train_net(straight)
    assert rc == 0, log[-3000:]
    p = _train_net(stopped, wait=False)
    while not any(i >= 4 for i in _iterations_done(stopped)):  # past burn-in: teacher moving
        assert p.poll() is None, p.stdout.read()[-3000:]
        time.sleep(0.2)
    sent = time.time()
    p.send_signal(signal.SIGTERM)
    log = p.communicate(timeout=300)[0]
    print(f"SIGTERM to exit: {time.time() - sent:.1f} s")
    assert p.returncode == 128 + signal.SIGTERM, log[-3000:]
    stop_iter = max(_iterations_done(stopped))
    assert f"stopped by SIGTERM after iteration {stop_iter}" in log
    assert stop_iter < 7 and (stopped / f"model_{stop_iter:07d}.pth").is_file()
    rc, log = _train_net(stopped, "--resume")
    assert rc == 0, log[-3000:]
    assert f"Starting training from iteration {stop_iter + 1}" in log
    a = torch.load(straight / "model_final.pth", weights_only=False)["model"]
    b = torch.load(stopped / "model_final.pth", weights_only=False)["model"]
    assert any(k.startswith("teacher") for k in a) and a.keys() == b.keys()
    different = [k for k in a if not torch.equal(a[k], b[k])]
    assert not different, different[:5]


@pytest.mark.slow
def test_sigterm_under_two_gloo_processes_stops_both_at_one_iteration(tmp_path):
    out = tmp_path / "ddp"
    cmd = [
        sys.executable,
        os.path.join(REPO, "tools/train_net.py"),
        "--config-file",
        TINY,
        "--num-gpus",
        "2",
        "--dist-url",
        "tcp://127.0.0.1:29533",
        *SMALL,
        f"train.output_dir={out}",
        "train.max_iter=200",
        "train.checkpointer.period=1000",
    ]
    p = subprocess.Popen(
        cmd,
        cwd=REPO,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    while not any(i >= 2 for i in _iterations_done(out)):
        assert p.poll() is None, p.stdout.read()[-3000:]
        time.sleep(0.2)
    p.send_signal(signal.SIGTERM)  # to the launcher only: it forwards to both ranks
    log = p.communicate(timeout=300)[0]
    assert p.returncode == 128 + signal.SIGTERM, log[-3000:]
    stops = {
        line.split("after iteration ")[1].split(";")[0]
        for line in log.splitlines()
        if "stopped by SIGTERM after iteration" in line
    }
    assert len(stops) == 1, log[-3000:]  # both ranks: the same iteration
    (it,) = stops
    assert sorted(x.name for x in out.glob("*.pth")) == [f"model_{int(it):07d}.pth"]


def test_read_only_output_folder_names_the_file_and_keeps_the_previous(tmp_path, monkeypatch):
    import labeleff.utils as utils

    calls = {"n": 0}
    real_mkstemp = utils.tempfile.mkstemp

    def mkstemp(*a, **k):  # root ignores chmod, so the read-only folder is simulated here
        if k.get("suffix") == ".tmp" and "model_" in k.get("prefix", ""):
            calls["n"] += 1
            if calls["n"] == 2:
                raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkstemp(*a, **k)

    monkeypatch.setattr(utils.tempfile, "mkstemp", mkstemp)
    out = tmp_path / "run"
    with pytest.raises(PermissionError) as e:
        _run(out, "train.max_iter=6", "train.checkpointer.period=2")
    assert str(out / "model_0000003.pth") in str(e.value) and "model_0000001.pth" in str(e.value)
    assert open(out / "last_checkpoint").read() == "model_0000001.pth"

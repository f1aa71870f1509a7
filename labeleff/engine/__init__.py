"""The one training / evaluation entry point shared by every project."""

from .train_net import build_trainer, do_test, do_train, main, parse_args

"""Alternating EMA of PS-MT's two teachers: one teacher follows the student per period."""

__all__ = ["active_teacher_index"]


def active_teacher_index(step: int, period: int, num_teachers: int = 2) -> int:
    """Index of the teacher updated at EMA step `step` (0-based): the official trainer updates
    teacher 1 in odd epochs and teacher 2 in even ones (`curr_id = 1 if epoch % 2 != 0 else 2`),
    i.e. teachers take turns, one `period` (an epoch of unlabeled iterations) each, first one first.
    """
    if period <= 0:
        raise ValueError(
            f"teacher update period must be a positive number of iterations, got {period}"
        )
    return (int(step) // int(period)) % num_teachers

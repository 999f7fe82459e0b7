"""The fairness figures of a teams manifest, as one line for operators (`dualrandom assign`)."""

from __future__ import annotations

from typing import Any

__all__ = ["describe_fairness"]


def describe_fairness(figures: dict[str, Any]) -> str:
    """One line for operators from a teams manifest's ``fairness`` block.

    The chances (max/min chance ratio among the officers eligible for one target, the largest
    pair probability, the entropy of the design) when they are known, else why not; then the
    repeated officer pairs.
    """
    repeated = figures["officer_pairs_repeated"]
    repeats = f"{repeated} of {figures['officer_pairs']} officer pair(s) repeated"
    if repeated:
        repeats += f" (at most {figures['officer_pair_max_repeats']} times)"
    chances = str(figures.get("chances", ""))
    if figures.get("max_probability") is None:
        return f"chances {chances}; {repeats}"
    ratio = figures["chance_ratio_max"]
    shown = "inf (an eligible officer has probability 0)" if ratio is None else f"{ratio:.3f}"
    return (
        f"chances {chances.split(':')[0]}: max/min chance ratio {shown} on {figures['targets_checked']} "
        f"(target, department) slot(s), {figures['targets_unequal']} above {figures['chance_tolerance']}; "
        f"max pair probability {figures['max_probability']:.3f}, entropy {figures['entropy']:.2f}; {repeats}"
    )

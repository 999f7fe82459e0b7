"""Equal chances: every eligible officer gets the same published probability, and the draws realise it."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dualrandom.assign import assign_teams, ensure_teams, verify_teams
from dualrandom.assign.marginals import MarginalDraw, draw_from_marginals
from dualrandom.models import TeamRules

RULES = TeamRules(rotation_campaigns=0, mode="marginals", pair_cap=0.7, experts=1)
SEEDS = 2000
FAMILY_ALPHA = 0.001  # 99.9 % family-wise; Bonferroni over every published pair, two-sided


def code(i: int) -> str:
    return f"{i:015d}"


def city() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two departments (D initiates the joint targets), 属地 divisions, conflicts and experts."""
    sample = pd.DataFrame(
        {
            "uscc": [code(t) for t in range(12)],
            "task_id": "T",
            "departments": ["D;F" if t % 3 == 0 else "D" for t in range(12)],
            "division": [f"42060{t % 3}" for t in range(12)],
        }
    )
    roster = pd.DataFrame(
        {
            "inspector_id": [f"d{i}" for i in range(6)] + [f"f{i}" for i in range(4)] + ["x0", "x1", "x2"],
            "name": "n",
            "department": ["D"] * 6 + ["F"] * 4 + ["F"] * 3,
            "home_division": ["420600", "420601", "", "", "", "", "420602", "", "", "", "", "", ""],
            "expert": [False] * 10 + [True] * 3,
        }
    )
    conflicts = pd.DataFrame(
        {
            "inspector_id": ["d2", "d3", "f1", "x0"],
            "uscc": [code(1), code(1), code(6), code(2)],
            "reason": "r",
        }
    )
    return sample, roster, conflicts


def eligible_sets(sample: pd.DataFrame, roster: pd.DataFrame, conflicts: pd.DataFrame) -> dict:
    """(uscc, pool) -> officers the rules allow, written out independently of the library."""
    banned = set(zip(conflicts.inspector_id, conflicts.uscc, strict=True))
    out: dict[tuple[str, str], set[str]] = {}
    for row in sample.itertuples(index=False):
        for person in roster.itertuples(index=False):
            pool = "*" if person.expert else person.department
            if not person.expert and person.department not in row.departments.split(";"):
                continue
            if (person.inspector_id, row.uscc) in banned or person.home_division == row.division:
                continue
            out.setdefault((row.uscc, pool), set()).add(person.inspector_id)
    return out


def test_every_eligible_officer_gets_the_same_published_chance() -> None:
    sample, roster, conflicts = city()
    result = assign_teams(sample, roster, conflicts, RULES, "chances")
    x = result.marginals
    assert x is not None
    x = x.assign(pool=np.where(x.role == "expert", "*", x.department))
    published = {
        key: dict(zip(g.inspector_id, g.probability, strict=True)) for key, g in x.groupby(["uscc", "pool"])
    }
    expected = eligible_sets(sample, roster, conflicts)
    assert {k: set(v) for k, v in published.items()} == expected  # nobody eligible is left at 0
    for (uscc, pool), chances in published.items():
        seats = (
            1 if pool in ("*", "F") else (1 if uscc in set(sample.uscc[sample.departments == "D;F"]) else 2)
        )
        assert sum(chances.values()) == pytest.approx(seats)
        assert max(chances.values()) / min(chances.values()) <= 1.0005  # k/E up to 1/10,000 units
        assert max(chances.values()) == pytest.approx(seats / len(chances), abs=1e-4)
    fairness = result.manifest["fairness"]
    assert fairness["chance_ratio_max"] <= 1.05 and fairness["zero_probability_pairs"] == 0
    assert fairness["max_probability"] <= 0.7 and fairness["targets_unequal"] == 0
    # the marginals do not depend on the seed: they can be published before it is drawn
    other = assign_teams(sample, roster, conflicts, RULES, "another seed").marginals
    pd.testing.assert_frame_equal(result.marginals, other)


def test_anyone_can_redraw_the_teams_from_the_published_marginals_and_the_seed() -> None:
    sample, roster, conflicts = city()
    published = assign_teams(sample, roster, conflicts, RULES, "s0").marginals
    assert published is not None
    for k in range(8):
        teams = assign_teams(sample, roster, conflicts, RULES, f"s{k}").teams
        pd.testing.assert_frame_equal(teams, draw_from_marginals(published, f"s{k}"))
        ensure_teams(teams, sample, roster, conflicts, RULES, seed=f"s{k}")


def test_two_thousand_seeds_realise_every_published_probability() -> None:
    # Each pair's count over SEEDS draws is Binomial(SEEDS, p) with p the published probability.
    # The exact binomial band for each pair is at level 1 - FAMILY_ALPHA / pairs (Bonferroni), so the
    # chance that any of the pairs falls outside by luck is at most 0.1 %; the seeds are fixed, so the
    # test is deterministic. Every draw must also fill every seat and keep loads within one of E[load].
    sample, roster, conflicts = city()
    published = assign_teams(sample, roster, conflicts, RULES, "stats").marginals
    assert published is not None
    draw = MarginalDraw(published)
    rows = draw.rows
    p = rows.probability.to_numpy(dtype=np.float64)
    slot = pd.MultiIndex.from_frame(rows[["_pool", "uscc", "task_id"]]).factorize()[0]
    seats = np.bincount(slot, weights=p)
    officer = pd.factorize(rows.inspector_id)[0]
    expected_load = np.bincount(officer, weights=p)
    counts = np.zeros(len(rows), dtype=np.int64)
    for k in range(SEEDS):
        chosen = draw.chosen(f"seed-{k}")
        assert np.array_equal(np.bincount(slot[chosen], minlength=len(seats)), np.rint(seats))
        load = np.bincount(officer[chosen], minlength=len(expected_load))
        assert (load >= np.floor(expected_load - 1e-9)).all() and (
            load <= np.ceil(expected_load + 1e-9)
        ).all()
        counts += chosen
    alpha = FAMILY_ALPHA / len(p)
    low, high = stats.binom.ppf(alpha / 2, SEEDS, p), stats.binom.isf(alpha / 2, SEEDS, p)
    outside = (counts < low) | (counts > high)
    assert not outside.any(), rows.assign(seen=counts / SEEDS)[outside]
    # the realised chances are equal too: within each (target, pool) the spread is sampling noise only
    frequency = counts / SEEDS
    for key in np.unique(slot):
        here = slot == key
        assert np.abs(frequency[here] - p[here]).max() < 5 * np.sqrt(p[here] * (1 - p[here]) / SEEDS).max()


def test_caps_that_bind_keep_every_eligible_officer_above_zero_and_under_q() -> None:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(10)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame(
        {
            "inspector_id": [f"o{i}" for i in range(5)],
            "name": "n",
            "department": "D",
            "max_targets": [1, 2, None, None, None],
        }
    )
    rules = TeamRules(rotation_campaigns=0, mode="marginals", pair_cap=0.6, local_recusal=False)
    result = assign_teams(sample, roster, None, rules, "caps")
    x = result.marginals
    assert x is not None and len(x) == 50 and (x.probability > 0).all() and (x.probability <= 0.6).all()
    load = x.groupby("inspector_id").probability.sum()
    assert load["o0"] <= 1 + 1e-9 and load["o1"] <= 2 + 1e-9
    # the three uncapped officers are alike, and get alike chances on every target
    free = x[x.inspector_id.isin(["o2", "o3", "o4"])].groupby("uscc").probability
    assert (free.max() / free.min()).max() <= 1.05
    assert (
        result.manifest["fairness"]["targets_unequal"] == 10
    )  # the capped officers' lower chances, reported
    teams = result.teams
    assert Counter(teams.inspector_id)["o0"] <= 1 and Counter(teams.inspector_id)["o1"] <= 2


def test_fairness_toolkit_reports_equal_chances_for_the_published_marginals() -> None:
    from dualrandom.fairness.inspectors import chance_summary, eligible_pairs, with_marginals

    sample, roster, conflicts = city()
    published = assign_teams(sample, roster, conflicts, RULES, "toolkit").marginals
    assert published is not None
    pairs = eligible_pairs(sample, roster, conflicts, RULES)
    summary = chance_summary(with_marginals(pairs, published))
    assert summary["zero_probability_pairs"] == 0 and summary["targets_unequal"] == 0
    assert summary["chance_ratio_max"] is not None and summary["chance_ratio_max"] <= 1.0005
    assert summary["max_probability"] == pytest.approx(
        published[published.role == "officer"].probability.max()
    )
    # a design that leaves an eligible officer out is reported as such, not as a finite ratio
    dropped = published[~((published.uscc == code(0)) & (published.inspector_id == "d1"))]
    worse = chance_summary(with_marginals(pairs, dropped))
    assert worse["chance_ratio_max"] is None and worse["zero_probability_pairs"] == 1


def test_fast_mode_balancing_chances_gives_each_eligible_officer_k_over_e() -> None:
    # o0..o2 may inspect every target, o3..o5 only the last four: equal loads would send o0..o2 to
    # the first eight targets far more often than 2/3, equal chances send each eligible officer to
    # each target with probability k/E (2/3 on the first eight, 2/6 on the last four).
    sample = pd.DataFrame({"uscc": [code(t) for t in range(12)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": [f"o{i}" for i in range(6)], "name": "n", "department": "D"})
    banned = [(f"o{i}", code(t)) for i in range(3, 6) for t in range(8)]
    conflicts = pd.DataFrame(
        {"inspector_id": [o for o, _ in banned], "uscc": [u for _, u in banned], "reason": "r"}
    )
    for balance, fair, seeds in (("chances", True, 250), ("loads", False, 60)):
        rules = TeamRules(
            rotation_campaigns=0,
            local_recusal=False,
            balance=balance,  # type: ignore[arg-type]
            avoid_repeat_pairs=False,
        )
        seen: Counter[tuple[str, str]] = Counter()
        for k in range(seeds):
            teams = assign_teams(sample, roster, conflicts, rules, f"b{k}").teams
            seen.update(zip(teams.uscc, teams.inspector_id, strict=True))
        pairs = [(code(t), f"o{i}") for t in range(12) for i in range(6) if (f"o{i}", code(t)) not in banned]
        p = np.array([2 / 3 if int(u) < 8 else 2 / 6 for u, _ in pairs])
        hits = np.array([seen[pair] for pair in pairs])
        alpha = FAMILY_ALPHA / len(pairs)
        inside = (hits >= stats.binom.ppf(alpha / 2, seeds, p)) & (
            hits <= stats.binom.isf(alpha / 2, seeds, p)
        )
        assert inside.all() == fair, (balance, hits / seeds)


@pytest.mark.parametrize("balance", ["chances", "loads"])
def test_avoiding_repeat_pairs_keeps_loads_and_rules_and_repeats_less(balance: str) -> None:
    sample = pd.DataFrame({"uscc": [code(t) for t in range(60)], "task_id": "T", "departments": "D"})
    roster = pd.DataFrame({"inspector_id": [f"o{i}" for i in range(12)], "name": "n", "department": "D"})
    conflicts = pd.DataFrame(
        {"inspector_id": ["o0", "o1", "o2"], "uscc": [code(0), code(0), code(5)], "reason": "r"}
    )
    default = TeamRules(rotation_campaigns=0, local_recusal=False)
    assert not default.avoid_repeat_pairs and default.balance == "chances"  # swaps shift chances
    spread = default.model_copy(update={"balance": balance, "avoid_repeat_pairs": True})
    plain = spread.model_copy(update={"avoid_repeat_pairs": False})
    before, after = 0, 0
    for k in range(5):
        first = assign_teams(sample, roster, conflicts, plain, f"rep{k}")
        second = assign_teams(sample, roster, conflicts, spread, f"rep{k}")
        assert Counter(first.teams.inspector_id) == Counter(second.teams.inspector_id)  # loads unchanged
        assert verify_teams(second.teams, sample, roster, conflicts, spread, seed=f"rep{k}").ok
        before += first.manifest["fairness"]["officer_pairs_repeated"]
        after += second.manifest["fairness"]["officer_pairs_repeated"]
        assert (
            second.manifest["fairness"]["officer_pair_max_repeats"]
            <= first.manifest["fairness"]["officer_pair_max_repeats"]
        )
    # 60 teams of 2 from 12 officers (66 possible pairs): a random draw repeats about a dozen pairs.
    # Measured over these 5 seeds: equal chances 69 -> 27 (its binomial loads force some repeats:
    # an officer with 15 targets has only 11 partners), equal loads 73 -> 0.
    assert before >= 50, before
    assert after <= (before * 2) // 5 if balance == "chances" else after <= before // 5, (before, after)


def test_an_id_that_sorts_first_gains_nothing_from_the_repeat_swaps() -> None:
    # Attack: pick an inspector_id that sorts first, hoping the swaps favour it. Swaps walking
    # targets and officers in id order move the later id of a repeated pair out, towards later
    # targets; the keyed order (pair-cost keys) moves ids alike. Each of 400 replicates draws a
    # uniform 2 of 12 per target (what the flow picks with no cap), then swaps; we count how often
    # the six first and the six last ids sit on the first 20 of 60 targets.
    from dualrandom.assign.repeats import spread_pairs

    slots, members, replicates = 60, 12, 400
    slot = np.repeat(np.arange(slots), members).astype(np.int32)
    member = np.tile(np.arange(members), slots).astype(np.int32)
    rng = np.random.default_rng(2026)
    gap: dict[bool, float] = {}
    for keyed in (False, True):
        early = np.zeros(members)
        for _ in range(replicates):
            picked = np.zeros((slots, members), dtype=bool)
            np.put_along_axis(picked, np.argsort(rng.random((slots, members)), axis=1)[:, :2], True, axis=1)
            ranks = (rng.permutation(slots), rng.permutation(members)) if keyed else (None, None)
            swapped = spread_pairs(slot, member, picked.ravel(), *ranks).reshape(slots, members)
            early += swapped[:20].sum(axis=0)
        trials = replicates * 20 * 6
        first, last = early[:6].sum() / trials, early[6:].sum() / trials
        gap[keyed] = (first - last) / np.sqrt(2 * (2 / 12) * (10 / 12) / trials)  # in standard errors
    assert gap[False] > 3  # id order: the first ids stay on the early targets more often (4.8 SE here)
    assert abs(gap[True]) < 2  # keyed order: no difference beyond sampling noise (0.5 SE here)

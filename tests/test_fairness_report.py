"""The report and the `dualrandom fairness` command: exit codes, exact errors, a real small run."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pandas as pd
from click.testing import CliRunner

from dualrandom.cli import main
from dualrandom.fairness import (
    RatioSampler,
    classified_city,
    coordination_study,
    design_probabilities,
    disparity,
    fairness_report,
    inclusion_study,
    plot_burden,
    plot_coordination,
    plot_disparity,
    plot_inclusion,
)
from dualrandom.fairness.burden import burden_summary, cap_effect, entity_burden
from dualrandom.models import Sampling, load_campaign

matplotlib.use("Agg")

CAMPAIGN = Path(__file__).parents[1] / "examples" / "campaign.toml"
RATIOS = {"A": 0.05, "B": 0.1, "C": 0.2, "D": 0.4}


def test_missing_campaign_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["fairness", str(tmp_path / "none.toml"), "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 1
    assert result.output == f"Error: {tmp_path / 'none.toml'}: campaign file not found\n"


def test_roster_without_tiers_is_refused(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("uscc,name\n91350100M000100Y43,甲公司\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["fairness", str(CAMPAIGN), "--roster", str(roster), "-o", str(tmp_path / "r.html")]
    )
    assert result.exit_code == 2
    assert result.output == (
        "Error: 1 problem(s) found:\n"
        f"  - {roster}, row 1, column 'tier': the entities table needs this column; "
        "found: uscc, name [COLUMN_MISSING]\n"
    )
    assert not (tmp_path / "r.html").exists()


def test_small_synthetic_run_writes_a_self_contained_page(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    args = ["fairness", str(CAMPAIGN), "-o", str(out), "--seeds", "12", "--team-seeds", "3"]
    args += ["--coordination-seeds", "3", "--city-entities", "400", "--processes", "1", "--seed", "cli"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"wrote {out}: inclusion test ")
    # the fairness figures of one real assignment (default rules: equal chances, k/E on every pair)
    assert lines[1].startswith("one assignment: chances k/E: max/min chance ratio 1.000 on ")
    assert "max pair probability " in lines[1] and ", entropy " in lines[1]
    assert lines[2].startswith("officers' chances over 3 seeds: ")
    page = out.read_text(encoding="utf-8")
    assert "chance_ratio_max" in page and "entropy" in page
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', page)) == 5
    assert "Internal: this report shows credit-risk tiers" in page
    # no entity is named next to its tier: no roster code appears on the page
    codes = classified_city(400, seed="cli").entities["uscc"]
    assert not any(code in page for code in codes)


def test_report_on_a_given_roster_notes_what_it_could_not_run() -> None:
    roster = classified_city(300, seed="given").entities
    report = fairness_report(load_campaign(CAMPAIGN), roster, seeds=4, coordination_seeds=2, seed="given")
    assert not report.synthetic and report.entities == 300
    assert report.officers is None
    assert report.notes["officers"] == "no inspector roster: officer study not run"
    assert report.notes["burden"] == "no inspection history: past burden not measured"
    assert report.inclusion.replicates == 4 and report.coordination is not None
    assert "no inspector roster" in report.html()


def test_every_study_plots() -> None:
    city = classified_city(400, seed="plots")
    roster = city.entities
    design = design_probabilities(roster, Sampling(ratios=RATIOS))
    study = inclusion_study(RatioSampler(roster, RATIOS), design, replicates=5)
    figures = [
        plot_inclusion(study),
        plot_disparity(disparity(study.entities, roster), "division"),
        plot_coordination(coordination_study(roster, RATIOS, replicates=2)),
        plot_burden(
            burden_summary(entity_burden(city.history, roster, as_of=city.as_of)),
            cap_effect(roster, load_campaign(CAMPAIGN), start=city.as_of),
        ),
    ]
    for figure in figures:
        assert figure.axes
        figure.savefig(Path("/dev/null"), format="png")


def test_classified_city_is_reproducible() -> None:
    one = classified_city(300, seed="same").entities
    two = classified_city(300, seed="same").entities
    pd.testing.assert_frame_equal(one, two)
    assert set(one["tier"]) <= {"A", "B", "C", "D"}
    assert one["tier"].nunique() >= 3

"""Hostile input to every recording command: a clear error, exit 1 or 2, nothing written.

A table of what operators and attackers actually hand the command line (encodings, line
endings, truncated and binary files, huge fields, wrong suffixes, symlinks, folders, malformed
bundles, full and read-only disks), each run against a campaign that has been through every
step. After each one: no traceback, the files are as they were, the ledger holds the same
records.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from _campaign import SEED, CampaignFiles, Operator, campaign_files, ledger_kinds, write_results

Case = Callable[[CampaignFiles, Path], list[str | Path]]


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> CampaignFiles:
    files = campaign_files(tmp_path_factory.mktemp("hostile"), entities=2_000)
    operator = Operator(files)
    for step in (operator.commit, operator.draw, operator.assign):
        assert step().exit_code == 0
    write_results(files)
    for step in (operator.import_results, operator.publish):
        assert step().exit_code == 0
    return files


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (SQLite's transient -wal/-shm files aside) and its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink() and not p.name.endswith(("-wal", "-shm"))
    }


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def roster_bytes(files: CampaignFiles) -> bytes:
    return files.roster.read_bytes()


def draw_args(files: CampaignFiles, roster: Path | str, *extra: str | Path) -> list[str | Path]:
    return ["draw", roster, "--campaign", files.campaign, "--seed", SEED, "-o", files.folder / "s2.csv",
            "--ledger", files.ledger, *extra]  # fmt: skip


def publish_args(files: CampaignFiles, results: Path, output: Path | None = None) -> list[str | Path]:
    return ["publish", "--campaign", files.campaign, "--sample", files.sample, "--results", results,
            "--roster", files.roster, "--ledger", files.ledger,
            "-o", output or files.folder / "b2"]  # fmt: skip


def results_args(files: CampaignFiles, results: Path) -> list[str | Path]:
    return ["results", "import", results, "--campaign", files.campaign, "--sample", files.sample,
            "--ledger", files.ledger]  # fmt: skip


def _cr_only(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    text = roster_bytes(files).replace(b"\n", b"\r")
    return draw_args(files, write(scratch / "cr.csv", text[: text.index(b"\r", 2000) + 1]))


def _utf16(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    text = roster_bytes(files).decode("utf-8-sig")
    return draw_args(files, write(scratch / "u16.csv", text.encode("utf-16")))


def _truncated(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    data = roster_bytes(files)
    return draw_args(files, write(scratch / "cut.csv", data[: len(data) // 2 + 1]))


def _binary(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return draw_args(files, write(scratch / "bin.csv", bytes(range(256)) * 64))


def _huge_field(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    lines = roster_bytes(files).split(b"\n")
    lines[1] = lines[1] + b"x" * 5_000_000
    return draw_args(files, write(scratch / "huge.csv", b"\n".join(lines)))


def _folder_as_roster(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return draw_args(files, scratch)


def _dangling_symlink(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    link = scratch / "gone.csv"
    link.symlink_to(scratch / "nowhere.csv")
    return draw_args(files, link)


def _output_suffix(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["draw", files.roster, "--campaign", files.campaign, "--seed", SEED, "-o", scratch / "s.json"]


def _gbk_campaign(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    text = files.campaign.read_text(encoding="utf-8")
    gbk = write(scratch / "gbk.toml", text.encode("gbk"))
    return ["commit", files.roster, "-o", scratch / "c.json", "--campaign", gbk, "--ledger", files.ledger]


def _utf16_campaign(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    text = files.campaign.read_text(encoding="utf-8")
    utf16 = write(scratch / "u16.toml", text.encode("utf-16"))
    return ["trigger", _drawn_code(files), "--campaign", utf16, "--department", "SAMR", "--reason", "投诉",
            "--on", "2026-11-20", "--ledger", files.ledger]  # fmt: skip


def _bad_seed(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["draw", files.roster, "--campaign", files.campaign, "--seed", "7392\udcff",
            "-o", scratch / "s.csv", "--ledger", files.ledger]  # fmt: skip


def _spaced_seed(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["assign", files.sample, "--inspectors", files.inspectors, "--campaign", files.campaign,
            "--seed", f" {SEED}", "-o", scratch / "t.csv", "--ledger", files.ledger]  # fmt: skip


def _empty_task_id(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    lines = files.results.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("task_id")] = ""
    bad = write(scratch / "r.csv", "\n".join([lines[0], ",".join(row), *lines[2:]]).encode("utf-8"))
    return results_args(files, bad)


def _results_garbage(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return results_args(files, write(scratch / "r.csv", b"\x00\x01\x02garbage\n\xff\xfe"))


def _residents_without_stratum(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    residents = write(scratch / "people.csv", b"district,residents\n420602,90000\n")
    return [*draw_args(files, files.roster), "--residents", residents]


def _publish_results_folder(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return publish_args(files, files.results, output=files.folder)


def _publish_into_a_file(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return publish_args(files, files.results, output=write(scratch / "taken", b"mine"))


def _supersede_unknown(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["ledger", "supersede", files.ledger, "99", "--reason", "x"]


def _supersede_blank_reason(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["ledger", "supersede", files.ledger, "3", "--reason", "  "]


def _ledger_not_a_ledger(files: CampaignFiles, scratch: Path) -> list[str | Path]:
    return ["ledger", "verify", write(scratch / "fake.ledger", b"SQLite format 3\x00" + b"\x00" * 100)]


CASES: dict[str, Case] = {
    "CR-only line endings": _cr_only,
    "UTF-16 roster": _utf16,
    "truncated roster": _truncated,
    "binary roster": _binary,
    "5 MB field": _huge_field,
    "a folder as the roster": _folder_as_roster,
    "dangling symlink": _dangling_symlink,
    "sample.json output": _output_suffix,
    "campaign saved as GBK": _gbk_campaign,
    "campaign saved as UTF-16": _utf16_campaign,
    "seed not UTF-8": _bad_seed,
    "seed with a space": _spaced_seed,
    "results with an empty task_id": _empty_task_id,
    "results that are binary": _results_garbage,
    "residents without stratum": _residents_without_stratum,
    "publish over the campaign folder": _publish_results_folder,
    "publish onto a file": _publish_into_a_file,
    "supersede a record that does not exist": _supersede_unknown,
    "supersede without a reason": _supersede_blank_reason,
    "a file that is not a ledger": _ledger_not_a_ledger,
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_hostile_input_is_a_message_and_writes_nothing(
    campaign: CampaignFiles, tmp_path: Path, case: str
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    args = CASES[case](campaign, scratch)
    before, kinds = snapshot(campaign.folder), ledger_kinds(campaign)
    scratch_before = snapshot(scratch)
    result = Operator(campaign).run(*args)
    assert result.exit_code in (1, 2), result.output
    assert result.output.strip(), "an error must say what is wrong"
    assert snapshot(campaign.folder) == before
    assert snapshot(scratch) == scratch_before
    assert ledger_kinds(campaign) == kinds


MALFORMED: dict[str, Callable[[Path], None]] = {
    "no bundle.json": lambda b: (b / "bundle.json").unlink(),
    "bundle.json not JSON": lambda b: (b / "bundle.json").write_text("{", encoding="utf-8"),
    "bundle.json a list": lambda b: (b / "bundle.json").write_text("[]", encoding="utf-8"),
    "bundle.json not UTF-8": lambda b: (b / "bundle.json").write_bytes(b"\xff\xfe{}"),
    "files not a mapping": lambda b: _edit_index(b, files=[1, 2]),
    "ledger anchor not a mapping": lambda b: _edit_index(b, ledger="head"),
    "anchor seq not a number": lambda b: _edit_index(b, ledger={"seq": "x", "hash": "0"}),
    "no manifest.json": lambda b: (b / "manifest.json").unlink(),
    "manifest.json not JSON": lambda b: (b / "manifest.json").write_text("nope", encoding="utf-8"),
    "manifest.json a list": lambda b: (b / "manifest.json").write_text("[1]", encoding="utf-8"),
    "manifest without seed": lambda b: _edit_json(b / "manifest.json", seed=None),
    "manifest strata a string": lambda b: _edit_json(b / "manifest.json", strata="S"),
    "results.csv removed": lambda b: (b / "results.csv").unlink(),
    "results.json truncated": lambda b: (b / "results.json").write_text('{"results": [', encoding="utf-8"),
    "bundle is a file": lambda b: (shutil.rmtree(b), b.write_text("x", encoding="utf-8")),
}


def _edit_index(bundle: Path, **changes: object) -> None:
    _edit_json(bundle / "bundle.json", **changes)


def _edit_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize("case", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_bundles_are_reported_not_crashed_on(
    campaign: CampaignFiles, tmp_path: Path, case: str
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(campaign.bundle, bundle)
    MALFORMED[case](bundle)
    for extra in ([], ["--ledger", campaign.ledger]):
        result = Operator(campaign).run("verify", bundle, *extra)
        assert result.exit_code in (1, 2), result.output
        assert "OK" not in result.output


def _mount(options: str, folder: Path) -> bool:
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    """A 64 KiB file system: every output larger than that fills it."""
    folder = tmp_path / "full"
    if os.geteuid() != 0 or not _mount("size=64k", folder):
        pytest.skip("mounting a tmpfs needs root")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def _drawn_code(files: CampaignFiles) -> str:
    return files.sample.read_text(encoding="utf-8-sig").splitlines()[1].split(",")[0]


def recording_commands(files: CampaignFiles, out: Path) -> dict[str, list[str | Path]]:
    """Every command that writes outputs and records, aimed at ``out``."""
    return {
        "commit": ["commit", files.roster, "-o", out / "c.json", "--campaign", files.campaign,
                   "--ledger", files.ledger, "--seal-out", files.seal, "--history", files.history,
                   "--as-of", "2026-11-02"],
        "draw": ["draw", files.roster, "--campaign", files.campaign, "--seed", SEED,
                 "--history", files.history, "--as-of", "2026-11-02", "-o", out / "s.csv",
                 "--ledger", files.ledger, "--seal", files.seal],
        "assign": ["assign", files.sample, "--inspectors", files.inspectors, "--conflicts", files.conflicts,
                   "--campaign", files.campaign, "--history", files.history, "--seed", SEED,
                   "-o", out / "t.csv", "--ledger", files.ledger],
        "results import": [*results_args(files, files.results), "-o", out / "valid.csv"],
        "publish": publish_args(files, files.results, output=out / "bundle"),
        "trigger": ["trigger", _drawn_code(files), "--campaign", files.campaign, "--department", "SAMR",
                    "--reason", "投诉举报", "--on", "2026-11-20", "--ledger", files.ledger,
                    "--history", files.history, "--history-out", out / "h.parquet"],
        "report": ["report", "--ledger", files.ledger, "-o", out / "report"],
    }  # fmt: skip


def test_full_and_read_only_disks_leave_the_ledger_as_it_was(
    campaign: CampaignFiles, small_disk: Path
) -> None:
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * 60_000)
    for name, args in recording_commands(campaign, small_disk).items():
        kinds = ledger_kinds(campaign)
        result = Operator(campaign).run(*args)
        if result.exit_code == 0:  # small enough to fit, or already recorded: nothing new appended
            assert ledger_kinds(campaign) == kinds, name
            continue
        assert result.exit_code == 1, (name, result.output)
        assert "No space left on device" in result.output or "File too large" in result.output, result.output
        assert ledger_kinds(campaign) == kinds, name
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for name, args in recording_commands(campaign, small_disk).items():
        kinds = ledger_kinds(campaign)
        result = Operator(campaign).run(*args)
        assert result.exit_code == 1, (name, result.output)
        assert "Read-only file system" in result.output, (name, result.output)
        assert ledger_kinds(campaign) == kinds, name


def test_the_cli_never_prints_a_traceback_in_a_real_process(campaign: CampaignFiles, tmp_path: Path) -> None:
    args = [str(a) for a in _cr_only(campaign, tmp_path)]
    args[args.index("--seed") + 1] = "seed\udcff".encode("utf-8", "surrogateescape").decode("latin-1")
    done = subprocess.run([sys.executable, "-m", "dualrandom", *args], capture_output=True, text=True)
    assert done.returncode in (1, 2)
    assert "Traceback" not in done.stderr

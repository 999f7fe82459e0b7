"""The campaign protocol as an operator runs it, mistakes included, and as an attacker tries it.

Each test reproduces a finding of the protocol issue: outputs first and record last, reruns
that are idempotent or refused with the supersede command, every step tied to the ledger, a
bundle anchored to the ledger head, and publication that never deletes what it did not write.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from _campaign import OTHER_SEED, SEED, CampaignFiles, Operator, campaign_files, ledger_kinds, write_results
from dualrandom.errors import LedgerIntegrityError

pytest_plugins = ["pg"]

PROTOCOL = ["roster_commitment", "seed", "draw", "assignment", "recusal", "results", "publication"]


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> CampaignFiles:
    """A campaign taken through every step, once (the happy path the other tests depart from)."""
    files = campaign_files(tmp_path_factory.mktemp("published"))
    operator = Operator(files)
    for step in (operator.commit, operator.draw, operator.assign):
        result = step()
        assert result.exit_code == 0, result.output
    write_results(files)
    for step in (operator.import_results, operator.publish):
        result = step()
        assert result.exit_code == 0, result.output
    assert ledger_kinds(files) == PROTOCOL
    return files


def copy_campaign(source: CampaignFiles, folder: Path) -> CampaignFiles:
    import shutil

    shutil.copytree(source.folder, folder, symlinks=True)
    return CampaignFiles(folder)


def test_reruns_are_idempotent_and_append_nothing(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    bundle = (files.bundle / "bundle.json").read_bytes()
    for step, kind in ((operator.commit, "roster commitment"), (operator.draw, "draw"),
                       (operator.assign, "assignment"), (operator.import_results, "results"),
                       (operator.publish, "publication")):  # fmt: skip
        again = step()
        assert again.exit_code == 0, again.output
        assert f"{kind} already recorded as record" in again.output
    assert ledger_kinds(files) == PROTOCOL
    assert (files.bundle / "bundle.json").read_bytes() == bundle  # the same anchor, the same bytes


def test_publish_into_a_folder_with_other_files_deletes_nothing(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    webroot = tmp_path / "www"
    webroot.mkdir()
    (webroot / "index.html").write_text("<p>the bureau's own page</p>", encoding="utf-8")

    def listing(folder: Path) -> list[str]:  # SQLite's -wal and -shm come and go with connections
        return sorted(p.name for p in folder.iterdir() if not p.name.endswith(("-wal", "-shm")))

    for target in (files.folder, webroot):
        before = listing(target)
        refused = operator.publish(output=target)
        assert refused.exit_code == 2
        assert (
            "OUTPUT_NOT_A_BUNDLE" in refused.output and "publish into a new or empty folder" in refused.output
        )
        assert listing(target) == before
    assert (webroot / "index.html").read_text(encoding="utf-8") == "<p>the bureau's own page</p>"
    assert ledger_kinds(files) == PROTOCOL


def test_publish_dot_is_refused(
    published: CampaignFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    monkeypatch.chdir(files.folder)
    refused = Operator(files).publish(output=Path("."))
    assert refused.exit_code == 2 and "OUTPUT_NOT_A_BUNDLE" in refused.output
    assert files.ledger.exists() and ledger_kinds(files) == PROTOCOL


def test_publish_follows_a_symlinked_bundle_folder(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    link = tmp_path / "current"
    link.symlink_to(files.bundle, target_is_directory=True)
    again = Operator(files).publish(output=link)
    assert again.exit_code == 0, again.output
    assert link.is_symlink() and (link / "bundle.json").is_file()


def test_a_bad_output_suffix_records_nothing_and_the_rerun_goes_through(tmp_path: Path) -> None:
    files = campaign_files(tmp_path / "c")
    operator = Operator(files)
    assert operator.commit().exit_code == 0
    for wrong in ("sample.json", "sample.xyz"):
        bad = operator.run(
            "draw", files.roster, "--campaign", files.campaign, "--seed", SEED, "--history", files.history,
            "--as-of", "2026-11-02", "-o", files.folder / wrong, "--ledger", files.ledger,
        )  # fmt: skip
        assert bad.exit_code == 2 and "unknown file type" in bad.output
        assert ledger_kinds(files) == ["roster_commitment"]
    good = operator.draw()
    assert good.exit_code == 0, good.output
    assert ledger_kinds(files) == ["roster_commitment", "seed", "draw"]


def test_a_draw_from_another_roster_leaves_no_seed_behind(tmp_path: Path) -> None:
    files = campaign_files(tmp_path / "c")
    operator = Operator(files)
    assert operator.commit().exit_code == 0
    edited = files.folder / "edited.csv"
    pd.read_csv(files.roster, dtype=str).iloc[1:].to_csv(edited, index=False)
    refused = operator.draw(roster=edited)
    assert refused.exit_code == 2 and "committed to" in refused.output
    assert ledger_kinds(files) == ["roster_commitment"] and not files.sample.exists()


def test_a_different_seed_is_refused_with_the_supersede_command(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    refused = operator.draw(seed=OTHER_SEED)
    assert refused.exit_code == 2
    command = f"dualrandom ledger supersede {files.ledger} 2 --reason TEXT"
    assert command in refused.output
    blocked = operator.run("ledger", "supersede", files.ledger, "2", "--reason", "骰子读数有误")
    assert blocked.exit_code == 1 and "withdraw that first" in blocked.output  # the draw rests on it
    for seq in (7, 6, 4, 3, 2):  # publication, results, teams, then the draw and the seed
        done = operator.run(
            "ledger", "supersede", files.ledger, str(seq), "--reason", "骰子读数有误，重新摇号"
        )
        assert done.exit_code == 0, done.output
    redrawn = operator.draw(seed=OTHER_SEED)
    assert redrawn.exit_code == 0, redrawn.output
    verified = operator.run("ledger", "verify", files.ledger)
    assert verified.exit_code == 0, verified.output


def test_an_excel_damaged_sample_is_not_the_recorded_draw(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    sample = pd.read_csv(files.sample, dtype=str, encoding="utf-8-sig")
    damaged = sample.iloc[:-3].copy()
    damaged.loc[damaged.index[0], "uscc"] = "9.24206E+17"
    excel = files.folder / "sample-excel.csv"
    damaged.to_csv(excel, index=False)
    refused = Operator(files).assign(sample=excel)
    assert refused.exit_code == 2
    assert "is not the sample of draw record 3" in refused.output
    assert "3 drawn target(s) missing" in refused.output or "4 drawn target(s) missing" in refused.output
    assert "went through Excel" in refused.output
    assert ledger_kinds(files) == PROTOCOL


def test_publishing_a_draw_made_with_another_seed_is_refused(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    other = operator.run(
        "draw", files.roster, "--campaign", files.campaign, "--seed", OTHER_SEED, "--history", files.history,
        "--as-of", "2026-11-02", "-o", files.folder / "other.csv", "--seal", files.seal,
    )  # fmt: skip
    assert other.exit_code == 0, other.output
    refused = operator.run(
        "publish", "--campaign", files.campaign, "--sample", files.folder / "other.csv", "--results",
        files.results, "--roster", files.roster, "--ledger", files.ledger, "-o", files.folder / "b2",
    )  # fmt: skip
    assert refused.exit_code == 2 and "is not the seed recorded" in refused.output
    assert not (files.folder / "b2").exists() and ledger_kinds(files) == PROTOCOL


def test_notices_publish_before_any_result(tmp_path: Path, published: CampaignFiles) -> None:
    files = copy_campaign(published, tmp_path / "c")
    empty = files.folder / "no-results.csv"
    empty.write_text(files.results.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    done = Operator(files).publish(output=files.folder / "notices", results=empty)
    assert done.exit_code == 0, done.output
    notices = json.loads((files.folder / "notices" / "notices.json").read_text(encoding="utf-8"))
    assert notices["tasks"] and all(t["published"] == 0 for t in notices["tasks"])


def test_trigger_checks_the_department_and_never_rewrites_the_committed_history(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    code = pd.read_csv(files.roster, dtype=str)["uscc"].iloc[7]
    frozen = files.history.read_bytes()
    args = ["trigger", code, "--campaign", files.campaign, "--reason", "投诉举报", "--on", "2026-11-20",
            "--ledger", files.ledger, "--history", files.history]  # fmt: skip
    unknown = operator.run(*args, "--department", "POLICE", "--history-out", files.folder / "h2.csv")
    assert unknown.exit_code == 1 and "department 'POLICE' is not in campaign" in unknown.output
    in_place = operator.run(*args, "--department", "SAMR", "--history-out", files.history)
    assert in_place.exit_code == 2 and "--history-out must be a new file" in in_place.output
    done = operator.run(*args, "--department", "SAMR", "--history-out", files.folder / "h2.csv")
    assert done.exit_code == 0, done.output
    assert files.history.read_bytes() == frozen
    again = operator.run(*args, "--department", "SAMR", "--history-out", files.folder / "h2.csv")
    assert "already recorded" in again.output
    assert ledger_kinds(files) == [*PROTOCOL, "triggered_check"]
    audited = operator.run("verify", f"{files.sample}.manifest.json", "--roster", files.roster,
                           "--history", files.history, "--seal", files.seal)  # fmt: skip
    assert audited.exit_code == 0, audited.output  # the auditor's check still reproduces the draw


def test_bundle_checked_against_the_ledger(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    checked = operator.run("verify", files.bundle, "--ledger", files.ledger)
    assert checked.exit_code == 0, checked.output
    assert "against the ledger" in checked.output
    index = json.loads((files.bundle / "bundle.json").read_text(encoding="utf-8"))
    assert index["ledger"]["seq"] == 6  # the head the publication (record 7) rests on


def _drop_triggers(ledger: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(ledger, isolation_level=None)
    connection.execute("DROP TRIGGER ledger_records_no_update")
    connection.execute("DROP TRIGGER ledger_records_no_delete")
    return connection


def test_deleting_the_last_records_is_caught_by_the_bundle_anchor(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    connection = _drop_triggers(files.ledger)
    connection.execute("DELETE FROM ledger_records WHERE seq >= 6")
    row = connection.execute("SELECT seq, hash FROM ledger_records ORDER BY seq DESC LIMIT 1").fetchone()
    connection.execute("UPDATE ledger_head SET seq = ?, hash = ?", row)
    connection.close()
    operator = Operator(files)
    assert operator.run("ledger", "verify", files.ledger).exit_code == 0  # the chain alone looks whole
    caught = operator.run("verify", files.bundle, "--ledger", files.ledger)
    assert caught.exit_code == 1
    assert "the anchored ledger head 6 is not in the chain" in caught.output
    assert "no publication record" in caught.output


def test_a_tampered_ledger_is_never_extended(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    connection = _drop_triggers(files.ledger)
    edit = "UPDATE ledger_records SET payload = replace(payload, 'ceremony', 'CEREMONY') WHERE seq = 2"
    connection.execute(edit)
    connection.close()
    bundle = (files.bundle / "bundle.json").read_bytes()
    refused = Operator(files).publish(output=files.folder / "again")
    assert refused.exit_code == 1 and "ledger integrity check failed at record 2" in refused.output
    assert not (files.folder / "again").exists()
    assert (files.bundle / "bundle.json").read_bytes() == bundle
    from dualrandom.ledger import Ledger

    with Ledger.open(files.ledger) as ledger:
        connection = sqlite3.connect(files.ledger, isolation_level=None)
        connection.execute("UPDATE ledger_records SET reason = 'edited' WHERE seq = 7")
        connection.close()
        with pytest.raises(LedgerIntegrityError, match="record 7 does not match its hash"):
            ledger.append("X", "results", {"digest": "x"})  # even a raw append checks the head


def test_ledger_show_and_verify_open_read_only(published: CampaignFiles, tmp_path: Path) -> None:
    files = copy_campaign(published, tmp_path / "c")
    files.ledger.chmod(0o444)
    before = files.ledger.read_bytes()
    operator = Operator(files)
    assert operator.run("ledger", "verify", files.ledger).exit_code == 0
    assert operator.run("ledger", "show", files.ledger).exit_code == 0
    assert files.ledger.read_bytes() == before


def test_a_sealed_campaign_from_the_command_line(tmp_path: Path) -> None:
    files = campaign_files(tmp_path / "c", entities=3_000)
    operator = Operator(files)
    sealed = files.seal
    f = files
    commit = ["commit", f.roster, "-o", f.commitment, "--campaign", f.campaign, "--ledger", f.ledger,
              "--seal-out", sealed, "--history", f.history, "--as-of", "2026-11-02"]  # fmt: skip
    assert operator.run(*commit).exit_code == 0
    assert sealed.stat().st_mode & 0o077 == 0  # the key is for its owner (the auditors) only
    again = operator.run(*commit)  # a rerun reuses the sealed material: the same commitment
    assert again.exit_code == 0 and "already recorded" in again.output
    unsealed = operator.run(
        "draw", f.roster, "--campaign", f.campaign, "--seed", SEED, "--history", f.history,
        "--as-of", "2026-11-02", "-o", f.sample, "--ledger", f.ledger,
    )  # fmt: skip
    assert unsealed.exit_code == 2 and "committed to sealed material" in unsealed.output
    for step in (operator.draw, operator.assign):
        result = step()
        assert result.exit_code == 0, result.output
    write_results(files)
    for step in (operator.import_results, operator.publish):
        result = step()
        assert result.exit_code == 0, result.output
    public = operator.run("verify", f.bundle, "--ledger", f.ledger)
    assert public.exit_code == 0, public.output
    audited = operator.run("verify", f.bundle, "--roster", f.roster, "--draw-manifest",
                           f"{f.sample}.manifest.json", "--history", f.history, "--seal", sealed)  # fmt: skip
    assert audited.exit_code == 0, audited.output
    attack = operator.run("privacy", f.bundle, "--campaign", f.campaign, "--roster", f.roster)
    assert attack.exit_code == 0, attack.output
    manifest = json.loads((f.bundle / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["disclosure"] == "sealed"
    assert manifest["drawn"] and not any("ticket" in entry for entry in manifest["drawn"])
    assert "threshold" not in json.dumps(manifest["tasks"])


@pytest.mark.postgres
def test_on_postgresql_disabled_triggers_and_deleted_records_are_caught(
    published: CampaignFiles, tmp_path: Path, postgres_url: str
) -> None:
    """The bureau's production ledger: the same protocol, the same anchor check."""
    import psycopg

    files = copy_campaign(published, tmp_path / "c")
    operator = Operator(files)
    f = files
    url = postgres_url
    steps = [
        ["commit", f.roster, "-o", f.commitment, "--campaign", f.campaign, "--ledger", url,
         "--seal-out", f.seal, "--history", f.history, "--as-of", "2026-11-02"],
        ["draw", f.roster, "--campaign", f.campaign, "--seed", SEED, "--history", f.history,
         "--as-of", "2026-11-02", "-o", f.sample, "--ledger", url, "--seal", f.seal],
        ["results", "import", f.results, "--campaign", f.campaign, "--sample", f.sample, "--ledger", url],
        ["publish", "--campaign", f.campaign, "--sample", f.sample, "--results", f.results,
         "--roster", f.roster, "--published-on", "2026-11-30", "--ledger", url, "-o", f.folder / "pg-bundle"],
    ]  # fmt: skip
    for args in steps:
        result = operator.run(*args)
        assert result.exit_code == 0, result.output
    assert "draw already recorded" in operator.run(*steps[1]).output
    assert operator.run("verify", f.folder / "pg-bundle", "--ledger", url).exit_code == 0
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ALTER TABLE ledger_records DISABLE TRIGGER USER")
        connection.execute("DELETE FROM ledger_records WHERE kind IN ('results', 'publication')")
        row = connection.execute("SELECT seq, hash FROM ledger_records ORDER BY seq DESC LIMIT 1").fetchone()
        connection.execute("UPDATE ledger_head SET seq = %s, hash = %s", row)
    assert operator.run("ledger", "verify", url).exit_code == 0  # the chain alone looks whole
    caught = operator.run("verify", f.folder / "pg-bundle", "--ledger", url)
    assert caught.exit_code == 1 and "is not in the chain" in caught.output


def test_results_import_lists_the_checks_still_without_a_result(
    published: CampaignFiles, tmp_path: Path
) -> None:
    files = copy_campaign(published, tmp_path / "c")
    results = pd.read_csv(files.results, dtype=str, keep_default_na=False)
    first = results.iloc[0]
    partial = files.folder / "partial.csv"
    results[(results["uscc"] != first["uscc"]) | (results["task_id"] != first["task_id"])].to_csv(
        partial, index=False
    )
    pending = files.folder / "pending.csv"
    imported = Operator(files).run(
        "results", "import", partial, "--campaign", files.campaign, "--sample", files.sample,
        "--pending", pending,
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    waiting = pd.read_csv(pending, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    removed = results[(results["uscc"] == first["uscc"]) & (results["task_id"] == first["task_id"])]
    assert set(zip(waiting["uscc"], waiting["task_id"], waiting["department"], strict=True)) >= set(
        zip(removed["uscc"], removed["task_id"], removed["department"], strict=True)
    )
    assert f"{len(waiting)} drawn check(s) have no result yet" in imported.output
    assert f"  - {waiting['uscc'].iloc[0]} task {waiting['task_id'].iloc[0]}" in imported.output


def test_a_sealed_commitment_of_a_capped_campaign_needs_the_history(tmp_path: Path) -> None:
    files = campaign_files(tmp_path / "c", entities=1_000)
    f = files
    refused = Operator(files).run(
        "commit",
        f.roster,
        "-o",
        f.commitment,
        "--campaign",
        f.campaign,
        "--ledger",
        f.ledger,
        "--seal-out",
        f.seal,
    )
    assert refused.exit_code == 2 and "give --history and --as-of" in refused.output
    assert not f.seal.exists() and not f.commitment.exists() and not f.ledger.exists()

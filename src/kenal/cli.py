"""The ``kenal`` command line.  Errors a user can cause become one line and exit code 2."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from datetime import datetime, time
from pathlib import Path
from typing import Annotated, Optional
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kenal.config import CONFIG_FILE, load_settings
from kenal.errors import ConfigError, KenalError, WorkspaceError

app = typer.Typer(help="kenal: know your customers. Data health, segments and scores from raw customer data.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
export_app = typer.Typer(help="Export results to files other tools read.", no_args_is_help=True)
app.add_typer(export_app, name="export")
segments_app = typer.Typer(help="The segmentations of a snapshot.", no_args_is_help=True)
app.add_typer(segments_app, name="segments")
clv_app = typer.Typer(help="Customer lifetime value: buy-till-you-die models on a per-customer summary.",
                      no_args_is_help=True)
app.add_typer(clv_app, name="clv")
text_app = typer.Typer(help="Customer texts: sentiment, aspects and complaints.", no_args_is_help=True)
app.add_typer(text_app, name="text")
console = Console(soft_wrap=True)  # a long path must stay one line, whatever the width
err = Console(stderr=True)

Workspace = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (created if missing).")]
DEFAULT_WORKSPACE = Path("kenal-workspace")
Engine = Annotated[Optional[str], typer.Option(
    "--engine", help="duckdb (default), spark or postgres; also 'engine' in kenal.toml or KENAL_ENGINE.")]
Dsn = Annotated[Optional[str], typer.Option(
    "--dsn", help="PostgreSQL connection string for --engine postgres, e.g. postgresql://user@host:5432/db.")]
SparkMaster = Annotated[Optional[str], typer.Option(
    "--spark-master", help="Spark master URL for --engine spark (default local[*]).")]


def _settings(workspace: Path, **overrides):
    settings = load_settings(workspace, **overrides)
    workspace.mkdir(parents=True, exist_ok=True)
    if not (workspace / CONFIG_FILE).exists():
        (workspace / CONFIG_FILE).write_text(settings.to_toml(), encoding="utf-8")
    return settings


def _as_of(value: str | None, timezone_name: str, option: str = "--as-of") -> datetime | None:
    """A date means the end of that day on the workspace's clock (the whole day is in the snapshot);
    a time without a zone is on that clock too."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} '{value}' is not a date; expected YYYY-MM-DD or an ISO-8601 timestamp") from None
    if len(value.strip()) == 10:
        parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone_name))


def _print_ingest(report) -> None:
    table = Table(title="Ingest", title_justify="left")
    for col in ("table", "read", "loaded", "duplicates", "quarantined", "reasons"):
        table.add_column(col, justify="right" if col in ("read", "loaded", "duplicates", "quarantined") else "left",
                         no_wrap=col != "reasons")
    for c in report.tables.values():
        reasons = ", ".join(f"{k} {v:,}" for k, v in sorted(c.reasons.items()))
        table.add_row(c.table, f"{c.read:,}", f"{c.loaded:,}", f"{c.duplicates:,}", f"{c.quarantined:,}", reasons)
    console.print(table)


def _print_segments(result) -> None:
    console.print(f"Snapshot {result.snapshot.snapshot_id}: {result.n_customers:,} customers")
    for g in result.segmentations:
        if g.skipped:
            console.print(f"[bold]{g.name}[/] ({g.kind}): {escape(g.reason)}")
            continue
        table = Table(title=f"{g.name} ({g.kind}, {len(g.segments)} segments)", title_justify="left")
        for col in ("#", "segment", "customers", "share", "revenue"):
            table.add_column(col, justify="left" if col == "segment" else "right")
        for s in g.segments:
            table.add_row(str(s.segment_id), escape(s.name), f"{s.size:,}", f"{s.share:.1%}", f"{s.revenue_share:.1%}")
        console.print(table)
        if g is result.primary:
            console.print(escape(g.reason))
        if g.continuity:  # the primary's reason already says whether it was re-fitted
            console.print(escape(_continuity_line(g, with_decision=g is not result.primary)))


def _continuity_line(g, with_decision: bool = True) -> str:
    """How a clustering continues its previous run, in one line."""
    c = g.continuity
    line = (f"{g.name}: {c['kept']:.1%} of {c['customers']:,} customers kept their segment since snapshot "
            f"{c['previous_snapshot']} ({c['moved_by_behaviour']:.1%} moved with their behaviour, "
            f"{c['moved_by_refit']:.1%} by the re-fit)") + (f"; {g.decision}" if with_decision else "")
    if c["new"]:
        line += f"; new: {', '.join(c['new'])}"
    if c["vanished"]:
        line += f"; no longer found: {', '.join(c['vanished'])}"
    return line


def _run_flow(workspace: Path, settings, input_dir: Path | None, as_of: datetime | None):
    from kenal.pipeline import run
    from kenal.report import write_report
    from kenal.report.health_html import write_health_html

    with console.status("starting") as status:
        result = run(workspace, settings, input_dir=input_dir, as_of=as_of,
                     progress=lambda stage: status.update(f"{stage}..."))
    if result.ingest:
        _print_ingest(result.ingest)
    report = write_report(workspace, result, settings)
    write_health_html(workspace, result.health, settings)
    h = result.health
    console.print(f"Data health: {len(h.at_least('error'))} errors, "
                  f"{len(h.at_least('warning')) - len(h.at_least('error'))} warnings (worst: {h.worst})")
    if result.text is not None:
        console.print(escape(f"Texts: {result.text.summary()}"))
    _print_segments(result)
    _print_run_scores(result, workspace)
    console.print(f"Report: {report}   Health: {workspace / 'health.html'}")
    return result


def _print_run_scores(result, workspace: Path) -> None:
    """What the run's scoring stage did, or that it is off and how to turn it on."""
    if result.scores is not None:  # the snapshot line above already names the snapshot
        console.print(f"Scores: {len(result.scores.table):,} customers scored")
        for line in result.scores.summary_lines()[1:]:
            console.print(escape(line))
    elif result.scores_skipped:
        console.print(f"Scores not computed: {escape(result.scores_skipped)}")
    else:
        console.print(escape(f"Scores are off: set enabled = true under [scores] in {workspace / CONFIG_FILE} or run "
                             "'kenal run --scores' to score every run; 'kenal score' scores the latest snapshot alone"))


@app.command()
def ingest(input: Annotated[Path, typer.Option("--input", "-i", help="Folder of CSV / Parquet files.")],
           workspace: Workspace = DEFAULT_WORKSPACE, engine: Engine = None, dsn: Dsn = None,
           spark_master: SparkMaster = None) -> None:
    """Validate and load a folder of files; bad rows go to quarantine with a reason."""
    from kenal.health import health_summary
    from kenal.ingest import ingest as do_ingest
    from kenal.pipeline import write_health
    from kenal.store import Store

    settings = _settings(workspace, engine=engine, dsn=dsn, spark_master=spark_master)
    with Store.open(workspace, settings) as store:
        report = do_ingest(store, input)
        write_health(workspace, health_summary(store, settings))
    _print_ingest(report)


@app.command()
def run(workspace: Workspace = DEFAULT_WORKSPACE,
        input: Annotated[Optional[Path], typer.Option("--input", "-i", help="Ingest this folder first.")] = None,
        as_of: Annotated[Optional[str], typer.Option(help="Snapshot date (default: the latest purchase).")] = None,
        scores: Annotated[Optional[bool], typer.Option(
            "--scores/--no-scores", help="Also train and store the churn and propensity scores (default: "
                                         "'enabled' under [scores] in kenal.toml; minutes, needs a year+ of history).")] = None,
        engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """Ingest (optional), check health, build features and segments (and scores, when enabled) as a new snapshot."""
    settings = _settings(workspace, engine=engine, dsn=dsn, spark_master=spark_master)
    if scores is not None:  # for this run only: kenal.toml keeps its own setting
        settings = replace(settings, scores=replace(settings.scores, enabled=scores))
    _run_flow(workspace, settings, input, _as_of(as_of, settings.timezone))


@app.command()
def backfill(start: Annotated[str, typer.Option("--from", help="First as-of date (YYYY-MM-DD).")],
             end: Annotated[str, typer.Option("--to", help="Last as-of date, at the latest (YYYY-MM-DD).")],
             every: Annotated[str, typer.Option(help="day, week or month.")] = "month",
             workspace: Workspace = DEFAULT_WORKSPACE, engine: Engine = None, dsn: Dsn = None,
             spark_master: SparkMaster = None) -> None:
    """Replay history: a snapshot as of each date from --from to --to, each from the data up to its date."""
    from kenal.pipeline import run as run_snapshot
    from kenal.temporal.backfill import as_of_dates

    settings = _settings(workspace, engine=engine, dsn=dsn, spark_master=spark_master)
    first, last = (_as_of(v, settings.timezone, option) for v, option in ((start, "--from"), (end, "--to")))
    for day in as_of_dates(first.date(), last.date(), every):
        with console.status(f"{day}: starting") as status:
            result = run_snapshot(workspace, settings, as_of=_as_of(day.isoformat(), settings.timezone),
                                  progress=lambda stage, day=day: status.update(f"{day}: {stage}..."))
        ran = [g.name for g in result.segmentations if not g.skipped]
        console.print(f"{day}: snapshot {result.snapshot.snapshot_id}, {result.n_customers:,} customers, "
                      f"segmentations: {', '.join(ran) or 'none'}")
        for g in result.segmentations:
            if g.continuity:
                console.print("  " + escape(_continuity_line(g)))
        if result.scores is not None:
            console.print("  " + escape(result.scores.summary_lines()[0]))
        elif result.scores_skipped:
            console.print(f"  scores not computed: {escape(result.scores_skipped)}")


@app.command()
def demo(customers: Annotated[int, typer.Option(min=200, help="Number of customers to generate.")] = 50_000,
         seed: Annotated[int, typer.Option(help="Random seed of the sample and the models.")] = 0,
         workspace: Workspace = DEFAULT_WORKSPACE) -> None:
    """Generate a realistic sample retailer, run the whole flow on it and write the report."""
    from kenal.sample import generate_sample, write_sample

    settings = _settings(workspace, seed=seed)
    with console.status(f"generating {customers:,} sample customers"):
        data = generate_sample(n_customers=customers, seed=seed)
        write_sample(data, workspace / "input", workspace / "truth")
    console.print(f"Sample written to {workspace / 'input'} (planted truth in {workspace / 'truth'})")
    _run_flow(workspace, settings, workspace / "input", None)


HEALTH_FAILED = 3  # exit code of "kenal health" when a finding reaches --fail-on


@app.command()
def health(workspace: Workspace = DEFAULT_WORKSPACE,
           fail_on: Annotated[str, typer.Option(
               "--fail-on", help="Exit with code 3 when a finding is at least this severe: warning or error.")] = "error",
           as_of: Annotated[Optional[str], typer.Option(
               help="Measure staleness and recent activity against this date (default: the latest purchase).")] = None,
           engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """Check the ingested data; write health.json and health.html. Exit 3 on findings at --fail-on."""
    from kenal.health import health_summary, save_health
    from kenal.pipeline import write_health
    from kenal.report.health_html import write_health_html
    from kenal.store import Store

    if fail_on not in ("warning", "error"):
        raise ConfigError(f"--fail-on '{fail_on}' is not a severity; expected warning or error")
    settings = _settings(workspace, engine=engine, dsn=dsn, spark_master=spark_master)
    with Store.open(workspace, settings) as store:
        report = save_health(store, health_summary(store, settings, as_of=_as_of(as_of, settings.timezone)))
    path = write_health(workspace, report)
    page = write_health_html(workspace, report, settings)
    _print_health(report)
    console.print(f"Health: {page}  {path} (worst: {report.worst})")
    failing = report.at_least(fail_on)
    if failing:
        err.print(f"{len(failing)} {'finding' if len(failing) == 1 else 'findings'} at {fail_on} or worse",
                  highlight=False)
        raise typer.Exit(HEALTH_FAILED)


def _print_health(report) -> None:
    table = Table(title="Data health", title_justify="left")
    for col in ("severity", "table", "finding"):
        table.add_column(col, no_wrap=col != "finding")
    order = {"error": 0, "warning": 1, "info": 2}
    for c in sorted(report.checks, key=lambda c: order[c.severity]):
        style = {"error": "bold red", "warning": "yellow", "info": "dim"}[c.severity]
        table.add_row(f"[{style}]{c.severity}[/]", c.table, escape(c.message))
    console.print(table)
    if report.changes:
        console.print("Since the last health check: " + "; ".join(
            f"{ch['id']} ({ch['table']}) {ch['trend']}: {ch['before'] or 0:,} -> {ch['after'] or 0:,}"
            for ch in report.changes))


Snapshot = Annotated[Optional[str], typer.Option(help="Snapshot id (default: the latest).")]


@export_app.command("segments")
def export_segments(output: Annotated[Path, typer.Option("--output", "-o", help="File to write.")],
                    workspace: Workspace = DEFAULT_WORKSPACE,
                    segmentation: Annotated[Optional[str], typer.Option(
                        help="Segmentation to export (default: the first configured one).")] = None,
                    format: Annotated[Optional[str], typer.Option(help="csv or parquet (default: from the file name).")] = None,
                    snapshot: Snapshot = None,
                    engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """Write customer_id, segmentation, segment_id, segment_name, snapshot_id."""
    from kenal.activation import export_segments as do_export

    with _store(workspace, engine, dsn, spark_master) as store:
        n = do_export(store, output, format, snapshot, segmentation)
    console.print(f"Wrote {n:,} customers to {output}")


def _store(workspace: Path, engine, dsn, spark_master):
    """The workspace's store, to use in a ``with`` block (it closes at the end)."""
    from kenal.store import Store

    return Store.open(workspace, _settings(workspace, engine=engine, dsn=dsn, spark_master=spark_master))


def _segmentations(store, snapshot: str | None) -> tuple[str, list[dict]]:
    from kenal.outputs import latest_snapshot_id, stored_segmentations

    sid = snapshot or latest_snapshot_id(store)
    found = stored_segmentations(store, sid)
    if not found:
        raise WorkspaceError(f"snapshot '{sid}' has no segmentations; run 'kenal run' first")
    return sid, found


@segments_app.command("list")
def segments_list(workspace: Workspace = DEFAULT_WORKSPACE, snapshot: Snapshot = None, engine: Engine = None,
                  dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """The segmentations of a snapshot, with their segments."""
    with _store(workspace, engine, dsn, spark_master) as store:
        sid, found = _segmentations(store, snapshot)
    table = Table(title=f"Segmentations of snapshot {sid}", title_justify="left")
    for col in ("segmentation", "kind", "segments", "largest segments"):
        table.add_column(col, justify="right" if col == "segments" else "left")
    for g in found:
        largest = sorted(g["segments"], key=lambda s: -s["size"])[:3]
        table.add_row(g["name"], g["kind"], str(len(g["segments"])) if g["segments"] else "not run",
                      escape(", ".join(f"{s['name']} {s['share']:.0%}" for s in largest) or g["reason"]))
    console.print(table)


@segments_app.command("show")
def segments_show(name: Annotated[str, typer.Argument(help="Segmentation name, as in 'kenal segments list'.")],
                  workspace: Workspace = DEFAULT_WORKSPACE, snapshot: Snapshot = None, engine: Engine = None,
                  dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """One segmentation: why it was built so, and what sets each of its segments apart."""
    with _store(workspace, engine, dsn, spark_master) as store:
        sid, found = _segmentations(store, snapshot)
    g = next((g for g in found if g["name"] == name), None)
    if g is None:
        raise WorkspaceError(f"snapshot '{sid}' has no segmentation '{name}'; "
                             f"it has: {', '.join(x['name'] for x in found)}")
    console.print(f"[bold]{g['name']}[/] ({g['kind']}) in snapshot {sid}: {escape(g['reason'])}")
    for warning in g["warnings"]:
        console.print(f"[yellow]warning:[/] {escape(warning)}")
    if g["rules_summary"]:
        console.print(escape(g["rules_summary"]))
    from kenal.report.html import fmt, label, rule_text

    for s in g["segments"]:
        table = Table(title=f"{s['segment_id']} · {escape(s['name'])}: {s['size']:,} customers ({s['share']:.1%}), "
                            f"{s['revenue_share']:.1%} of revenue", title_justify="left")
        for col in ("what sets them apart", "median", "everyone"):
            table.add_column(col, justify="left" if col.startswith("what") else "right")
        for d in s["distinguishing"]:
            arrow = "[green]▲[/]" if d["z"] > 0 else "[red]▼[/]"
            table.add_row(f"{arrow} {label(d['feature'])}", fmt(d["median"], d["feature"]),
                          fmt(d["overall_median"], d["feature"]))
        console.print(table)
        if s.get("persona"):
            console.print(escape(s["persona"]))
        for rule in s.get("rules", [])[:1]:
            console.print(f"Rule: {escape(rule_text(rule))} ({rule['coverage']:.0%} of the segment; "
                          f"{rule['precision']:.0%} of matches are in it)")
        console.print()


@segments_app.command("migration")
def segments_migration(
        start: Annotated[str, typer.Option("--from", help="The earlier snapshot id.")],
        end: Annotated[str, typer.Option("--to", help="The later snapshot id.")],
        segmentation: Annotated[Optional[str], typer.Option(help="Segmentation name (default: the first).")] = None,
        workspace: Workspace = DEFAULT_WORKSPACE, engine: Engine = None, dsn: Dsn = None,
        spark_master: SparkMaster = None) -> None:
    """Customers moving between the segments of two snapshots: counts and shares."""
    from kenal.temporal.migration import ABSENT, migration, stayed

    with _store(workspace, engine, dsn, spark_master) as store:
        _, found = _segmentations(store, end)
        name = segmentation or next((g["name"] for g in found if g["segments"]), None)
        table = migration(store, name, start, end)
    out = Table(title=f"{name}: {start} → {end}", title_justify="left")
    for col in ("from", "to", "customers", "share of from"):
        out.add_column(col, justify="right" if col in ("customers", "share of from") else "left")
    for r in table.itertuples():
        moved = r.from_segment != r.to_segment and ABSENT not in (r.from_segment, r.to_segment)
        out.add_row(escape(r.from_segment), ("[bold]" if moved else "") + escape(r.to_segment) + ("[/]" if moved else ""),
                    f"{r.customers:,}", f"{r.share:.1%}")
    console.print(out)
    console.print(f"{stayed(table):.1%} of the customers in both snapshots kept their segment.")


def _existing(workspace: Path) -> Path:
    if not workspace.is_dir():
        raise WorkspaceError(f"the workspace {workspace} does not exist; run 'kenal run --input DIR "
                             f"--workspace {workspace}' first")
    return workspace


@app.command()
def score(workspace: Workspace = DEFAULT_WORKSPACE,
          as_of: Annotated[Optional[str], typer.Option(
              help="Score the snapshot as of this date (a new snapshot if none has it; default: the latest).")] = None,
          horizon: Annotated[Optional[int], typer.Option(
              help="Churn: no purchase in this many days (default: horizon_days under [scores] in kenal.toml, 90).")] = None,
          target_recall: Annotated[Optional[float], typer.Option(
              help="Flag enough customers to catch this share of churners (default: [scores] target_recall, 0.8).")] = None,
          propensity: Annotated[Optional[list[str]], typer.Option(
              help="CATEGORY[:DAYS]: also score 'buys in CATEGORY in the next DAYS days' (30 by default); repeatable; "
                   "replaces [scores] propensities.")] = None,
          validate: Annotated[Optional[bool], typer.Option(
              "--validate/--no-validate", help="Out-of-time validation of every score (default: [scores] validate, on).")] = None,
          engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """Churn risk, propensities, p_alive, expected purchases, next purchase and CLV of every customer."""
    from kenal.scores.scoring import ScoreOptions, score_workspace

    with _store(_existing(workspace), engine, dsn, spark_master) as store:
        options = ScoreOptions.from_settings(store.settings.scores, horizon_days=horizon, target_recall=target_recall,
                                             validate=validate, propensities=propensity or None)
        with console.status("scoring"):
            result = score_workspace(store, store.settings, _as_of(as_of, store.settings.timezone), options)
    for line in result.summary_lines():
        console.print(escape(line))


@export_app.command("scores")
def export_scores(output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .parquet).")],
                  workspace: Workspace = DEFAULT_WORKSPACE,
                  format: Annotated[Optional[str], typer.Option(help="csv or parquet (default: from the file name).")] = None,
                  snapshot: Snapshot = None,
                  engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """Write customer_id, snapshot_id, churn_probability, p_alive, expected_purchases_90d, clv,
    next_purchase_date and any propensities."""
    from kenal.scores.scoring import export_scores as do_export

    with _store(_existing(workspace), engine, dsn, spark_master) as store:
        n = do_export(store, output, format, snapshot)
    console.print(f"Wrote {n:,} customers to {output}")


@clv_app.command("fit")
def clv_fit(input: Annotated[Path, typer.Option("--input", "-i", help=(
                "CSV or Parquet, one row per customer: frequency, recency, T (and monetary_value for "
                "gammagamma); x, t_x, T, zbar also accepted."))],
            model: Annotated[str, typer.Option("--model", "-m", help="bgnbd, paretonbd or gammagamma.")]) -> None:
    """Fit a model by maximum likelihood; print the estimates, standard errors and log-likelihood as JSON."""
    import json

    from kenal.scores.clv import fit_summary

    print(json.dumps(fit_summary(input, model), indent=2))


@app.command()
def uplift(input: Annotated[Path, typer.Option("--input", "-i", help=(
               "CSV or Parquet, one row per customer: customer_id, the group and the outcome."))],
           group: Annotated[str, typer.Option(help="Group column: treatment / control (also treated, 1 / 0, "
                                                    "true / false).")] = "group",
           outcome: Annotated[str, typer.Option(help="Outcome column: 0 / 1 (conversion) or an amount.")] = "converted",
           outcome_kind: Annotated[str, typer.Option(help="binary, numeric or auto (binary when every value is "
                                                          "0 or 1).")] = "auto",
           treatment: Annotated[Optional[str], typer.Option(help="The group column's value for treatment, e.g. "
                                                                 "model_b (with --control).")] = None,
           control: Annotated[Optional[str], typer.Option(help="The group column's value for control, e.g. "
                                                               "model_a (with --treatment).")] = None,
           segment_column: Annotated[Optional[str], typer.Option(help="Segment column in the file.")] = None,
           segmentation: Annotated[Optional[str], typer.Option(help="Segments from this segmentation of the "
                                                                    "workspace's snapshot.")] = None,
           snapshot: Snapshot = None,
           arm_column: Annotated[Optional[str], typer.Option(help=(
               "Column with two arms (e.g. model_a / model_b), each with its own treatment and control: "
               "also the difference of their uplifts."))] = None,
           baseline_arm: Annotated[Optional[str], typer.Option(help="The arm subtracted (default: the first "
                                                                    "in sorted order).")] = None,
           confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
           min_per_arm: Annotated[int, typer.Option(help="No interval for a segment with fewer customers in "
                                                         "an arm.")] = 30,
           output: Annotated[Optional[Path], typer.Option("--output", "-o", help=(
               "Also write one row per segment and an 'all' row (.csv or .parquet)."))] = None,
           workspace: Annotated[Optional[Path], typer.Option("--workspace", "-w", help=(
               "Workspace of --segmentation (default kenal-workspace)."))] = None,
           engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """A/B uplift per segment: treatment - control with a confidence interval, relative uplift, p-values."""
    from kenal.scores.uplift import read_experiment, uplift_by_segment, with_segments, workspace_segments, write_uplift

    if segment_column and segmentation:
        raise ConfigError("--segment-column and --segmentation both give segments; use one")
    if snapshot and not segmentation:
        raise ConfigError("--snapshot needs --segmentation (the snapshot's segments are what it selects)")
    experiment = read_experiment(input, group=group, outcome=outcome, outcome_kind=outcome_kind,
                                 segment_column=segment_column, arm_column=arm_column,
                                 treatment=treatment, control=control)
    if segmentation:
        with _store(_existing(workspace or DEFAULT_WORKSPACE), engine, dsn, spark_master) as store:
            sid, segments = workspace_segments(store, experiment.frame.customer_id, segmentation, snapshot)
        experiment = with_segments(experiment, segments, f"segmentation '{segmentation}' of snapshot {sid}")
    report = uplift_by_segment(experiment, confidence=confidence, min_per_arm=min_per_arm, baseline_arm=baseline_arm)
    _print_uplift(report)
    if output is not None:
        write_uplift(report, output)
        console.print(f"Wrote {len(report.to_frame()):,} rows to {output}")


def _compact(v: float) -> str:
    """A number in at most about six characters: 1,215 / 122k / 1.23M (exact values go to --output)."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:.3g}B"
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    return f"{v:,.0f}" if a >= 100 else f"{v:.3g}"


def _print_uplift(report) -> None:
    from rich import box

    binary = report.kind == "binary"
    method = ("Newcombe hybrid score interval; p: two-proportion z-test, Fisher's exact test where an expected "
              "count is under 5" if binary else "Welch t interval and t-test")
    console.print(escape(f"{report.source}: {report.count_line()}"))
    if report.segmented_by:
        console.print(escape(f"Segments: {report.segmented_by}" + (
            f"; {report.not_segmented:,} customers not in it are counted as (not segmented)"
            if report.not_segmented else "")))
    console.print(escape(f"Outcome '{report.outcome}' ({'conversion rate' if binary else 'mean'}): "
                         f"{report.confidence:.0%} {method}; Holm: p adjusted across the segments. "
                         "Bold: the interval excludes 0."))
    value = (lambda v: f"{v:.1%}") if binary else _compact
    diff = (lambda v: f"{v * 100:+.1f}") if binary else (lambda v: ("+" if v > 0 else "") + _compact(v))
    what = "conversion rate, uplift in percentage points" if binary else f"mean {report.outcome}"

    def interval(low, high) -> str:
        return "" if low != low else f"{diff(low)} to {diff(high)}"

    def p_text(p: float) -> str:  # the exact values are in --output
        return "" if p != p else "<.001" if p < 0.001 else f"{p:.3f}"

    def new_table(title: str, names) -> Table:  # compact: ten columns fit an 80-column terminal
        table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                      show_edge=False, collapse_padding=True)
        for col in names:
            table.add_column(col, justify="left" if col == "segment" else "right", no_wrap=True)
        return table

    for arm in dict.fromkeys(r.arm for r in report.results):
        table = new_table(f"Uplift{f' in arm {arm}' if arm else ''} ({what}; T treatment, C control)",
                          ("segment", "n T", "n C", "T", "C", "uplift", f"{report.confidence:.0%} CI", "rel.",
                           "p", "Holm"))
        notes = []
        for r in (r for r in report.results if r.arm == arm):
            if r.note or r.excluded_no_outcome:
                notes.append(f"{r.segment}: " + "; ".join(filter(None, [r.note, r.excluded_no_outcome and (
                    f"{r.excluded_no_outcome:,} left out without an outcome")])))
            table.add_row(escape(r.segment), f"{r.n_treatment:,}", f"{r.n_control:,}",
                          value(r.outcome_treatment), value(r.outcome_control),
                          ("[bold]" if r.significant else "") + diff(r.uplift) if r.uplift == r.uplift else "",
                          interval(r.ci_low, r.ci_high),
                          "" if r.relative_uplift != r.relative_uplift else f"{r.relative_uplift:+.0%}",
                          p_text(r.p_value), p_text(r.p_value_holm))
        console.print(table)
        for note in notes:
            console.print(escape(note))
    if report.comparisons:
        d0 = report.comparisons[0]
        table = new_table(f"Difference of uplifts, {d0.new} - {d0.baseline}"
                          + (" (percentage points)" if binary else ""),
                          ("segment", d0.new, d0.baseline, "difference", f"{report.confidence:.0%} CI"))
        for d in report.comparisons:
            table.add_row(escape(d.segment), diff(d.uplift_new), diff(d.uplift_baseline),
                          ("[bold]" if d.significant else "") + diff(d.difference), interval(d.ci_low, d.ci_high))
        console.print(table)


@text_app.command("sentiment")
def text_sentiment(
        input: Annotated[Path, typer.Option("--input", "-i", help="CSV or Parquet file with a column of texts.")],
        output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .parquet).")],
        text_column: Annotated[str, typer.Option("--text-column", help="The column holding the texts.")] = "text",
        workspace: Annotated[Optional[Path], typer.Option(
            "--workspace", "-w", help="Use this workspace's trained model (kenal text train) where it beats the "
                                      "lexicon.")] = None) -> None:
    """Add sentiment, sentiment_score, language, aspects and complaint (with their phrases) to each row of a file.

    Rows without text are kept, marked text_status = no_text, with no sentiment."""
    from kenal.text.model import active_model
    from kenal.text.score_file import score_file

    sentiment = active_model(_existing(workspace)) if workspace is not None else None
    for line in score_file(input, output, text_column, sentiment).lines():
        console.print(escape(line))
    if sentiment is not None:
        console.print(escape(f"Sentiment by the {sentiment.description}."))


@text_app.command("train")
def text_train(
        labels: Annotated[Path, typer.Option("--labels", "-l", help=(
            "CSV or Parquet with a text column and a label column (positive, neutral or negative)."))],
        workspace: Workspace = DEFAULT_WORKSPACE,
        text_column: Annotated[str, typer.Option("--text-column", help="The column holding the texts.")] = "text",
        label_column: Annotated[str, typer.Option("--label-column", help="The column holding the labels.")] = "label",
        seed: Annotated[Optional[int], typer.Option(help="Seed of the folds (default: the workspace's seed).")] = None,
) -> None:
    """Learn sentiment from your own labelled texts (TF-IDF + logistic regression), cross-validated against the
    lexicon; saved to the workspace and used wherever it scores better."""
    from kenal.text.train import train

    settings = _settings(workspace)
    with console.status("training (cross-validating against the lexicon)"):
        result = train(labels, workspace, settings.seed if seed is None else seed, text_column, label_column)
    for line in result.lines():
        console.print(escape(line))


@text_app.command("triage")
def text_triage(
        workspace: Workspace = DEFAULT_WORKSPACE,
        days: Annotated[int, typer.Option(help="A support message is open for this many days.")] = 7,
        channels: Annotated[str, typer.Option(help="Support channels, comma-separated.")] = "ticket,chat,email",
        as_of: Annotated[Optional[str], typer.Option(
            help="The queue's time (default: the latest interaction).")] = None,
        limit: Annotated[int, typer.Option(help="Rows to show (the output file has all).")] = 20,
        output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the whole queue (.csv or "
                                                                              ".parquet).")] = None,
        engine: Engine = None, dsn: Dsn = None, spark_master: SparkMaster = None) -> None:
    """The open tickets, chats and emails, most urgent first: priority from urgency, customer value and churn
    risk, with the reasons, and whether a human agent or an automated reply should answer."""
    from kenal.text.triage import triage, write_queue

    if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
        raise ConfigError(f"--output {output}: the file name must end in .csv or .parquet")
    with _store(_existing(workspace), engine, dsn, spark_master) as store:
        with console.status("triaging"):
            result = triage(store, _as_of(as_of, store.settings.timezone), days, tuple(channels.split(",")))
    for line in result.lines():
        console.print(escape(line))
    q = result.queue
    if len(q):
        table = Table(title=f"Support queue (top {min(limit, len(q))} of {len(q):,})", title_justify="left")
        for col in ("#", "priority", "route", "customer", "channel", "message", "why"):
            table.add_column(col, justify="right" if col in ("#", "priority") else "left",
                             overflow="fold", no_wrap=col in ("#", "priority", "route"))
        for r in q.head(limit).itertuples():
            text = r.text if len(r.text) <= 80 else r.text[:77] + "..."
            route = "[bold red]human[/]" if r.route == "human" else "auto"
            table.add_row(str(r.rank), f"{r.priority:.1f}", route, escape(str(r.customer_id)), escape(r.channel),
                          escape(text), escape(r.reasons + (f" | human: {r.route_reasons}" if r.route == "human"
                                                            else "")))
        console.print(table)
    if output is not None:
        write_queue(result, output)
        console.print(f"Wrote {len(q):,} messages to {output}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KenalError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)  # [segmentations.x]
        sys.exit(exc.exit_code)

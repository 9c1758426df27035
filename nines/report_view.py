"""Rich tables for `nines report` and `nines compare`."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _rate(value) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _print_ladder(console: Console, report: dict, stream: str, title: str) -> None:
    ladder = Table(title=f"nines ladder for {title}, stream '{stream}' (rate <= 10^-n per km)")
    for column in ("n", "verdict", "km still needed"):
        ladder.add_column(column)
    for rung in report["streams"][stream]["ladder"]:
        needed = "" if rung["km_needed"] is None else f"{rung['km_needed']:.3g}"
        ladder.add_row(str(rung["nine"]), rung["verdict"], needed)
    console.print(ladder)


def _print_teleop(console: Console, t: dict) -> None:
    per_operator = "n/a" if t["vehicles_per_operator"] is None else f"{t['vehicles_per_operator']:.1f}"
    utilisation = "n/a" if t["utilisation"] is None else f"{t['utilisation']:.0%}"
    console.print(f"remote operations: {t['handoffs']} handoffs ({_rate(t['per_1000_km'])} per 1,000 km; "
                  f"{', '.join(f'{n} {m}' for m, n in t['by_mode'].items()) or 'none'}), wait median "
                  f"{_rate(t['wait_median_s'])} s, p95 {_rate(t['wait_p95_s'])} s, never served {t['never_served']}; "
                  f"{t['operators']} operators for {t['fleet']} vehicles ({per_operator} per operator), utilisation "
                  f"{utilisation}, longest queue {t['queue_max']}; failures during handoff "
                  f"{t['failures_during_handoff']}, operator errors {t['operator_errors']}")
    erlang = t["erlang_c"]
    if erlang is not None:
        console.print(f"Erlang C: {erlang['arrival_per_s'] * 3600:.3g} requests/h, {erlang['service_s']:.3g} s per "
                      f"request -> {erlang['operators_needed']} operators for P(wait > {t['wait_target_s']:g} s) <= "
                      f"{t['target_share']:.0%}; with {t['operators']}: Erlang C "
                      f"{erlang['p_wait_over_target_with_operators']:.2f}, simulated {_rate(t['p_wait_over_target'])}")


def print_report(console: Console, report: dict) -> None:
    console.print(f"[bold]run {report['run_id']}[/bold]: {report['episodes']} episodes, {report['km']:.3f} km "
                  f"(confidence {report['confidence']:.0%})")
    if report["zero_km"]:
        console.print("this run drove 0 km: no per-km rate can be given")
        return
    rates = Table(title="failures per km by stream (km driven in this run)")
    for column in ("stream", "events", "rate/km", "exact interval", "upper bound", "nines shown"):
        rates.add_column(column)
    for stream, item in report["streams"].items():
        e = item["estimate"]
        rates.add_row(stream, str(e["events"]), _rate(e["rate"]), f"{_rate(e['lower'])} - {_rate(e['upper'])}",
                      _rate(e["upper_one_sided"]), str(item["nines_demonstrated"]))
    console.print(rates)
    _print_ladder(console, report, "crash", "crashes")
    if "crash_or_handoff" in report["streams"]:
        _print_ladder(console, report, "crash_or_handoff", "interventions")
    refs = ", ".join(f"{r['severity']} {r['per_km']:.2g}/km ({r['name']})" for r in report["human_reference"])
    console.print(f"human reference lines: {refs}")
    w = report["weighted_crash_rate"]
    flag = f"; assumed exposure or distributions: {', '.join(w['assumed_families'])}" if w["assumed_families"] else ""
    console.print(f"exposure-weighted crash rate: {_rate(w['rate_per_km'])} per km "
                  f"({_rate(w['lower'])} - {_rate(w['upper'])}){flag}")
    families = Table(title="families (p per encounter; nominal: per km)")
    for column in ("family", "episodes", "failures", "p", "RHW 90%", "ESS", "exposure/km", "acceleration", "assumed"):
        families.add_column(column)
    for f in report["families"]:
        explored = f" (+{f['exploring_episodes']} exploring)" if f["exploring_episodes"] else ""
        families.add_row(f["family"], f"{f['episodes']}{explored}", str(f["failures"]), _rate(f["p"]),
                         _rate(f["relative_half_width"]), f"{f['effective_sample_size']:.1f}",
                         "nominal" if f["nominal"] else _rate(f["exposure_per_km"]),
                         _rate(f["acceleration"]), "yes" if f["assumed"] else "")
    console.print(families)
    console.print(f"expected fatalities: {report['expected_fatalities']:.3g} "
                  f"({_rate(report['expected_fatalities_per_km'])} per km)")
    for version in ("2_0", "2_1"):
        lb = report[f"leaderboard_{version}"]
        console.print(f"Leaderboard {version.replace('_', '.')}: driving score {lb['driving_score']:.1f}, "
                      f"route completion {lb['route_completion']:.1f}, penalty {lb['infraction_penalty']:.3f}")
    if report["monitor"] is not None:
        for name, m in report["monitor"].items():
            lead = "n/a" if m["lead_time_median_s"] is None else f"{m['lead_time_median_s']:.1f} s"
            console.print(f"confidence monitor ({name} conditions, {m['episodes']} episodes, {m['failures']} "
                          f"failures): AUROC(failure within 3 s) {_rate(m['auroc'])}, median lead time {lead}, "
                          f"false alarms {_rate(m['false_alarms_per_1000_km'])} per 1,000 km")
    if report["teleop"] is not None:
        _print_teleop(console, report["teleop"])
    if report["failure_causes"] is not None:
        causes = ", ".join(f"{n} {cause}" for cause, n in sorted(report["failure_causes"].items()))
        console.print(f"failure causes (expert re-run): {causes}")


def print_comparison(console: Console, run_a: str, run_b: str, ratio, changes, newly_failing) -> None:
    r = ratio.as_dict()
    if r["ratio"] is None:
        console.print(f"{run_b} vs {run_a}: no failures in either run (or no km); no rate ratio")
    else:
        console.print(f"{run_b} vs {run_a}: failure-rate ratio {r['ratio']:.3g} "
                      f"({_rate(r['lower'])} - {_rate(r['upper'])}), p = {r['p_value']:.3g}")
    table = Table(title="per-family changes")
    for column in ("family", "A failures/episodes", "B failures/episodes", "p (Fisher)"):
        table.add_column(column)
    for row in changes.itertuples():
        table.add_row(row.family, f"{row.failures_a}/{row.episodes_a}", f"{row.failures_b}/{row.episodes_b}",
                      _rate(row.p_value))
    console.print(table)
    console.print(f"newly failing scenarios: {len(newly_failing)}")
    for row in newly_failing.itertuples():
        console.print(f"  {row.episode_id_b}: {row.failure_type} {row.clip_path or ''}")

"""Rich tables for `nines report` and `nines compare`."""
from __future__ import annotations

from rich.console import Console
from rich.table import Table


def _rate(value) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def _print_ladder(console: Console, report: dict, stream: str, title: str) -> None:
    ladder = Table(title=f"nines ladder, {title} ({stream}), exposure-weighted: rate <= 10^-n per km?")
    for column in ("n", "verdict", "km still needed"):
        ladder.add_column(column)
    for rung in report["streams"][stream]["weighted"]["ladder"]:
        needed = "" if rung["km_needed"] is None else f"{rung['km_needed']:.3g}"
        ladder.add_row(str(rung["nine"]), rung["verdict"], needed)
    console.print(ladder)
    console.print("km still needed: naturalistic-equivalent km at no further failure")


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


def _print_headline(console: Console, report: dict) -> None:
    crash = report["streams"]["crash"]["weighted"]
    human = next(r for r in report["human_reference"] if r["severity"] == "any crash")
    console.print(f"[bold]crash rate, exposure-weighted[/bold]: {_rate(crash['rate'])} per km "
                  f"({report['confidence']:.0%} interval {_rate(crash['lower'])} - {_rate(crash['upper'])}; "
                  f"one-sided bound {_rate(crash['upper_one_sided'])}): {crash['nines_demonstrated']} nines "
                  f"demonstrated; humans: {human['per_km']:.3g} per km ({human['name']})")
    if crash["unhealthy_families"]:
        console.print(f"[yellow]flagged unreliable[/yellow] (the interval assumes each proposal covers its failure "
                      f"region; these failed the health check): {', '.join(crash['unhealthy_families'])}")


def _print_streams(console: Console, report: dict) -> None:
    natural = f"{report['naturalistic_km']:.3g} naturalistic km"
    rates = Table(title=f"events per km: exposure-weighted (interval, bound, nines) and raw over the {natural}")
    for column in ("stream", "events", "rate", "interval", "bound", "nines", "raw"):
        rates.add_column(column)
    for stream, item in report["streams"].items():
        w, raw = item["weighted"], item["naturalistic"]
        rates.add_row(stream, str(item["events"]), _rate(w["rate"]), f"{_rate(w['lower'])}-{_rate(w['upper'])}",
                      _rate(w["upper_one_sided"]), str(w["nines_demonstrated"]), _rate(raw["rate"]))
    console.print(rates)
    console.print("severity: " + "; ".join(f"{stream}: {item['severity']}" for stream, item in report["streams"].items()))


def _print_families(console: Console, report: dict) -> None:
    families = Table(title="families, crash stream: p per encounter (nominal: per km), share of the weighted rate")
    for column in ("family", "n", "events", "p", "95 % interval", "share", "health"):
        families.add_column(column)
    for f in report["families"]:
        explored = f"+{f['exploring_episodes']}" if f["exploring_episodes"] else ""
        share = "" if f["share"] is None else f"{f['share']:.0%}"
        families.add_row(f["family"], f"{f['episodes']}{explored}", str(f["events"]), _rate(f["p"]),
                         f"{_rate(f['lower'])}-{_rate(f['upper'])}", share, "flagged" if f["problems"] else "ok")
    console.print(families)
    for f in report["families"]:
        if f["kind"] == "weighted":
            console.print(f"  {f['family']} (importance-sampled, {f['exploring_episodes']} exploring episodes left "
                          f"out): ESS_wy {f['ess_wy']:.1f}, RHW90 {_rate(f['relative_half_width'])}; "
                          f"{'; '.join(f['problems']) or 'healthy'}")


def print_report(console: Console, report: dict) -> None:
    console.print(f"[bold]run {report['run_id']}[/bold]: {report['episodes']} episodes, {report['km']:.3f} km, of "
                  f"them naturalistic {report['naturalistic_episodes']} episodes, {report['naturalistic_km']:.3f} km "
                  f"(confidence {report['confidence']:.0%})")
    if report["zero_km"]:
        console.print("this run drove 0 km: no per-km rate can be given")
        return
    _print_headline(console, report)
    _print_streams(console, report)
    _print_ladder(console, report, "crash", "crashes")
    if "crash_or_handoff" in report["streams"]:
        _print_ladder(console, report, "crash_or_handoff", "interventions")
    refs = ", ".join(f"{r['severity']} {r['per_km']:.2g}/km ({r['name']})" for r in report["human_reference"])
    console.print(f"human reference lines: {refs}")
    _print_families(console, report)
    fatal = report["expected_fatalities_per_km"]
    console.print(f"expected fatalities, exposure-weighted: {_rate(fatal['rate'])} per km ({_rate(fatal['lower'])} - "
                  f"{_rate(fatal['upper'])}); {report['expected_fatalities']:.3g} in this run's collisions")
    console.print(f"timeouts (too slow to finish the route in time; not failures): {report['timeouts']}")
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


def print_comparison(console: Console, run_a: str, run_b: str, stream: str, ratio, changes, paired,
                     newly_failing) -> None:
    r = ratio.as_dict()
    if r["ratio"] is None:
        console.print(f"{run_b} vs {run_a}, stream {stream}: no events in either run (or no km); no rate ratio")
    else:
        console.print(f"{run_b} vs {run_a}, stream {stream}: exposure-weighted rate ratio {r['ratio']:.3g} "
                      f"({_rate(r['lower'])} - {_rate(r['upper'])}), p = {r['p_value']:.3g}")
    table = Table(title="per-family changes (p per encounter; Holm-adjusted p-values)")
    for column in ("family", "A events/episodes", "A p", "B events/episodes", "B p", "p", "p (Holm)"):
        table.add_column(column)
    for row in changes.itertuples():
        table.add_row(row.family, f"{row.events_a}/{row.episodes_a}", _rate(row.p_a), f"{row.events_b}/{row.episodes_b}",
                      _rate(row.p_b), _rate(None if row.p_value != row.p_value else row.p_value),
                      _rate(None if row.p_holm != row.p_holm else row.p_holm))
    console.print(table)
    if paired.pairs:
        console.print(f"paired: {paired.pairs} scenarios driven by both runs, {paired.failed_only_a} failed in A only, "
                      f"{paired.failed_only_b} in B only (McNemar's exact p = {_rate(paired.p_value)})")
    console.print(f"newly failing scenarios: {len(newly_failing)}")
    for row in newly_failing.itertuples():
        console.print(f"  {row.episode_id_b}: {row.failure_type} {row.clip_path or ''}")

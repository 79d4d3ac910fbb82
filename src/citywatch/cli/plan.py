"""`citywatch plan`: nodes, cores, storage and bandwidth for N cameras, from measured costs."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def plan(
    cameras: int = typer.Option(..., "--cameras", min=1, help="how many cameras"),
    fps: float = typer.Option(5.0, "--fps", help="frames analysed a second per camera"),
    resolution: str = typer.Option("1080p", "--resolution", help="720p, 1080p, 4k or WxH"),
    source_fps: float = typer.Option(25.0, "--source-fps", help="frames the cameras send"),
    people: float = typer.Option(2.0, "--people", help="people in view per camera (mean)"),
    person_tracks: float = typer.Option(4.0, "--person-tracks", help="people a minute per camera"),
    vehicle_tracks: float = typer.Option(
        0.0, "--vehicle-tracks", help="vehicles a minute (plates)"
    ),
    events: float = typer.Option(2.0, "--events", help="rule events an hour per camera"),
    retention_days: float = typer.Option(30.0, "--retention-days", min=0),
    bitrate: float | None = typer.Option(None, "--bitrate", help="Mbit/s per camera"),
    cores_per_node: int = typer.Option(16, "--cores-per-node", min=1),
    utilisation: float = typer.Option(0.7, "--utilisation", help="target CPU use (headroom)"),
    costs: Path | None = typer.Option(None, "--costs", help="stage costs measured elsewhere"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object"),
) -> None:
    """Estimate what a camera network needs, and which stage dominates."""
    from citywatch.capacity.costs import load_costs, measured_costs
    from citywatch.capacity.plan import Workload, parse_resolution
    from citywatch.capacity.plan import plan as make_plan

    workload = Workload(
        cameras=cameras,
        analysed_fps=fps,
        resolution=parse_resolution(resolution),
        source_fps=source_fps,
        people_in_view=people,
        person_tracks_per_min=person_tracks,
        vehicle_tracks_per_min=vehicle_tracks,
        events_per_hour=events,
        retention_days=retention_days,
        bitrate_mbps=bitrate,
        cores_per_node=cores_per_node,
        utilisation=utilisation,
    )
    result = make_plan(workload, load_costs(costs) if costs else measured_costs())
    if as_json:
        typer.echo(json.dumps(asdict(result)))
        return
    out = Console()
    table = Table(title=f"{cameras} cameras, {fps:g} fps analysed, {resolution}")
    for column in ("stage", "cores busy", "share"):
        table.add_column(column)
    for stage in result.stages:
        table.add_row(stage.stage, f"{stage.cores:.2f}", f"{stage.share:.0%}")
    out.print(table)
    out.print(
        f"{result.busy_cores:.1f} cores busy -> {result.cores} cores at "
        f"{utilisation:.0%} use -> {result.nodes} node(s) of {cores_per_node} cores; "
        f"dominant stage: {result.dominant}"
    )
    out.print(
        f"storage {result.storage_gb_per_day:.1f} GB a day, {result.storage_tb_retained:.2f} TB "
        f"for {retention_days:g} days; camera streams {result.bandwidth_mbps:.0f} Mbit/s"
    )
    out.print(f"costs measured on: {result.machine}")

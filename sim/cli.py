"""`pothole simulate`: write a simulated patrol (recordings + ground truth) for the edge agent to replay."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sim.routes import Route

__all__ = ["build_route", "dataset_test_images", "register"]

DEFAULT_SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def dataset_test_images(shared_dir: Path) -> list[Path]:
    """Real test-split images (dashcam-like dnit-rs-es first), sorted for reproducibility."""
    found: list[Path] = []
    for name in ("dnit-rs-es", "chitholian-potholes"):
        folder = shared_dir / "datasets" / name / "images" / "test"
        if folder.is_dir():
            found += sorted(p for p in folder.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    return found


def build_route(
    spec: str,
    *,
    shared_dir: Path,
    anchor: tuple[float, float] | None,
    length_m: float,
    speed_mps: float,
    seed: int,
) -> Route:
    from common.geodesy import LatLon
    from sim.routes import comma2k19_route, graph_route, grid_edges, layer_edges

    origin = LatLon(*anchor) if anchor else None
    if spec == "comma2k19":
        poses = shared_dir / "dashcam" / "comma2k19_ex1_frame_poses.csv"
        if not poses.is_file():
            raise ValueError(f"--route comma2k19: {poses} is absent")
        return comma2k19_route(poses, anchor=origin)
    rng = random.Random(seed)
    if spec == "grid":
        return graph_route(
            "grid",
            origin or LatLon(37.1995, 126.8312),
            grid_edges(),
            length_m=length_m,
            speed_mps=speed_mps,
            rng=rng,
        )
    path = Path(spec)
    if path.is_file():
        layer_origin, edges = layer_edges(path, origin)
        return graph_route(path.stem, layer_origin, edges, length_m=length_m, speed_mps=speed_mps, rng=rng)
    raise ValueError(f"--route: {spec!r} is not comma2k19, grid or a GeoJSON road layer file")


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate(
        out: Path = typer.Option(
            ..., help="Output folder (recordings, ground_truth.geojson, manifest.json)."
        ),
        route: str = typer.Option("comma2k19", help="comma2k19 (real 1-min drive), grid, or a road GeoJSON."),
        vehicles: int = typer.Option(2, help="Virtual vehicles."),
        passes: int = typer.Option(3, help="Passes per vehicle over the route."),
        potholes: int = typer.Option(12, help="Virtual potholes placed along the route."),
        fps: float = typer.Option(10.0, help="Camera frames per second."),
        gps_r95_m: float = typer.Option(5.0, help="GPS horizontal error at 95 % (per-pass bias + jitter)."),
        heading_sigma_deg: float = typer.Option(2.0, help="Heading noise (1 sigma)."),
        dropout_probability: float = typer.Option(0.3, help="Chance that a pass has a GPS outage of 3-8 s."),
        anchor: str | None = typer.Option(None, help="lat,lon to move the route to (e.g. 37.1995,126.8312)."),
        length_m: float = typer.Option(1500.0, help="grid/layer routes: distance driven per pass."),
        speed_mps: float = typer.Option(10.0, help="grid/layer routes: speed."),
        camera_clock_offset_s: float = typer.Option(
            0.0,
            help="Camera clock runs this many seconds behind GPS; the agent's --clock-offset-s undoes it.",
        ),
        seed: int = typer.Option(7),
        shared: Path = typer.Option(DEFAULT_SHARED, help="The ../shared folder (datasets, dashcam track)."),
    ) -> None:
        """Simulate a patrol with known potholes; prints the manifest's summary as one JSON line."""
        from sim.noise import GpsErrorModel
        from sim.patrol import PatrolConfig, simulate_patrol

        anchor_ll: tuple[float, float] | None = None
        if anchor:
            try:
                lat_text, lon_text = anchor.split(",")
                anchor_ll = (float(lat_text), float(lon_text))
            except ValueError as exc:
                typer.echo(f"error: --anchor: {anchor!r} is not 'lat,lon'", err=True)
                raise SystemExit(2) from exc
        try:
            the_route = build_route(
                route, shared_dir=shared, anchor=anchor_ll, length_m=length_m, speed_mps=speed_mps, seed=seed
            )
            cfg = PatrolConfig(
                vehicles=vehicles,
                passes=passes,
                potholes=potholes,
                fps=fps,
                seed=seed,
                gps=GpsErrorModel(
                    r95_m=gps_r95_m,
                    heading_sigma_deg=heading_sigma_deg,
                    dropout_probability=dropout_probability,
                ),
                camera_clock_offset_s=camera_clock_offset_s,
            )
            manifest = simulate_patrol(the_route, cfg, out, dataset_test_images(shared))
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise SystemExit(2) from exc
        typer.echo(
            json.dumps(
                {
                    "out": str(out),
                    "route": manifest["route"],
                    "frames": manifest["frames"],
                    "potholes": len(manifest["potholes"]),
                    "passes": sum(len(v["passes"]) for v in manifest["vehicles"]),
                }
            )
        )

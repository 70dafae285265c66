"""The one console script, `pothole`: gathers each package's subcommands.

Each package owns its commands in `<package>/cli.py` and exposes `register(app)`. A package whose
extra is not installed (a vehicle box has only the detector) still shows up in `--help`, with a
command that says which extra to install instead of a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

COMMAND_MODULES: dict[str, str] = {
    "detector.cli": "",
    "edge.cli": "edge",
    "api.cli": "api",
    "training.cli": "train",
    "sim.cli": "api",
}


def _missing_extra(module_name: str, extra: str, error: ModuleNotFoundError) -> typer.Typer:
    stub = typer.Typer(help=f"(unavailable: install pothole-watch[{extra}])")

    @stub.callback(invoke_without_command=True)
    def explain() -> None:
        typer.echo(f"{module_name} needs the '{extra}' extra: pip install 'pothole-watch[{extra}]' ({error})")
        raise typer.Exit(2)

    return stub


def build_app() -> typer.Typer:
    """Build the CLI from whichever packages are importable in this environment."""
    app = typer.Typer(
        name="pothole",
        help="pothole-watch: potholes from dashcam frames to repair work orders.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module_name, extra in COMMAND_MODULES.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                continue  # the command module itself is not written (yet): nothing to offer
            group_name = module_name.split(".")[-2]
            app.add_typer(_missing_extra(module_name, extra or "core", error), name=group_name)
            continue
        module.register(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point for `pothole`; returns the exit code instead of raising SystemExit."""
    app = build_app()
    try:
        # Without standalone mode click *returns* the code of a typer.Exit instead of raising it.
        result = app(args=argv if argv is not None else sys.argv[1:], standalone_mode=False)
    except SystemExit as stop:
        return int(stop.code or 0)
    except typer.Exit as stop:
        return stop.exit_code
    except typer.Abort:
        typer.echo("aborted", err=True)
        return 1
    except Exception as error:  # click usage errors carry their own exit code
        exit_code = getattr(error, "exit_code", None)
        if exit_code is not None:
            show = getattr(error, "show", None)
            if callable(show):
                show()
            return int(exit_code)
        raise
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    raise SystemExit(main())

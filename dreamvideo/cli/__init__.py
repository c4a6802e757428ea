"""Command line: ``dreamvideo render PRESET``, ``dream``, ``stylize``, ``inspect``, ``models``.

``main(raw_args)`` returns the exit status: 0 done, 2 a user error (one line on stderr),
74 an operating-system error (disk full, permission denied; one line), 130 interrupted (finished
frames kept for a resume)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .. import __version__
from ..errors import Interrupted, UserError, os_error_line
from ..progress import MODES

EXIT_USER_ERROR = 2
EXIT_OS_ERROR = 74  # sysexits.h EX_IOERR
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dreamvideo",
        description="Deep-dream and neural-style animations from images, videos and Blender renders.")
    parser.add_argument("--version", action="version", version=f"dreamvideo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    render = commands.add_parser("render", help="render a preset to a video, PNG or EXR sequence")
    render.add_argument("preset", type=Path, nargs="+", help="one or more presets (several: several jobs)")
    _add_preset_options(render)
    render.add_argument("--overwrite", action="store_true", help="replace an existing output")
    render.add_argument("--progress", choices=MODES, default="auto",
                        help="bar on a terminal, json lines for programs (default: auto)")
    render.add_argument("--quiet", action="store_true", help="print nothing but errors")
    render.add_argument("--keep-work", action="store_true", help="keep the work folder of frames")
    render.add_argument("--preview", action="store_true",
                        help="render small (the preset's design width, else 320 px) with the final "
                             "look, to NAME.preview.EXT beside the output")
    farm = render.add_mutually_exclusive_group()
    farm.add_argument("--workers", type=_positive_int, metavar="N",
                      help="render on a Dask cluster of N worker processes on this machine")
    farm.add_argument("--scheduler", metavar="tcp://HOST:PORT", type=_scheduler_address,
                      help="render on a running Dask cluster (dask scheduler / dask worker, dask-jobqueue)")

    render.set_defaults(run=run_render)

    dream = commands.add_parser("dream", help="dream a single image")
    dream.add_argument("image", type=Path, help="the picture to dream (PNG, JPEG, TIFF, BMP, WebP)")
    dream.add_argument("-o", "--output", type=Path, required=True, help="where to write the dream (.png, .jpg)")
    dream.add_argument("--preset", type=Path, help="preset whose model and dream: sections to use")
    _add_photo_options(dream, "the dream's step (0: the photo unchanged, 2: twice as strong)")
    _add_preset_options(dream, example="dream.steps=20")
    dream.add_argument("--overwrite", action="store_true", help="replace an existing output")
    dream.set_defaults(run=run_dream)

    from ..inspect import add_inspect_parser  # imports TensorFlow only when a command runs

    add_inspect_parser(commands)
    stylize = commands.add_parser("stylize", help="stylise a single image with one or more style images")
    stylize.add_argument("content", type=Path, help="the picture to stylise")
    stylize.add_argument("styles", type=Path, nargs="*", metavar="STYLE",
                         help="one or more style images (or style.images in --preset)")
    stylize.add_argument("-o", "--output", type=Path, required=True, help="where to write the result (.png, .jpg)")
    stylize.add_argument("--preset", type=Path, help="preset whose model and style: sections to use")
    _add_photo_options(stylize, "the style weight (0: the photo unchanged, 2: twice the style)")
    _add_preset_options(stylize, example="style.iterations.first=200")
    stylize.add_argument("--overwrite", action="store_true", help="replace an existing output")
    stylize.set_defaults(run=run_stylize)
    from .train_style import add_train_style_parser  # no TensorFlow until it runs
    from ..backbone.weights import add_models_parser

    add_train_style_parser(commands)
    add_models_parser(commands)
    return parser


def _add_preset_options(parser: argparse.ArgumentParser, example: str = "output.frames=48") -> None:
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help=f"override a preset value, e.g. --set {example} (repeatable)")


def _add_photo_options(parser: argparse.ArgumentParser, strength: str) -> None:
    parser.add_argument("--strength", type=float, default=1.0, metavar="S",
                        help=f"multiplies {strength}; default 1")
    parser.add_argument("--size", type=_size, metavar="WxH",
                        help="fit the picture to this size first (default: its own size; a preset's "
                             "output.size is not applied)")


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)[xX](\d+)", text.strip())
    if not match or not all(16 <= int(v) <= 16384 for v in match.groups()):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, 16..16384 each, e.g. 1024x768; got {text!r}")
    return int(match.group(1)), int(match.group(2))


def run_render(args) -> int:
    from ..config import load_preset
    from ..config.preview import preview_of
    from ..components.inputs import check_inputs
    from ..progress import Progress

    named = [(path.stem, path) for path in args.preset]
    presets = []
    for name, path in named:  # every preset checked before any work, and before TensorFlow loads
        preset = load_preset(path, args.overrides)
        if args.preview:
            preset = preview_of(preset)
        check_inputs(preset, name=str(path) if len(named) > 1 else None)
        presets.append((name, preset))
    mode = "none" if args.quiet else args.progress
    if args.workers or args.scheduler:
        from ..farm import render_jobs

        outputs = render_jobs(presets, workers=args.workers, scheduler=args.scheduler,
                              overwrite=args.overwrite, progress_mode=mode, keep_work=args.keep_work)
    else:
        from ..engine import render

        several = len(presets) > 1
        outputs = [render(preset, overwrite=args.overwrite, progress=Progress(mode, job=name if several else None),
                          keep_work=args.keep_work) for name, preset in presets]
    if mode not in ("none", "json"):
        for output in outputs:
            print(f"wrote {output}", file=sys.stderr)
    return 0


def _scheduler_address(text: str) -> str:
    host_port = text.split("://", 1)[-1]
    if not re.fullmatch(r"[^/:\s]+(:[^/\s]+)*:\d+", host_port):
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT, got {text!r}")
    return text


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return int(text)


def run_dream(args) -> int:
    from ..photo import dream_image_file

    dream_image_file(args.image, args.output, preset_path=args.preset, overrides=args.overrides,
                     overwrite=args.overwrite, strength=args.strength, size=args.size)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def run_stylize(args) -> int:
    from ..photo import stylize_image_file

    stylize_image_file(args.content, args.styles, args.output, preset_path=args.preset,
                       overrides=args.overrides, overwrite=args.overwrite, strength=args.strength,
                       size=args.size)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def main(raw_args: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(raw_args)

    try:
        return args.run(args)
    except UserError as err:
        print(f"dreamvideo: error: {err}", file=sys.stderr)
        return EXIT_USER_ERROR
    except OSError as err:  # disk full, no permission, a folder deleted mid-run
        print(f"dreamvideo: error: {os_error_line(err, resumable=args.command == 'render')}",
              file=sys.stderr)
        return EXIT_OS_ERROR
    except Interrupted as err:
        print(f"dreamvideo: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except KeyboardInterrupt:
        print("dreamvideo: interrupted; finished frames are kept, run the same command to resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())

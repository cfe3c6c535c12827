"""IGDE's Fig. 11: a trained IGDE run applied to Middlebury scenes, holes filled from below.

    python -m commands.igde_middlebury RUN_DIR SCENES_ROOT [--out DIR]

SCENES_ROOT holds one folder per scene, in the 2014 layout (`im0.png`, `disp0.pfm`, `calib.txt`)
or the 2005/2006 layout (`view1.png`, `disp1.png`), as DPDE's Middlebury reader reads them. Each
scene's disparity is filled by extending the known values from the bottom vertically, converted
to the 8-bit convention IGDE trained on, and enhanced at full resolution (`igde.middlebury`).
Writes DIR/middlebury.png (colour | filled depth | enhanced depth | |difference|, a row per
scene), DIR/<scene>_enhanced.png (8-bit) and DIR/middlebury.json (per scene: the mean absolute
change in grey levels over all pixels, the known ones and the filled holes), and prints the
table. DIR defaults to RUN_DIR/middlebury. No input file is written.
"""

import argparse
import pathlib
import sys

from common.errors import ConfigError, exit_status


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", help="a finished IGDE run directory (with model.keras)")
    parser.add_argument("scenes", help="folder of Middlebury scene folders")
    parser.add_argument("--out", help="where to write (default: RUN_DIR/middlebury)")
    args = parser.parse_args(argv)

    def work():
        import numpy as np

        from commands.registry import load_trained_run
        from common.atomic import write_image, write_json_atomically
        from common.data.middlebury import load_scene, scene_dirs, scene_layout
        from common.outputs import check_output, output_folder
        from common.predictor import make_predictor
        from common.run_directory import writing_into
        from common.viz import draw_middlebury_grid
        from igde.middlebury import enhance_scene

        root = pathlib.Path(args.scenes)
        if not root.is_dir():
            raise ConfigError(f"{root}: no such folder (expected one folder per Middlebury scene)")
        scenes = scene_dirs(root)
        if not scenes:
            raise ConfigError(f"{root}: no Middlebury scene (folders with disp0.pfm or disp1.png)")
        out = pathlib.Path(args.out) if args.out else pathlib.Path(args.run_dir) / "middlebury"
        with writing_into(args.run_dir, out):
            check_output(out, reads=[root], folder=True)
            run = load_trained_run(args.run_dir)
            spec = run.model.spec
            if spec.sample_kind != "enhancement":
                raise ConfigError(f"{args.run_dir}: a {spec.title} run has no depth input to enhance (expected IGDE)")
            output_folder(out)
            predict = make_predictor(run.network, spec.inputs)
            rows, summary = [], {}
            for scene_dir in scenes:
                scene = load_scene(scene_dir)
                result = enhance_scene(predict, scene)
                rows.append((scene_dir.name, scene["image"], result))
                enhanced = np.round(result["enhanced"] * 255).astype(np.uint8)
                write_image(out / f"{scene_dir.name}_enhanced.png", enhanced)
                summary[scene_dir.name] = {
                    key: result[key] for key in ("mean_change", "mean_change_known", "mean_change_filled", "holes")
                }
                summary[scene_dir.name]["layout"] = scene_layout(scene_dir)
            draw_middlebury_grid(rows, out / "middlebury.png")
            write_json_atomically(out / "middlebury.json", {"run": str(args.run_dir), "scenes": summary})
        print("scene | layout | holes | mean |change| (grey levels): all / known / filled")
        for name, values in summary.items():
            filled = "none" if values["mean_change_filled"] is None else f"{values['mean_change_filled']:.2f}"
            print(
                f"{name} | {values['layout']} | {100 * values['holes']:.1f} % | "
                f"{values['mean_change']:.2f} / {values['mean_change_known']:.2f} / {filled}"
            )
        print(f"wrote {out / 'middlebury.png'}, {out / 'middlebury.json'}")

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())

"""Every command's entry point, for the tables that run them all (malformed inputs, the output
policy); `test_output_policy.py` fails when a command of `commands/` is missing here."""

from commands.budget import main as budget_main
from commands.constraints import main as constraints_main
from commands.corruption import main as corruption_main
from commands.dpde_predict import main as dpde_predict
from commands.evaluate import main as evaluate_main
from commands.export import main as export_main
from commands.figures import main as figures_main
from commands.igde_enhance import main as igde_enhance
from commands.igde_middlebury import main as igde_middlebury_main
from commands.learning_curves import main as learning_curves_main
from commands.loss_anatomy import main as loss_anatomy_main
from commands.omega_sweep import main as omega_sweep_main
from commands.parameters import main as parameters_main
from commands.pilot import main as pilot_main
from commands.report import main as report_main
from commands.reproduce import main as reproduce_main
from commands.sceneflow_like import main as sceneflow_like_main
from commands.score import main as score_main
from commands.train import main as train_main
from commands.write_split import main as write_split_main

COMMANDS = {
    "train": train_main,
    "igde-enhance": igde_enhance,
    "dpde-predict": dpde_predict,
    "evaluate": evaluate_main,
    "report": report_main,
    "figures": figures_main,
    "export": export_main,
    "omega-sweep": omega_sweep_main,
    "corruption": corruption_main,
    "budget": budget_main,
    "sceneflow-like": sceneflow_like_main,
    "pilot": pilot_main,
    "learning-curves": learning_curves_main,
    "loss-anatomy": loss_anatomy_main,
    "igde-middlebury": igde_middlebury_main,
    "score": score_main,
    "write-split": write_split_main,
    "constraints": constraints_main,
    "reproduce": reproduce_main,
    "parameters": parameters_main,
}
# Commands that only print: the policy table has no output of theirs to try.
PRINT_ONLY = {"budget", "corruption", "loss-anatomy", "parameters"}

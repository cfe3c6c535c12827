"""The reproduction campaign: every row of every table of both papers, under seeds 0..N-1.

    python -m commands.reproduce {igde,dpde,all} [--scale cpu|paper] [--seeds 3]
        [--list | --collect [--out REPRODUCTION.md]]

Without `--list` or `--collect` it runs the campaign's jobs one after the other
(`commands.campaign`): each is `python train.py EXPERIMENT --scale S --set train.seed=K --run-dir
runs/reproduce/S/<name>/seedK`, its output in `runs/reproduce/S/<name>/seedK.log`. A job whose
summary (`reproduction/S/<name>/seedK.json`) is of the current experiment is skipped; a killed
one resumes from its newest checkpoint (train.py does). After each job it prints the job's
number, the time it took and an estimate of the time left, and writes the job's summary.

`--list` prints the jobs still to run, one runnable command a line (in the order they must run: a
Middlebury row scores the NYU run of its seed), for a Slurm array, GNU parallel or Kubernetes jobs
sharing the run directory; at the paper scale each line ends in a shell comment with the days of
the paper's GPU the run trains for (`commands.training_cost`). It first writes what the commands
read and cannot download (at the CPU scale, scikit-image's Middlebury Motorcycle scene in
data/motorcycle). `--collect` summarises the
finished runs that have no summary yet, then writes the report (tables as mean +- standard
deviation over seeds, the claims ledger with a verdict per claim: `commands.claims`) to `--out`,
or prints it.
"""

import argparse
import pathlib
import subprocess
import sys
import time

from commands.campaign import PAPER_SCALE
from common.errors import ConfigError, exit_status, require_number

CPU_SCALE = "cpu"
SCALES = (CPU_SCALE, PAPER_SCALE)
MOTORCYCLE_ROOT = pathlib.Path("data/motorcycle")


def prepare(jobs):
    """Writes what the jobs read that no download provides: the Motorcycle scene of the CPU
    scale's Middlebury rows (once)."""
    from common.data.middlebury import write_motorcycle_scene
    from common.outputs import output_folder

    if any(job.scale == CPU_SCALE and not job.trains for job in jobs) and not (MOTORCYCLE_ROOT / "Motorcycle").is_dir():
        write_motorcycle_scene(output_folder(MOTORCYCLE_ROOT))
        print(
            f"wrote scikit-image's Middlebury 2014 Motorcycle scene to {MOTORCYCLE_ROOT / 'Motorcycle'}",
            file=sys.stderr,
        )


def pending(jobs, summaries):
    """The jobs without a summary of their current experiment, in order."""
    from commands.campaign import summarised

    return [job for job in jobs if not summarised(job, summaries)]


def list_jobs(jobs):
    """Prints each job's command; at the paper scale with the days of the paper's GPU it trains
    for (`commands.training_cost`) as a shell comment."""
    from commands.registry import load_experiment
    from commands.training_cost import gpu_days

    days = {}
    for job in jobs:
        if job.scale != PAPER_SCALE:
            print(job.command_line())
            continue
        if job.experiment not in days:
            days[job.experiment] = gpu_days(load_experiment(job.path), job.experiment.split("/")[0])
        cost = days[job.experiment]
        note = "trains nothing" if cost == 0 else f"about {cost:.2g} days of the paper's GPU"
        print(f"{job.command_line()}  # {note}")
    if days:
        total = sum(days[job.experiment] for job in jobs)
        print(f"# {len(jobs)} runs: about {total:.3g} days of the papers' GPUs in all")


def _duration(seconds):
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def run_job(job, summaries):
    """Runs `job` (its command, with this Python), output to its log; writes its summary. Returns
    the command's exit status and its wall time."""
    from commands.campaign import write_summary
    from common.outputs import output_file

    log = output_file(job.run_dir.with_suffix(".log"))
    start = time.monotonic()
    with open(log, "a", encoding="utf-8") as output:
        status = subprocess.run([sys.executable, *job.argv()[1:]], stdout=output, stderr=subprocess.STDOUT).returncode
    seconds = time.monotonic() - start
    if status == 0:
        write_summary(job, summaries, wall_seconds=seconds)
    return status, seconds


def run_campaign(jobs, summaries):
    """Runs the pending jobs in order; stops at the first that fails (its status is returned).
    A scoring job whose scored run is not in the run directory (a campaign resumed on another
    machine, with the summaries but not the checkpoints) runs that job first."""
    from commands.campaign import write_summary

    todo = pending(jobs, summaries)
    print(f"{len(jobs) - len(todo)} of {len(jobs)} runs already summarised; {len(todo)} to run")
    durations = []
    for number, job in enumerate(todo, start=1):
        needed = [job.scored_run] if job.scored_run is not None and not job.scored_run.finished() else []
        for step in [*needed, job]:
            if step is job and step.finished():
                write_summary(step, summaries)
                print(f"run {number} of {len(todo)}: {step.run_dir} had finished; summarised")
                continue
            print(f"run {number} of {len(todo)}: {step.command_line()}", flush=True)
            status, seconds = run_job(step, summaries)
            if status != 0:
                log = step.run_dir.with_suffix(".log")
                print(f"error: {step.command_line()} ended with status {status}; its output: {log}", file=sys.stderr)
                return status
            durations.append(seconds)
            left = sum(durations) / len(durations) * (len(todo) - number)
            print(f"run {number} of {len(todo)} took {_duration(seconds)}; about {_duration(left)} left", flush=True)
    return 0


def collect(jobs, paper, summaries, out):
    """Summarises the finished runs without a current summary, then writes (or prints) the report."""
    from commands.campaign import read_summary, write_summary
    from commands.campaign_report import campaign_report
    from common.atomic import atomic_path
    from common.outputs import check_output

    if out is not None:
        check_output(out, reads=[summaries, *{job.runs_root for job in jobs}])
    todo = pending(jobs, summaries)
    finished = [job for job in todo if job.finished()]
    for job in finished:
        write_summary(job, summaries)
        print(f"summarised {job.run_dir}", file=sys.stderr)
    # Only the summaries of the experiments as they are now: a stale one (another digest: the
    # experiment or a network's arguments changed since) describes another experiment.
    current = [job for job in jobs if job not in todo or job in finished]
    stale = [job for job in todo if job not in finished and job.summary_path(summaries).is_file()]
    if stale:
        print(f"left out {len(stale)} stale summaries, first {stale[0].summary_path(summaries)}", file=sys.stderr)
    report = campaign_report(
        jobs, {job: read_summary(job.summary_path(summaries)) for job in current}, paper, summaries
    )
    if out is None:
        print(report)
        return
    with atomic_path(out) as temporary:
        temporary.write_text(report)
    print(f"wrote {out}", file=sys.stderr)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paper", choices=["igde", "dpde", "all"])
    parser.add_argument(
        "--scale", choices=SCALES, default=CPU_SCALE, help="cpu (default) or paper: the experiments as written"
    )
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 (default 3)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--list", action="store_true", help="print the commands still to run, one a line")
    mode.add_argument("--collect", action="store_true", help="summarise finished runs and write the report")
    parser.add_argument("--out", help="--collect: write the report here (default: print it)")
    parser.add_argument("--runs-root", default="runs/reproduce", help="where the runs go (default runs/reproduce)")
    parser.add_argument("--summaries", default="reproduction", help="where the summaries go (default reproduction)")
    args = parser.parse_args(argv)

    def work():
        from commands.campaign import campaign_jobs

        require_number(args.seeds, "--seeds", low=1, high=1000)
        if args.out is not None and not args.collect:
            raise ConfigError("--out: only with --collect")
        jobs = campaign_jobs(args.paper, args.scale, args.seeds, args.runs_root)
        if args.collect:
            collect(jobs, args.paper, args.summaries, args.out)
            return
        prepare(jobs)
        if args.list:
            list_jobs(pending(jobs, args.summaries))
            return
        status = run_campaign(jobs, args.summaries)
        if status:
            raise SystemExit(status)

    return exit_status(work)


if __name__ == "__main__":
    sys.exit(main())

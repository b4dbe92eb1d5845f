"""Mutation score of the pure core, one line per module (issue 18: at least 90 % each).

    .venv/bin/python tools/mutation_score.py                  # mutate and test all of notifier/core
    .venv/bin/python tools/mutation_score.py errors text.render   # only these modules
    .venv/bin/python tools/mutation_score.py --report-only    # print the last results, run nothing

mutmut (configured in pyproject's ``[tool.mutmut]``) copies the package and the tests into
``mutants/`` and runs the fast unit tests against each mutant. The copied tests look for the shared
fixtures beside the repository, which ``mutants/`` is not, so this script points them at the real
ones through ``CLAUDE_USAGE_NOTIFIER_SHARED``.

A module passes when it kills at least 90 % of its mutants, or when every mutant it lets live is
listed in ``tools/equivalent_mutants.txt`` (one mutant id per line, then the reason it cannot be
told apart from the original). Exit status: 0 when every reported module passes, 1 otherwise, 2 when
mutmut itself failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORE = REPO / "notifier" / "core"
MUTANTS = REPO / "mutants"
EQUIVALENTS = REPO / "tools" / "equivalent_mutants.txt"
THRESHOLD = 90.0

# mutmut's exit codes per mutant (mutmut.stats.status_by_exit_code), folded into what we count.
# Killed: the tests failed, timed out, or the type checker caught it.
_KILLED = {1, 3, 24, -24, 152, 255, 36, 37}
_SKIPPED = {34}  # "pragma: no mutate"
_NOT_CHECKED = {None}


@dataclass
class ModuleScore:
    """The mutants of one core module, by outcome."""

    module: str
    killed: int = 0
    total: int = 0
    not_checked: int = 0
    alive: list[str] = field(default_factory=list)  # survived, untested or suspicious

    @property
    def score(self) -> float:
        """Per cent of the checked mutants the tests killed (100 for a module without mutants)."""
        checked = self.total - self.not_checked
        return 100.0 if checked == 0 else 100.0 * self.killed / checked


def core_modules() -> list[str]:
    """Dotted names below ``notifier.core`` of every module mutmut may mutate."""
    names = []
    for path in sorted(CORE.rglob("*.py")):
        parts = path.relative_to(CORE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            names.append(".".join(parts))
    return names


def source_of(module: str) -> Path:
    """The file of a core module (``drift`` is ``drift/__init__.py``)."""
    relative = module.replace(".", "/")
    plain = CORE / f"{relative}.py"
    return plain if plain.exists() else CORE / relative / "__init__.py"


def mutant_pattern(module: str) -> str:
    """The glob of the mutant ids in ``module`` (``<module>.x<function>__mutmut_<n>``)."""
    return f"notifier.core.{module}.x*"


def run_mutmut(modules: list[str], max_children: int) -> int:
    """Run mutmut on ``modules`` (all mutants named, so earlier verdicts are re-checked)."""
    env = dict(os.environ)
    env.setdefault("CLAUDE_USAGE_NOTIFIER_SHARED", str(REPO.parent / "shared"))
    exe = Path(sys.executable).parent / "mutmut"
    command = [str(exe) if exe.exists() else (shutil.which("mutmut") or "mutmut")]
    command += ["run", "--max-children", str(max_children)]
    command += [mutant_pattern(module) for module in modules]
    MUTANTS.mkdir(exist_ok=True)
    log = MUTANTS / "mutation-score.log"
    print(f"running mutmut on {len(modules)} module(s); its output goes to {log}", file=sys.stderr)
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        print(f"mutmut failed (exit {done.returncode}):\n{tail}", file=sys.stderr)
    return done.returncode


def read_scores(modules: list[str]) -> dict[str, ModuleScore]:
    """Count outcomes per module from mutmut's ``.meta`` files in ``mutants/``."""
    scores = {module: ModuleScore(module) for module in modules}
    for module in modules:
        source = source_of(module)
        meta = MUTANTS / (str(source.relative_to(REPO)) + ".meta")
        if not meta.exists():
            scores[module].not_checked = -1  # never run
            continue
        exit_codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))[
            "exit_code_by_key"
        ]
        score = scores[module]
        for mutant, code in sorted(exit_codes.items()):
            score.total += 1
            if code in _SKIPPED or code in _NOT_CHECKED:
                score.not_checked += 1
            elif code in _KILLED:
                score.killed += 1
            else:
                score.alive.append(mutant)
    return scores


def read_equivalents(path: Path = EQUIVALENTS) -> dict[str, str]:
    """Mutant id -> the reason it is equivalent; ``#`` starts a comment line."""
    if not path.exists():
        return {}
    listed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        mutant, _, reason = line.partition(" ")
        listed[mutant] = reason.strip()
    return listed


def report(scores: dict[str, ModuleScore], equivalents: dict[str, str]) -> bool:
    """Print the table; True when every module passes."""
    ok = True
    width = max(len(module) for module in scores)
    killed = total = checked = 0
    for module, score in scores.items():
        if score.not_checked < 0:
            print(f"{module:<{width}}  not run")
            ok = False
            continue
        if score.total == 0:
            print(f"{module:<{width}}  no mutants")
            continue
        listed = [mutant for mutant in score.alive if mutant in equivalents]
        unexplained = [mutant for mutant in score.alive if mutant not in equivalents]
        passes = score.score >= THRESHOLD or not unexplained
        note = f"  {len(listed)} equivalent" if listed else ""
        if score.not_checked:
            note += f"  {score.not_checked} not checked"
        if not passes:
            note += f"  FAIL: {len(unexplained)} unexplained survivor(s)"
            ok = False
        print(
            f"{module:<{width}}  {score.killed:>4} / {score.total - score.not_checked:<4}"
            f" {score.score:6.1f} %{note}"
        )
        killed += score.killed
        total += score.total
        checked += score.total - score.not_checked
    overall = 100.0 if checked == 0 else 100.0 * killed / checked
    print(f"{'overall':<{width}}  {killed:>4} / {checked:<4} {overall:6.1f} %")
    stale = sorted(
        mutant
        for mutant in equivalents
        if any(mutant.startswith(f"notifier.core.{m}.x") for m in scores)
        and not any(mutant in score.alive for score in scores.values())
    )
    for mutant in stale:
        print(f"note: {mutant} is listed as equivalent but did not survive", file=sys.stderr)
    return ok


def main(argv: list[str] | None = None) -> int:
    """Run mutmut (unless ``--report-only``) and print the score per core module."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="core modules, e.g. errors text.render")
    parser.add_argument("--report-only", action="store_true", help="print the last results")
    parser.add_argument("--max-children", type=int, default=2, help="parallel workers (2)")
    parser.add_argument("--verbose", action="store_true", help="list the surviving mutants")
    args = parser.parse_args(argv)
    known = core_modules()
    unknown = [module for module in args.modules if module not in known]
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)} (known: {', '.join(known)})")
    modules = args.modules or known
    if not args.report_only:
        # mutmut mutates functions only; naming a module without one would match no mutant.
        with_mutants = [m for m in modules if "def " in source_of(m).read_text(encoding="utf-8")]
        if run_mutmut(with_mutants, args.max_children) != 0:
            return 2
    scores = read_scores(modules)
    equivalents = read_equivalents()
    ok = report(scores, equivalents)
    if args.verbose:
        for score in scores.values():
            for mutant in score.alive:
                mark = "equivalent" if mutant in equivalents else "survived"
                print(f"  {mark}: {mutant}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: run every benchmarks/bench_*.py in turn; each prints its own table beside its baseline.

Pass names to run a subset: python benchmarks/run_all.py dates hindi
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in names]
    failures = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        spec = importlib.util.spec_from_file_location(script.stem, script)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
        started = time.perf_counter()
        try:
            spec.loader.exec_module(module)
            module.main()
        except SystemExit as exit_:
            failures += bool(exit_.code)
        except Exception as error:  # one broken benchmark must not hide the others' figures
            failures += 1
            print(f"{script.stem} failed: {error!r}")
        print(f"({script.stem} took {time.perf_counter() - started:.1f} s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main(sys.argv[1:]))

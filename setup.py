"""Only for `scrapyd-deploy`, which runs `setup.py bdist_egg`: the package itself is described in pyproject.toml.

The egg is built in a temporary folder, so a deploy leaves no build/ or *.egg-info in the checkout.
"""

import atexit
import shutil
import sys
import tempfile

from setuptools import setup

options = {}
if "bdist_egg" in sys.argv:
    scratch = tempfile.mkdtemp(prefix="khabar-egg-")
    atexit.register(shutil.rmtree, scratch, True)  # the egg itself goes to scrapyd-deploy's own folder (-d)
    options = {"build": {"build_base": f"{scratch}/build"}, "egg_info": {"egg_base": scratch},
               "bdist_egg": {"bdist_dir": f"{scratch}/bdist"}}
setup(options=options)

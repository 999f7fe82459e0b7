"""Build the optional ticket kernel (a C extension); everything else is in pyproject.toml.

The extension is optional: when it cannot be compiled (no C compiler, no Python headers),
setuptools warns and installs the package without it, and `dualrandom.tickets` uses the
hashlib reference path, which gives the same tickets.
"""

import os

from setuptools import Extension, setup

POSIX = os.name == "posix"

setup(
    ext_modules=[
        Extension(
            "dualrandom.kernel._sha256",
            sources=["src/dualrandom/kernel/_sha256.c"],
            extra_compile_args=["-O3", "-pthread"] if POSIX else ["/O2"],
            extra_link_args=["-pthread"] if POSIX else [],
            optional=True,
        )
    ]
)

"""The forkserver's last preparation before it forks rule evaluators: the language model
loaded, the heap made fit to share.

A detection is part of every test of a candidate rule on a text, and the language
identifier's model costs ~72 MB resident and 1-2 s of CPU to load. The rule evaluators'
forkserver (monitor.sandbox) imports this module after the modules its workers run, before it
forks a worker, so that the workers share one copy of all of it copy-on-write instead of each
loading its own on its first task.
"""

from __future__ import annotations

import contextlib
import gc

from monitor.memory import release
from monitor.rules.language import detect_language

# The forkserver stops on any error but an ImportError here, and every evaluation with it: a
# model that cannot load is left for each detection to report, as it was before.
with contextlib.suppress(Exception):
    detect_language("A sentence long enough to load the language model.")
gc.collect()
# A collection in a worker writes into the header of every object it visits, which copies
# each page of the shared heap into the worker: the objects loaded so far are set aside from
# collections for good (they are the modules and the model, alive as long as the process).
gc.freeze()
# Decompressing the model freed about as much again: handed back now, that heap is not part
# of what every worker starts from.
release()

"""Progress of long loops (permutations, resamples, blocks) as log lines.

A bar redrawn with carriage returns (tqdm) turns into thousands of lines in a rule's log
file and interleaves badly when Snakemake runs jobs side by side, so a loop reports a
line at each tenth of its work (and at the end) through the ``proteosig`` logger, which
the rule's log file and the terminal both receive.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("proteosig")


class Progress:
    """``Progress("label null, MDD_vs_HC", 1000)``; call ``advance(n)`` as work is done.

    Logs ``label null, MDD_vs_HC: 300/1000 (30 %), 4.2 s`` each time another ``step`` of
    the total is crossed, and the last line when the total is reached.
    """

    def __init__(self, what: str, total: int, *, step: float = 0.1, logger=log):
        self.what = what
        self.total = int(total)
        self.done = 0
        self.step = max(1, int(round(self.total * step)))
        self.next_report = self.step
        self.logger = logger
        self.started = time.perf_counter()

    def advance(self, n: int = 1) -> None:
        self.done += int(n)
        if self.total <= 0 or (self.done < self.next_report and self.done < self.total):
            return
        while self.next_report <= self.done:
            self.next_report += self.step
        self.logger.info(
            "%s: %d/%d (%d %%), %.1f s",
            self.what,
            self.done,
            self.total,
            round(100 * self.done / self.total),
            time.perf_counter() - self.started,
        )

"""The pipeline's stage order and win probabilities (DATA_CONTRACT.md, METRICS.md §0 ties)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, literal

from settings import DEFAULT_PIPELINE, DEFAULT_STAGE_PROBABILITIES

LOST = "Lost"
WON = "Won"


@dataclass(frozen=True)
class Pipeline:
    """Stages in order, ending with `Won`; `Lost` ends a deal at any stage and ranks last in ties."""
    stages: tuple[str, ...] = DEFAULT_PIPELINE
    probabilities: dict = field(default_factory=lambda: dict(DEFAULT_STAGE_PROBABILITIES))

    @classmethod
    def from_settings(cls, settings) -> "Pipeline":
        return cls(tuple(settings.pipeline), dict(settings.stage_probabilities))

    @property
    def open_stages(self) -> tuple[str, ...]:
        return self.stages[:-1]

    def rank(self, stage: str) -> int:
        """0-based position; `Lost` after `Won` (the tie order of METRICS.md §0)."""
        if stage == LOST:
            return len(self.stages)
        return self.stages.index(stage)

    def rank_expr(self, col):
        """SQL: the rank of a stage column (NULL for names not in the pipeline)."""
        whens = [(col == s, literal(i)) for i, s in enumerate(self.stages)]
        whens.append((col == LOST, literal(len(self.stages))))
        return case(*whens, else_=None)

    def open_rank_expr(self, col):
        """SQL: the rank of an open stage, NULL for Won/Lost/unknown."""
        return case(*[(col == s, literal(i)) for i, s in enumerate(self.open_stages)], else_=None)

    def probability_expr(self, rank_col):
        """SQL: win probability for an open-stage rank."""
        return case(*[(rank_col == i, literal(float(self.probabilities.get(s, 0.0))))
                      for i, s in enumerate(self.open_stages)], else_=literal(0.0))


DEFAULT = Pipeline()

"""Whether a workflow handed to the engine is stored, started, or ignored.

A workflow reaches :func:`dagger.engine.operations.store_and_create` from ``create_instance``,
``submit`` or a ``tasks_topic`` message, and processing is at-least-once: after a crash the
same start may arrive again, and 0.2.6's scale-out pattern sends the same workflow twice on
purpose (``create_instance(repartition=True)`` sends it NOT_STARTED, then
``submit(repartition=True)`` sends it SUBMITTED). What happens depends on the statuses of
the copy already stored (if any) and of the copy arriving, never on a counter that storing
itself changes. Each rule below declares the statuses it applies to:

===================  =====================  =====================  ===========
rule                 stored                 arriving               outcome
===================  =====================  =====================  ===========
new workflow         none                   SUBMITTED              start
new, not submitted   none                   NOT_STARTED            store
new, in progress     none                   EXECUTING or ended     store
submit a waiting one NOT_STARTED            SUBMITTED              start
created twice        NOT_STARTED            NOT_STARTED            ignore
replayed start       SUBMITTED, EXECUTING,  NOT_STARTED or         ignore
                     or ended               SUBMITTED
progress forwarded   any                    EXECUTING or ended     store if newer
===================  =====================  =====================  ===========

"Progress forwarded" is a running workflow sent by a worker that lost its partition while
handling it: it is stored when its ``update_count`` is higher than the stored copy's
(every save, local or forwarded, counts one), otherwise it is a stale copy and ignored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from dagger.core.status import TaskStatusEnum as S
from dagger.core.transitions import TERMINAL, code_of

_ANY = frozenset(S)
_NOTHING_STORED = frozenset({None})
_NOT_STARTED = frozenset({S.NOT_STARTED})
_SUBMITTED = frozenset({S.SUBMITTED})
_STARTED = frozenset({S.SUBMITTED, S.EXECUTING}) | TERMINAL
_WAITING = frozenset({S.NOT_STARTED, S.SUBMITTED})
_IN_PROGRESS = frozenset({S.EXECUTING}) | TERMINAL


class Outcome(enum.Enum):
    """What the engine does with the arriving workflow."""

    #: Start it, then store it.
    START = "start"
    #: Store it as it is.
    STORE = "store"
    #: Store it as it is if it is newer than the stored copy, else ignore it.
    STORE_IF_NEWER = "store if newer"
    #: Leave the stored copy alone.
    IGNORE = "ignore"


@dataclass(frozen=True)
class AdmissionRule:
    """One row of the table above: the statuses it applies to and its outcome."""

    name: str
    stored: frozenset[S | None]
    arriving: frozenset[S]
    outcome: Outcome

    def applies(self, stored: S | None, arriving: S) -> bool:
        """Whether this rule covers a stored status (``None``: nothing stored) and an arriving one."""
        return stored in self.stored and arriving in self.arriving


ADMISSION_RULES: tuple[AdmissionRule, ...] = (
    AdmissionRule("new workflow", _NOTHING_STORED, _SUBMITTED, Outcome.START),
    AdmissionRule("new, not submitted", _NOTHING_STORED, _NOT_STARTED, Outcome.STORE),
    AdmissionRule("new, in progress", _NOTHING_STORED, _IN_PROGRESS, Outcome.STORE),
    AdmissionRule("submit a waiting one", _NOT_STARTED, _SUBMITTED, Outcome.START),
    AdmissionRule("created twice", _NOT_STARTED, _NOT_STARTED, Outcome.IGNORE),
    AdmissionRule("replayed start", _STARTED, _WAITING, Outcome.IGNORE),
    AdmissionRule("progress forwarded", _ANY, _IN_PROGRESS, Outcome.STORE_IF_NEWER),
)


@dataclass(frozen=True)
class Admission:
    """The decision for one arriving workflow: the rule that matched and what to do."""

    rule: AdmissionRule
    outcome: Outcome

    @property
    def runs(self) -> bool:
        """Whether the arriving workflow is started."""
        return self.outcome is Outcome.START

    @property
    def stores(self) -> bool:
        """Whether the arriving workflow is stored (started first when :attr:`runs`)."""
        return self.outcome is not Outcome.IGNORE


def admit(stored: Any | None, arriving: Any) -> Admission:
    """Decide what to do with ``arriving`` given the ``stored`` copy of its id (or ``None``)."""
    stored_code = None if stored is None else code_of(stored)
    arriving_code = code_of(arriving)
    for rule in ADMISSION_RULES:
        if rule.applies(stored_code, arriving_code):
            outcome = rule.outcome
            if outcome is Outcome.STORE_IF_NEWER:
                newer = stored is None or arriving.update_count > stored.update_count
                outcome = Outcome.STORE if newer else Outcome.IGNORE
            return Admission(rule, outcome)
    raise AssertionError(f"no admission rule for {stored_code} -> {arriving_code}")

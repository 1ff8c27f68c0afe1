"""Every table, imported once so metadata (and Alembic) sees them all."""

from workshop.access.models import MeasureMember, ProjectorLink, SessionMember  # noqa: F401
from workshop.accessibility.models import BarrierReport  # noqa: F401
from workshop.accounts.models import Facilitator  # noqa: F401
from workshop.activities.models import (  # noqa: F401
    ActionItem,
    Card,
    CardMerge,
    Cluster,
    PollAnswer,
    Rating,
    TableSeat,
    Vote,
)
from workshop.db import Base  # noqa: F401
from workshop.drafting.models import DraftCardLink, DraftUpdate  # noqa: F401
from workshop.live.models import Event  # noqa: F401
from workshop.measures.models import Measure, MeasureStatusChange, PublicMeasure, RecordRevision  # noqa: F401
from workshop.measures.monitoring import (  # noqa: F401
    EvidenceFile,
    Indicator,
    IndicatorValue,
    Milestone,
    MonitoringReview,
    MonitoringRevision,
)
from workshop.monitoring.models import CalendarFeed, StatusReport  # noqa: F401
from workshop.protocols.models import (  # noqa: F401
    ProtocolAttachment,
    ProtocolDraft,
    ProtocolReopening,
    ProtocolVersion,
)
from workshop.register.models import CardFate  # noqa: F401
from workshop.sessions.models import CustomTemplate, Participant, WorkshopSession  # noqa: F401
from workshop.training.models import ObserverNote  # noqa: F401

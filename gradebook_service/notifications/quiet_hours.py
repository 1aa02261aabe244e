"""When news may go out: quiet hours at night and the one daily digest, as a pure rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class DeliveryWindow:
    """Quiet hours ``quiet_from``–``quiet_until`` (may span midnight) and the digest hour, local."""

    zone: ZoneInfo
    quiet_from: int = 21
    quiet_until: int = 7
    digest_hour: int = 17

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def is_quiet(self, moment: datetime) -> bool:
        """True inside quiet hours (``moment`` timezone-aware)."""
        hour = self.local(moment).hour
        if self.quiet_from == self.quiet_until:
            return False
        if self.quiet_from < self.quiet_until:
            return self.quiet_from <= hour < self.quiet_until
        return hour >= self.quiet_from or hour < self.quiet_until

    def quiet_ends(self, moment: datetime) -> datetime:
        """The first moment at or after ``moment`` outside quiet hours."""
        if not self.is_quiet(moment):
            return moment
        local = self.local(moment)
        end = datetime.combine(local.date(), time(self.quiet_until), self.zone)
        if end <= local:
            end += timedelta(days=1)
        return end

    def digest_due(self, moment: datetime, last_sent_on: date | None) -> bool:
        """True when today's digest may go: past the digest hour, not quiet, not yet sent today."""
        local = self.local(moment)
        return (not self.is_quiet(moment) and local.hour >= self.digest_hour
                and last_sent_on != local.date())

    def today(self, moment: datetime) -> date:
        return self.local(moment).date()


def window_from_config(config) -> DeliveryWindow:
    """The deployment's window from its settings."""
    return DeliveryWindow(ZoneInfo(config["NOTIFICATIONS_TIMEZONE"]),
                          config["NOTIFICATIONS_QUIET_FROM"], config["NOTIFICATIONS_QUIET_UNTIL"],
                          config["NOTIFICATIONS_DIGEST_HOUR"])

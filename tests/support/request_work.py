"""What a request does, as data: its SQL statements and the templates it renders.

Used to show that two requests do the same work (e.g. a "send me a link" for a known
and an unknown address), which is what keeps their answer times alike; tests do not
measure time.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import template_rendered

from tests.gradebook.test_register_query_counts import count_queries


@dataclass
class RequestWork:
    statements: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)

    def normalised(self) -> tuple[list[str], list[str]]:
        """Statements with whitespace folded (parameters are placeholders already)."""
        return [re.sub(r"\s+", " ", s).strip() for s in self.statements], list(self.templates)


@contextmanager
def recorded_work(app, engine):
    """Record the SQL statements sent to ``engine`` and the templates ``app`` renders."""
    work = RequestWork()

    def rendered(sender, template, context, **extra):
        work.templates.append(template.name)

    template_rendered.connect(rendered, app)
    try:
        with count_queries(engine) as statements:
            yield work
            work.statements.extend(statements)
    finally:
        template_rendered.disconnect(rendered, app)

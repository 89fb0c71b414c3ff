"""Three 金华 counties' values entered and approved from a bundled dataset, for tests that run a framework.

婺城区, 义乌市 and 永康市 under 金华市 under 浙江省, each with one department per lead department of
the framework (short name = the lead), every submission of every period of the dataset approved
with the dataset's values (missing ones left empty).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from zongheng import frameworks
from zongheng.platform.db import transaction
from zongheng.platform.models import Department, Region, State
from zongheng.platform.services import org
from zongheng.platform.services.frameworks import import_framework
from zongheng.platform.services.submissions import expected_submissions

COUNTIES = {"330702": "婺城区", "330782": "义乌市", "330784": "永康市"}
START = date(2000, 1, 1)


def enter_counties(factory, panel, framework_key: str, year: int, *, extra_cities=(), more=None) -> int:
    """Enter and approve ``panel``'s values for the three counties; return the framework version's id.

    ``extra_cities`` are (code, name) of other cities under the province (empty of counties);
    ``more(session)`` runs in the same transaction (to add users, say).
    """
    column = {c: n for n, c in enumerate(panel.indicators)}
    with transaction(factory) as s:
        org.add(s, Region, "33", "浙江省", level="province", valid_from=START)
        org.add(s, Region, "3307", "金华市", parent="33", level="city", valid_from=START)
        for code, name in extra_cities:
            org.add(s, Region, code, name, parent="33", level="city", valid_from=START)
        version = import_framework(s, framework_key, year, frameworks.path(framework_key))
        leads = sorted({i.lead_department for i in version.indicators})
        for code, name in COUNTIES.items():
            org.add(s, Region, code, name, parent="3307", level="county", valid_from=START)
            depts = {}
            for n, lead in enumerate(leads):
                depts[lead] = f"{code}-{n}"
                org.add(s, Department, depts[lead], f"{name}{lead}", region_code=code, short_name=lead,
                        valid_from=START)
            unit = panel.units.index(name)
            for period in panel.periods:
                row = panel.values[panel.periods.index(period), unit]
                due = date(period + 1, 3, 31)
                for sub in expected_submissions(s, version, code, str(period), due, depts):
                    sub.state = State.APPROVED.value
                    for value in sub.values:
                        x = float(row[column[value.indicator.code]])
                        value.value = value.approved_value = None if np.isnan(x) else x
        if more is not None:
            more(s)
        return version.id

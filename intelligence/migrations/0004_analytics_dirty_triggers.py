"""PostgreSQL triggers that mark a rolled-up day stale (intelligence.rollups): a lead created before today
that is inserted, deleted or changed in a column the summary reads, and a breach of such a lead, append an
AnalyticsDirtyMark for the lead's UTC day. Leads created today never fire the function (the WHEN clauses),
so routing a new lead pays nothing. SQLite (`make run`) has no rollups and gets no triggers."""

from django.db import migrations

# The statement's clock, not the transaction's: a write that runs after midnight marks the day that ended.
TODAY = "(date_trunc('day', statement_timestamp() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
READ_COLUMNS = (
    "org_id, created_at, ruleset_id, rep_id, rule_public_id, rule_name, status, attempts, reason, "
    "routing_ms, first_response_at, response_seconds"
)
OLD_ROW = ", ".join(f"OLD.{c.strip()}" for c in READ_COLUMNS.split(","))
NEW_ROW = ", ".join(f"NEW.{c.strip()}" for c in READ_COLUMNS.split(","))

CREATE = f"""
-- One mark per (organization, day) and transaction: the first write of a day marks it and notes so in a
-- transaction-local setting, so a bulk import of a million old leads writes one mark per day, not a million.
-- Safe: the mark commits (or rolls back, with the setting) together with every write it stands for.
CREATE FUNCTION intelligence_mark_day(org bigint, day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'routeswit.analytics_marked_' || org || '_' || to_char(day, 'YYYYMMDD');
BEGIN
    IF coalesce(current_setting(flag, true), '') <> '1' THEN
        INSERT INTO intelligence_analyticsdirtymark (org_id, day, marked_at) VALUES (org, day, now());
        PERFORM set_config(flag, '1', true);
    END IF;
END $$;

CREATE FUNCTION intelligence_lead_day_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.created_at < {TODAY} THEN
        PERFORM intelligence_mark_day(OLD.org_id, (OLD.created_at AT TIME ZONE 'UTC')::date);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.created_at < {TODAY}
       AND (TG_OP = 'INSERT' OR (NEW.org_id, NEW.created_at) IS DISTINCT FROM (OLD.org_id, OLD.created_at)) THEN
        PERFORM intelligence_mark_day(NEW.org_id, (NEW.created_at AT TIME ZONE 'UTC')::date);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER intelligence_lead_day_mark_insert AFTER INSERT ON leads_lead FOR EACH ROW
    WHEN (NEW.created_at < {TODAY}) EXECUTE FUNCTION intelligence_lead_day_mark();
CREATE TRIGGER intelligence_lead_day_mark_delete AFTER DELETE ON leads_lead FOR EACH ROW
    WHEN (OLD.created_at < {TODAY}) EXECUTE FUNCTION intelligence_lead_day_mark();
CREATE TRIGGER intelligence_lead_day_mark_update AFTER UPDATE ON leads_lead FOR EACH ROW
    WHEN ((OLD.created_at < {TODAY} OR NEW.created_at < {TODAY})
          AND ({OLD_ROW}) IS DISTINCT FROM ({NEW_ROW}))
    EXECUTE FUNCTION intelligence_lead_day_mark();

CREATE FUNCTION intelligence_breach_day_mark() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lead record;
BEGIN
    SELECT org_id, created_at INTO lead FROM leads_lead
    WHERE id = (CASE WHEN TG_OP = 'DELETE' THEN OLD.lead_id ELSE NEW.lead_id END);
    IF FOUND AND lead.created_at < {TODAY} THEN
        PERFORM intelligence_mark_day(lead.org_id, (lead.created_at AT TIME ZONE 'UTC')::date);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER intelligence_breach_day_mark AFTER INSERT OR DELETE ON intelligence_slabreach FOR EACH ROW
    EXECUTE FUNCTION intelligence_breach_day_mark();
"""

DROP = """
DROP TRIGGER IF EXISTS intelligence_breach_day_mark ON intelligence_slabreach;
DROP FUNCTION IF EXISTS intelligence_breach_day_mark();
DROP TRIGGER IF EXISTS intelligence_lead_day_mark_update ON leads_lead;
DROP TRIGGER IF EXISTS intelligence_lead_day_mark_delete ON leads_lead;
DROP TRIGGER IF EXISTS intelligence_lead_day_mark_insert ON leads_lead;
DROP FUNCTION IF EXISTS intelligence_lead_day_mark();
DROP FUNCTION IF EXISTS intelligence_mark_day(bigint, date);
"""


def _on_postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("intelligence", "0003_analytics_rollups"),
        ("leads", "0007_lead_lead_awaiting_response_idx"),
    ]

    operations = [migrations.RunPython(_on_postgres(CREATE), _on_postgres(DROP), elidable=False)]

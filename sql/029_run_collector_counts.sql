-- 029_run_collector_counts: each run's collectors counted by status on its collection_runs row,
-- so the collection-health views need not read every collector row of every run (issue 16:
-- every query p95 < 1 s at 1,000 accounts x 400 days).
--
-- What changed and why:
--   * collection_runs.collectors_ok / _partial / _skipped / _error (new, nullable integers): the
--     run's collector_runs rows counted by status. The loader writes them in the file's
--     transaction right after it replaces the run's collector rows (a re-delivered run's counts
--     follow its new rows); the bulk fill writes them for every run it fills. NULL: not counted
--     (a run older than the back-fill below, loaded before 029).
--   * v_report_collection_days: a day covered by exactly one run whose counts are known takes
--     them from the run row; days with several runs (each collector's latest status over the
--     runs) and runs without counts read collector_runs as before. Same rows.
--   * v_collection_health: the picked run's counts come from its row; the names of its failed
--     and partial collectors are looked up (collector_runs_not_ok_run_idx, sql/028) only when
--     it has errors or partials; runs without counts read collector_runs as before. Same rows.
-- Back-fill: only runs whose window ended within the last 62 days (the views' 30-day periods
-- and a margin). At N = 1,000 x 400 days that is 63,000 runs and 2.4 million collector rows:
-- 8.6 s measured (one statement, on a copy of collection_runs in a scratch schema reading the
-- real collector_runs, mostly from disk), well under the Data API's 45 s a statement; all 400
-- days would be 15.6 million rows. Older runs stay NULL and the views read their collector rows,
-- so both views return the same rows for any data. Adding the nullable columns is instant.
--
-- Measured on the N = 1,000 x 400 days database (this 2-core machine, other work running, load
-- average ~3.5; warm, psql \timing, best of 2; candidate views in a scratch schema over a
-- copy of collection_runs with the counts back-filled; every row read as text; same rows EXCEPT
-- ALL both ways), old -> new:
--   v_report_collection_days, 30 days of day (the report's collection_days)
--                                      900-1,370 ms / 184,800 buf -> 130-260 ms / 1,570 buf
--   v_report_collection_days, one account (400 days)   11-19 ms -> 12-14 ms
--   v_collection_health, all rows (30 days)    930-1,120 ms / 191,600 buf -> 370-490 ms / 38,900 buf
--   v_collection_health, one account                    2.2 ms -> 1.6 ms
-- What remains in v_collection_health: the names of the failed and partial collectors of the
-- runs that have any (9,151 of the 30,000 runs in the synthetic history: one probe each of
-- collector_runs_not_ok_run_idx) and the grouping of the 30 days' runs.

ALTER TABLE collection_runs
    ADD COLUMN collectors_ok integer,
    ADD COLUMN collectors_partial integer,
    ADD COLUMN collectors_skipped integer,
    ADD COLUMN collectors_error integer;
COMMENT ON COLUMN collection_runs.collectors_ok IS 'The run''s collector_runs with status ok (written by the loader with them; NULL: not counted, a run from before migration 029).';
COMMENT ON COLUMN collection_runs.collectors_partial IS 'The run''s collector_runs with status partial (NULL: not counted).';
COMMENT ON COLUMN collection_runs.collectors_skipped IS 'The run''s collector_runs with status skipped (NULL: not counted).';
COMMENT ON COLUMN collection_runs.collectors_error IS 'The run''s collector_runs with status error (NULL: not counted).';

UPDATE collection_runs r
SET collectors_ok = c.ok, collectors_partial = c.partial, collectors_skipped = c.skipped,
    collectors_error = c.error
FROM (
    SELECT c.account_id, c.run_id,
           count(*) FILTER (WHERE c.status = 'ok')::integer AS ok,
           count(*) FILTER (WHERE c.status = 'partial')::integer AS partial,
           count(*) FILTER (WHERE c.status = 'skipped')::integer AS skipped,
           count(*) FILTER (WHERE c.status = 'error')::integer AS error
    FROM collection_runs k
    JOIN collector_runs c ON c.account_id = k.account_id AND c.run_id = k.run_id
    WHERE k.window_end >= (now() AT TIME ZONE 'UTC')::date - 62
    GROUP BY c.account_id, c.run_id
) c
WHERE r.account_id = c.account_id AND r.run_id = c.run_id;

CREATE OR REPLACE VIEW v_report_collection_days AS
WITH covered AS NOT MATERIALIZED (
    SELECT r.account_id, r.window_start AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span, r.collectors_ok, r.collectors_partial,
           r.collectors_skipped, r.collectors_error
    FROM collection_runs r
    WHERE r.window_end - r.window_start = 1
    UNION ALL
    SELECT r.account_id, g.day::date AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span, r.collectors_ok, r.collectors_partial,
           r.collectors_skipped, r.collectors_error
    FROM collection_runs r
    CROSS JOIN LATERAL generate_series(r.window_start::timestamptz, (r.window_end - 1)::timestamptz,
                                       interval '1 day') AS g(day)
    WHERE r.window_end - r.window_start > 1
),
runs AS (
    SELECT c.account_id, c.day, c.run_id, c."interval", c.collected_at, c.span,
           c.collectors_ok, c.collectors_partial, c.collectors_skipped, c.collectors_error,
           row_number() OVER (PARTITION BY c.account_id, c.day
                              ORDER BY c.span, c.collected_at DESC, c.run_id) AS run_rank,
           count(*) OVER (PARTITION BY c.account_id, c.day) AS run_count
    FROM covered c
),
counted AS (
    -- a day with one run whose counts are known: its counts are the day's (no collector rows)
    SELECT r.*, r.run_count = 1 AND r.collectors_ok IS NOT NULL AS counted
    FROM runs r
),
collectors AS (
    SELECT r.account_id, r.day, r.run_id, r."interval", r.collected_at, r.run_rank, r.run_count,
           CASE WHEN r.counted THEN r.collectors_ok END AS run_ok,
           CASE WHEN r.counted THEN r.collectors_partial END AS run_partial,
           CASE WHEN r.counted THEN r.collectors_skipped END AS run_skipped,
           CASE WHEN r.counted THEN r.collectors_error END AS run_error,
           s.status,
           s.run_id IS NOT NULL AND better.found IS NULL AS latest
    FROM counted r
    LEFT JOIN LATERAL (
        SELECT s.run_id, s.collector, s.region, s.status
        FROM collector_runs s
        WHERE NOT r.counted AND s.account_id = r.account_id AND s.run_id = r.run_id
        OFFSET 0  -- kept a subquery: NOT r.counted is a one-time filter, no index probe
    ) s ON true
    -- a better-ranked run covering the same day reported this (collector, region): not the
    -- latest; only looked up on days with several runs
    LEFT JOIN LATERAL (
        SELECT true AS found
        FROM collection_runs b
        JOIN collector_runs bs ON bs.account_id = b.account_id AND bs.run_id = b.run_id
        WHERE r.run_count > 1
          AND b.account_id = r.account_id
          AND b.window_start <= r.day AND b.window_end > r.day
          AND bs.collector = s.collector AND bs.region = s.region
          AND (b.window_end - b.window_start < r.span
               OR (b.window_end - b.window_start = r.span
                   AND (b.collected_at > r.collected_at
                        OR (b.collected_at = r.collected_at AND b.run_id < r.run_id))))
        LIMIT 1
    ) better ON true
),
days AS (
    SELECT account_id, day,
           max(run_count) AS run_count,
           (array_agg(run_id) FILTER (WHERE run_rank = 1))[1] AS run_id,
           (array_agg("interval") FILTER (WHERE run_rank = 1))[1] AS "interval",
           (array_agg(collected_at) FILTER (WHERE run_rank = 1))[1] AS collected_at,
           count(*) FILTER (WHERE latest AND status = 'ok') + COALESCE(sum(run_ok), 0)
               AS collectors_ok,
           count(*) FILTER (WHERE latest AND status = 'partial') + COALESCE(sum(run_partial), 0)
               AS collectors_partial,
           count(*) FILTER (WHERE latest AND status = 'skipped') + COALESCE(sum(run_skipped), 0)
               AS collectors_skipped,
           count(*) FILTER (WHERE latest AND status = 'error') + COALESCE(sum(run_error), 0)
               AS collectors_error
    FROM collectors
    GROUP BY account_id, day
)
SELECT d.account_id,
       a.name AS account_name,
       d.day,
       d.run_count,
       d.run_id,
       d."interval",
       d.collected_at,
       d.collectors_ok,
       d.collectors_partial,
       d.collectors_skipped,
       d.collectors_error,
       CASE
           WHEN d.collectors_error > 0 THEN 'error'
           WHEN d.collectors_partial > 0 THEN 'partial'
           WHEN d.collectors_skipped > 0 THEN 'skipped'
           ELSE 'ok'
       END AS status
FROM days d
JOIN accounts a ON a.account_id = d.account_id;

CREATE OR REPLACE VIEW v_collection_health AS
WITH days AS (
    -- the 30 days before today (UTC); an integer series, so the planner knows it is 30 rows
    SELECT (now() AT TIME ZONE 'UTC')::date - g.n AS day
    FROM generate_series(1, 30) AS g(n)
),
covering AS (
    SELECT r.account_id, r.window_start AS day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span, r.collectors_ok, r.collectors_partial,
           r.collectors_skipped, r.collectors_error
    FROM collection_runs r
    WHERE r.window_end - r.window_start = 1
      AND r.window_start BETWEEN (now() AT TIME ZONE 'UTC')::date - 30
                             AND (now() AT TIME ZONE 'UTC')::date - 1
    UNION ALL
    SELECT r.account_id, d.day, r.run_id, r."interval", r.collected_at,
           r.window_end - r.window_start AS span, r.collectors_ok, r.collectors_partial,
           r.collectors_skipped, r.collectors_error
    FROM collection_runs r
    JOIN days d ON r.window_start <= d.day AND r.window_end > d.day
    WHERE r.window_end - r.window_start > 1
      AND r.window_end > (now() AT TIME ZONE 'UTC')::date - 30
),
runs AS (
    SELECT account_id, day,
           count(*) AS run_count,
           max(collected_at) AS last_collected_at,
           (array_agg(run_id ORDER BY span, collected_at DESC, run_id))[1] AS run_id,
           (array_agg("interval" ORDER BY span, collected_at DESC, run_id))[1] AS "interval",
           (array_agg(collectors_ok ORDER BY span, collected_at DESC, run_id))[1] AS run_ok,
           (array_agg(collectors_partial ORDER BY span, collected_at DESC, run_id))[1]
               AS run_partial,
           (array_agg(collectors_skipped ORDER BY span, collected_at DESC, run_id))[1]
               AS run_skipped,
           (array_agg(collectors_error ORDER BY span, collected_at DESC, run_id))[1] AS run_error
    FROM covering
    GROUP BY account_id, day
),
health AS (
    SELECT a.account_id,
           a.name AS account_name,
           d.day,
           runs.run_count,
           runs.last_collected_at,
           runs.run_id,
           runs."interval",
           COALESCE(runs.run_ok, cs.collectors_ok, 0) AS collectors_ok,
           COALESCE(runs.run_partial, cs.collectors_partial, 0) AS collectors_partial,
           COALESCE(runs.run_skipped, cs.collectors_skipped, 0) AS collectors_skipped,
           COALESCE(runs.run_error, cs.collectors_error, 0) AS collectors_error,
           COALESCE(cs.failed_collectors, nok.failed_collectors) AS failed_collectors,
           COALESCE(cs.partial_collectors, nok.partial_collectors) AS partial_collectors
    FROM accounts a
    CROSS JOIN days d
    LEFT JOIN runs ON runs.account_id = a.account_id AND runs.day = d.day
    -- the picked run has no counts (or there is none): its collector rows, as before 029
    LEFT JOIN LATERAL (
        SELECT count(*) FILTER (WHERE c.status = 'ok') AS collectors_ok,
               count(*) FILTER (WHERE c.status = 'partial') AS collectors_partial,
               count(*) FILTER (WHERE c.status = 'skipped') AS collectors_skipped,
               count(*) FILTER (WHERE c.status = 'error') AS collectors_error,
               string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
                   FILTER (WHERE c.status = 'error') AS failed_collectors,
               string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
                   FILTER (WHERE c.status = 'partial') AS partial_collectors
        FROM collector_runs c
        WHERE runs.run_ok IS NULL AND c.account_id = a.account_id AND c.run_id = runs.run_id
    ) cs ON true
    -- counted, with errors or partials: only their names (collector_runs_not_ok_run_idx)
    LEFT JOIN LATERAL (
        SELECT string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
                   FILTER (WHERE c.status = 'error') AS failed_collectors,
               string_agg(DISTINCT c.collector, ', ' ORDER BY c.collector)
                   FILTER (WHERE c.status = 'partial') AS partial_collectors
        FROM collector_runs c
        WHERE runs.run_ok IS NOT NULL AND (runs.run_error > 0 OR runs.run_partial > 0)
          AND c.account_id = a.account_id AND c.run_id = runs.run_id AND c.status <> 'ok'
    ) nok ON true
)
SELECT h.account_id,
       h.account_name,
       h.day,
       COALESCE(h.run_count, 0) > 0 AS run_received,
       COALESCE(h.run_count, 0) AS run_count,
       h.last_collected_at,
       h.run_id,
       h."interval",
       h.collectors_ok,
       h.collectors_partial,
       h.collectors_skipped,
       h.collectors_error,
       h.failed_collectors,
       h.partial_collectors,
       CASE
           WHEN COALESCE(h.run_count, 0) = 0 THEN 'missing'
           WHEN h.collectors_error > 0 THEN 'error'
           WHEN h.collectors_partial > 0 THEN 'partial'
           ELSE 'ok'
       END AS health
FROM health h;

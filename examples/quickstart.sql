-- weir quickstart: land a stream of click events in a Hive-partitioned Parquet
-- table exactly-once, then query the table.
--
--   build/weir sql -f examples/quickstart.sql -D DIR=/tmp/quickstart
--
-- Part 1 (streaming): a datagen source of 300,000 click events flows through a
-- stateless query into a filesystem table partitioned by day and region, with a
-- checkpoint every second. Files become visible only when the checkpoint covering
-- them completes; each finished partition gets a _SUCCESS file. Kill the job
-- (kill -9) and run the script again: it resumes from its last checkpoint and the
-- table still holds every event exactly once.

SET 'execution.runtime-mode' = 'streaming';
SET 'parallelism.default' = '2';
SET 'execution.checkpointing.interval' = '1 s';
SET 'state.checkpoints.dir' = '${DIR}/checkpoints';

CREATE TABLE click_events (
  event_id   BIGINT,
  user_id    BIGINT,
  url        STRING,
  latency_ms INT,
  ts         TIMESTAMP(6)
) WITH (
  'connector' = 'datagen',
  'rows-per-second' = '100000',
  'fields.event_id.kind' = 'sequence',
  'fields.event_id.start' = '1',
  'fields.event_id.end' = '300000',
  'fields.user_id.min' = '1',
  'fields.user_id.max' = '5000',
  'fields.url.length' = '12',
  'fields.latency_ms.min' = '5',
  'fields.latency_ms.max' = '900',
  -- 2026-11-01 00:00:00 to 2026-11-03 23:59:59 UTC, in epoch microseconds
  'fields.ts.min' = '1793491200000000',
  'fields.ts.max' = '1793750399999999'
);

CREATE TABLE clicks (
  event_id   BIGINT,
  user_id    BIGINT,
  url        STRING,
  latency_ms INT,
  ts         TIMESTAMP(6),
  dt         STRING,
  region     STRING
) PARTITIONED BY (dt, region) WITH (
  'connector' = 'filesystem',
  'path' = '${DIR}/clicks',
  'format' = 'parquet',
  'sink.rolling-policy.file-size' = '64MB',
  'sink.partition-commit.policy.kind' = 'success-file'
);

INSERT INTO clicks
SELECT event_id, user_id, url, latency_ms, ts,
       CAST(CAST(ts AS DATE) AS STRING) AS dt,
       CASE MOD(user_id, 4)
         WHEN 0 THEN 'emea' WHEN 1 THEN 'amer' WHEN 2 THEN 'apac' ELSE 'latam'
       END AS region
FROM click_events
WHERE latency_ms < 850;

-- Part 2 (batch): query the Parquet table. Filters on partition columns prune
-- whole directories; EXPLAIN shows what is pushed into the scan.
SET 'execution.runtime-mode' = 'batch';

EXPLAIN SELECT COUNT(*) FROM clicks WHERE dt = '2026-11-02' AND latency_ms > 800;

SELECT dt, region,
       COUNT(*) AS clicks,
       COUNT(DISTINCT user_id) AS users,
       AVG(CAST(latency_ms AS DOUBLE)) AS avg_latency_ms,
       MAX(latency_ms) AS max_latency_ms
FROM clicks
GROUP BY dt, region
ORDER BY dt, region;

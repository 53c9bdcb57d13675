-- SQLite: dmarc-consume's aggregate-report batch files as a table, to try
-- the BI output on one machine.  Set batch_format = csv (SQLite's .import
-- reads RFC 4180 CSV), then, from batch_dir:
--
--   sqlite3 dmarc.db < sqlite-dmarc-records.sql
--   for f in records/dt=*/records-*.csv.gz; do
--     zcat "$f" > /tmp/batch.csv &&
--     sqlite3 dmarc.db ".import --csv --skip 1 /tmp/batch.csv dmarc_records"
--   done
--
-- stream_id is unique: importing a file twice fails on it, never doubles rows.
CREATE TABLE IF NOT EXISTS dmarc_records (
  stream_id TEXT,
  rid TEXT,
  ord INTEGER,
  kind TEXT,
  records INTEGER,
  org_name TEXT,
  org_email TEXT,
  report_id TEXT,
  begin TEXT,
  end TEXT,
  domain TEXT,
  adkim TEXT,
  aspf TEXT,
  p TEXT,
  sp TEXT,
  np TEXT,
  pct INTEGER,
  fo TEXT,
  testing TEXT,
  xml_schema TEXT,
  generator TEXT,
  discovery_method TEXT,
  source_ip TEXT,
  count INTEGER,
  disposition TEXT,
  policy_dkim TEXT,
  policy_spf TEXT,
  reason_types TEXT,
  reason_comments TEXT,
  header_from TEXT,
  envelope_from TEXT,
  envelope_to TEXT,
  dkim_domains TEXT,
  dkim_selectors TEXT,
  dkim_results TEXT,
  dkim_human_results TEXT,
  spf_domains TEXT,
  spf_scopes TEXT,
  spf_results TEXT,
  spf_human_results TEXT,
  mail_auth TEXT,
  mail_from_domain TEXT,
  -- dmarc-consume's sources stage (dmarc-consume(8), SOURCES):
  source_rdns TEXT,
  source_rdns_confirmed TEXT,
  source_base_domain TEXT,
  source_country TEXT,
  source_asn INTEGER,
  source_as_org TEXT,
  source_service TEXT,
  source_service_type TEXT,
  source_approved TEXT,
  source_class TEXT,
  PRIMARY KEY (stream_id)
);

-- SELECT disposition, sum(count) AS messages FROM dmarc_records GROUP BY 1 ORDER BY 2 DESC;
-- What fails, by class and service:
-- SELECT source_class, source_service, sum(count) AS messages FROM dmarc_records
--  WHERE source_class <> 'pass' GROUP BY 1, 2 ORDER BY 3 DESC;

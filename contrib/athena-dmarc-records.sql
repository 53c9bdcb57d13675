-- Athena (Presto/Trino) table over dmarc-consume's aggregate-report batch
-- files: batch_dir/records/dt=YYYY-MM-DD/records-<stream ID>.tsv.gz,
-- synced to s3://YOUR-BUCKET/dmarc/records/ (for example with
-- `aws s3 sync batch_dir/records s3://YOUR-BUCKET/dmarc/records`).
-- Columns in the order dmarc-consume(8) documents; lists are comma-joined,
-- a comma inside an item written \x2c.  Partition projection: no
-- MSCK REPAIR TABLE needed as days are added.
CREATE EXTERNAL TABLE IF NOT EXISTS dmarc_records (
  `stream_id` string,
  `rid` string,
  `ord` bigint,
  `kind` string,
  `records` bigint,
  `org_name` string,
  `org_email` string,
  `report_id` string,
  `begin` string,
  `end` string,
  `domain` string,
  `adkim` string,
  `aspf` string,
  `p` string,
  `sp` string,
  `np` string,
  `pct` bigint,
  `fo` string,
  `testing` string,
  `xml_schema` string,
  `generator` string,
  `discovery_method` string,
  `source_ip` string,
  `count` bigint,
  `disposition` string,
  `policy_dkim` string,
  `policy_spf` string,
  `reason_types` string,
  `reason_comments` string,
  `header_from` string,
  `envelope_from` string,
  `envelope_to` string,
  `dkim_domains` string,
  `dkim_selectors` string,
  `dkim_results` string,
  `dkim_human_results` string,
  `spf_domains` string,
  `spf_scopes` string,
  `spf_results` string,
  `spf_human_results` string,
  `mail_auth` string,
  `mail_from_domain` string,
  `source_rdns` string,
  `source_rdns_confirmed` string,
  `source_base_domain` string,
  `source_country` string,
  `source_asn` bigint,
  `source_as_org` string,
  `source_service` string,
  `source_service_type` string,
  `source_approved` string,
  `source_class` string
)
PARTITIONED BY (dt string)
ROW FORMAT DELIMITED
  FIELDS TERMINATED BY '\t'
  ESCAPED BY '\\'
  LINES TERMINATED BY '\n'
STORED AS TEXTFILE
LOCATION 's3://YOUR-BUCKET/dmarc/records/'
TBLPROPERTIES (
  'skip.header.line.count' = '1',
  'projection.enabled' = 'true',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy-MM-dd',
  'projection.dt.range' = '2024-01-01,NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'DAYS',
  'storage.location.template' = 's3://YOUR-BUCKET/dmarc/records/dt=${dt}/'
);

-- Messages per sending source and disposition, last 7 days:
-- SELECT source_ip, disposition, sum(count) AS messages
--   FROM dmarc_records
--  WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d')
--  GROUP BY 1, 2 ORDER BY 3 DESC;

-- Sources that fail, by class, service and reverse DNS, last 7 days:
-- SELECT source_class, source_service, source_rdns, sum(count) AS messages
--   FROM dmarc_records
--  WHERE dt >= date_format(current_date - interval '7' day, '%Y-%m-%d') AND source_class <> 'pass'
--  GROUP BY 1, 2, 3 ORDER BY 4 DESC;

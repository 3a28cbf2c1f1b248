-- Tables and stored queries of Orleans' ADO.NET clustering and grain storage on PostgreSQL (invariant "Npgsql").
-- Orleans' providers read their SQL from the OrleansQuery table by key and run it with named parameters; this file is
-- our own schema behind that contract (the query keys, the parameter names, the result column names), written to be
-- applied again at every silo start: CREATE ... IF NOT EXISTS, and each query's text replaced by this file's.
-- AdoNetSchema runs it in one transaction under an advisory lock: silos starting together apply it one after another.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL PRIMARY KEY,
    QueryText text        NOT NULL
);

-- Grain state: one row per (service, grain type, grain id); version is the ETag, bumped by every write and clear.
CREATE TABLE IF NOT EXISTS reb_grain_state
(
    service_id      text        NOT NULL,
    grain_type      text        NOT NULL,
    id_n0           bigint      NOT NULL,
    id_n1           bigint      NOT NULL,
    id_extension    text        NOT NULL, -- '' for a grain without a string key or key extension
    id_hash         integer     NOT NULL,
    type_hash       integer     NOT NULL,
    payload         bytea,                -- null after a clear
    version         integer     NOT NULL,
    modified_on     timestamptz NOT NULL,
    PRIMARY KEY (service_id, grain_type, id_n0, id_n1, id_extension)
);

-- Membership: one version row per cluster (the table's ETag) and one row per silo incarnation.
CREATE TABLE IF NOT EXISTS reb_membership_version
(
    cluster_id  text        NOT NULL PRIMARY KEY,
    version     integer     NOT NULL,
    modified_on timestamptz NOT NULL
);

CREATE TABLE IF NOT EXISTS reb_membership
(
    cluster_id    text        NOT NULL REFERENCES reb_membership_version (cluster_id) ON DELETE CASCADE,
    address       text        NOT NULL,
    port          integer     NOT NULL,
    generation    integer     NOT NULL,
    silo_name     text        NOT NULL,
    host_name     text        NOT NULL,
    status        integer     NOT NULL,
    proxy_port    integer,
    suspect_times text,
    start_time    timestamptz NOT NULL,
    iamalive_time timestamptz NOT NULL,
    PRIMARY KEY (cluster_id, address, port, generation)
);

-- Grain storage. Every query answers exactly one row: the new version when the write happened, otherwise the version
-- the caller sent, which the provider reads as an ETag conflict (InconsistentStateException).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
SELECT s.payload AS "PayloadBinary", s.version AS "Version"
FROM reb_grain_state s
WHERE s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
  AND s.id_n0 = @GrainIdN0 AND s.id_n1 = @GrainIdN1 AND s.id_extension = COALESCE(@GrainIdExtensionString, '')
$q$),
('WriteToStorageKey', $q$
WITH first_write AS (
    INSERT INTO reb_grain_state AS s (service_id, grain_type, id_n0, id_n1, id_extension, id_hash, type_hash, payload, version, modified_on)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @GrainIdHash,
           @GrainTypeHash, @PayloadBinary, 1, now()
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT (service_id, grain_type, id_n0, id_n1, id_extension) DO NOTHING
    RETURNING s.version),
next_write AS (
    UPDATE reb_grain_state AS s SET payload = @PayloadBinary, version = s.version + 1, modified_on = now()
    WHERE @GrainStateVersion::integer IS NOT NULL AND s.version = @GrainStateVersion::integer
      AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
      AND s.id_n0 = @GrainIdN0 AND s.id_n1 = @GrainIdN1 AND s.id_extension = COALESCE(@GrainIdExtensionString, '')
    RETURNING s.version)
SELECT COALESCE((SELECT version FROM first_write), (SELECT version FROM next_write), @GrainStateVersion::integer)
       AS "NewGrainStateVersion"
$q$),
('ClearStorageKey', $q$
WITH first_clear AS (
    INSERT INTO reb_grain_state AS s (service_id, grain_type, id_n0, id_n1, id_extension, id_hash, type_hash, payload, version, modified_on)
    SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, COALESCE(@GrainIdExtensionString, ''), @GrainIdHash,
           @GrainTypeHash, NULL, 1, now()
    WHERE @GrainStateVersion::integer IS NULL
    ON CONFLICT (service_id, grain_type, id_n0, id_n1, id_extension) DO NOTHING
    RETURNING s.version),
next_clear AS (
    UPDATE reb_grain_state AS s SET payload = NULL, version = s.version + 1, modified_on = now()
    WHERE @GrainStateVersion::integer IS NOT NULL AND s.version = @GrainStateVersion::integer
      AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
      AND s.id_n0 = @GrainIdN0 AND s.id_n1 = @GrainIdN1 AND s.id_extension = COALESCE(@GrainIdExtensionString, '')
    RETURNING s.version)
SELECT COALESCE((SELECT version FROM first_clear), (SELECT version FROM next_clear), @GrainStateVersion::integer)
       AS "NewGrainStateVersion"
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- Clustering. Orleans passes the cluster id as @DeploymentId. An insert or update of a silo row happens only together
-- with the bump of the cluster's version row from the version the silo read (@Version): both or neither, and the
-- answer (1 or 0) says which.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
WITH created AS (
    INSERT INTO reb_membership_version (cluster_id, version, modified_on) VALUES (@DeploymentId, 0, now())
    ON CONFLICT (cluster_id) DO NOTHING RETURNING 1)
SELECT (SELECT count(*) FROM created)::integer
$q$),
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE reb_membership_version AS v SET version = v.version + 1, modified_on = now()
    WHERE v.cluster_id = @DeploymentId AND v.version = @Version
      AND NOT EXISTS (SELECT 1 FROM reb_membership m WHERE m.cluster_id = @DeploymentId AND m.address = @Address
                      AND m.port = @Port AND m.generation = @Generation)
    RETURNING v.cluster_id),
inserted AS (
    INSERT INTO reb_membership (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port,
                                suspect_times, start_time, iamalive_time)
    SELECT b.cluster_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, NULL, @StartTime,
           @IAmAliveTime
    FROM bumped b
    ON CONFLICT DO NOTHING RETURNING 1)
SELECT (SELECT count(*) FROM inserted)::integer
$q$),
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE reb_membership_version AS v SET version = v.version + 1, modified_on = now()
    WHERE v.cluster_id = @DeploymentId AND v.version = @Version
      AND EXISTS (SELECT 1 FROM reb_membership m WHERE m.cluster_id = @DeploymentId AND m.address = @Address
                  AND m.port = @Port AND m.generation = @Generation)
    RETURNING v.cluster_id),
updated AS (
    UPDATE reb_membership AS m SET status = @Status, suspect_times = @SuspectTimes, iamalive_time = @IAmAliveTime
    FROM bumped b
    WHERE m.cluster_id = b.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1)
SELECT (SELECT count(*) FROM updated)::integer
$q$),
('UpdateIAmAlivetimeKey', $q$
UPDATE reb_membership SET iamalive_time = @IAmAliveTime
WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation
$q$),
-- The version row always answers (a cluster without silos yet still has its ETag); silo columns are null then.
('MembershipReadAllKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.iamalive_time AS "IAmAliveTime"
FROM reb_membership_version v
LEFT JOIN reb_membership m ON m.cluster_id = v.cluster_id
WHERE v.cluster_id = @DeploymentId
$q$),
('MembershipReadRowKey', $q$
SELECT v.version AS "Version", m.address AS "Address", m.port AS "Port", m.generation AS "Generation",
       m.silo_name AS "SiloName", m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
       m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.iamalive_time AS "IAmAliveTime"
FROM reb_membership_version v
LEFT JOIN reb_membership m ON m.cluster_id = v.cluster_id AND m.address = @Address AND m.port = @Port
                          AND m.generation = @Generation
WHERE v.cluster_id = @DeploymentId
$q$),
('GatewaysQueryKey', $q$
SELECT m.address AS "Address", m.proxy_port AS "ProxyPort", m.generation AS "Generation"
FROM reb_membership m
WHERE m.cluster_id = @DeploymentId AND m.status = @Status AND m.proxy_port > 0
$q$),
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM reb_membership_version WHERE cluster_id = @DeploymentId
$q$),
-- Dead silos (status 6) whose last heartbeat is older than the cutoff.
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM reb_membership
WHERE cluster_id = @DeploymentId AND status = 6 AND iamalive_time < @IAmAliveTime
$q$),
('CleanupDefunctSiloEntryKey', $q$
DELETE FROM reb_membership
WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation AND status = 6
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

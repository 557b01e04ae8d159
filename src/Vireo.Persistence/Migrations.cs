using Microsoft.Data.Sqlite;

namespace Vireo.Persistence;

/// <summary>
/// Schema migrations, applied in order inside one transaction each. The schema version lives in SQLite's
/// user_version so that an interrupted migration is simply re-run.
/// </summary>
internal static class Migrations
{
    private static readonly string[] Steps =
    [
        // 1: VMs with their definition and last known state.
        """
        CREATE TABLE vms (
            uuid            TEXT PRIMARY KEY,
            name            TEXT NOT NULL UNIQUE,
            spec_json       TEXT NOT NULL,
            state           TEXT NOT NULL,
            reason          TEXT,
            defined_at      TEXT NOT NULL,
            updated_at      TEXT NOT NULL,
            pid             INTEGER,
            pid_start_ticks INTEGER,
            accel           TEXT,
            started_at      TEXT,
            vnc_port        INTEGER
        );
        """,
        // 2: virtual networks, their port forwards and DHCP reservations.
        """
        CREATE TABLE networks (
            name        TEXT PRIMARY KEY,
            spec_json   TEXT NOT NULL,
            active      INTEGER NOT NULL DEFAULT 0,
            reason      TEXT,
            defined_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        CREATE TABLE port_forwards (
            network       TEXT NOT NULL REFERENCES networks(name) ON DELETE CASCADE,
            protocol      TEXT NOT NULL,
            host_address  TEXT NOT NULL DEFAULT '',
            host_port     INTEGER NOT NULL,
            vm            TEXT NOT NULL,
            guest_port    INTEGER NOT NULL,
            PRIMARY KEY (protocol, host_address, host_port)
        );
        CREATE TABLE dhcp_reservations (
            network   TEXT NOT NULL REFERENCES networks(name) ON DELETE CASCADE,
            vm        TEXT NOT NULL,
            address   TEXT NOT NULL,
            PRIMARY KEY (network, vm),
            UNIQUE (network, address)
        );
        """,
        // 3: one-off facts about this host's store (e.g. that the default network was created once).
        """
        CREATE TABLE meta (
            key    TEXT PRIMARY KEY,
            value  TEXT NOT NULL
        );
        """,
        // 4: storage pools and the volumes Vireo created in them. A volume's format is what Vireo recorded when
        // it made the file (never probed). The foreign keys refuse, at the lowest level too, deleting a pool that
        // holds volumes or a volume that is another's backing file.
        """
        CREATE TABLE pools (
            name         TEXT PRIMARY KEY,
            path         TEXT NOT NULL UNIQUE,
            created_dir  INTEGER NOT NULL DEFAULT 0,
            created_at   TEXT NOT NULL
        );
        CREATE TABLE volumes (
            pool           TEXT NOT NULL REFERENCES pools(name),
            name           TEXT NOT NULL,
            format         TEXT NOT NULL,
            backing_pool   TEXT,
            backing_name   TEXT,
            preallocation  TEXT,
            created_at     TEXT NOT NULL,
            PRIMARY KEY (pool, name),
            FOREIGN KEY (backing_pool, backing_name) REFERENCES volumes(pool, name)
        );
        CREATE INDEX volumes_backing ON volumes(backing_pool, backing_name);
        """,
        // 5: VM snapshots, a tree per VM (parent = the snapshot current when it was taken), one current per VM.
        //    Rows go with their VM (ON DELETE CASCADE); the snapshots themselves live inside the qcow2 disks.
        """
        CREATE TABLE snapshots (
            vm_uuid      TEXT NOT NULL REFERENCES vms(uuid) ON DELETE CASCADE,
            name         TEXT NOT NULL,
            parent       TEXT,
            kind         TEXT NOT NULL,
            vm_state     TEXT NOT NULL,
            created_at   TEXT NOT NULL,
            description  TEXT,
            disks_json   TEXT NOT NULL,
            is_current   INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (vm_uuid, name)
        );
        """,
        // 6: the read-only disks attached when a snapshot was taken (not part of it: they cannot change), so that a
        //    memory revert can tell one attached since. NULL for snapshots taken before: not recorded.
        """
        ALTER TABLE snapshots ADD COLUMN read_only_disks_json TEXT;
        """,
        // 7: who made a DHCP reservation: 'user' (vireo net reserve) or 'forward' (made by adding a port forward, and
        //    removed with the VM's last forward on the network). Older rows cannot tell, so they stay 'user': kept.
        """
        ALTER TABLE dhcp_reservations ADD COLUMN origin TEXT NOT NULL DEFAULT 'user';
        """,
        // 8: read-only bases (a linked clone turns its source's disk into one, under both VMs), and the journal of
        //    multi-file storage changes: written before the first file changes, deleted in the transaction that
        //    records the result, so that a vireod killed in between undoes the files when it starts again.
        """
        ALTER TABLE volumes ADD COLUMN base INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE storage_journal (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            body_json   TEXT NOT NULL,
            created_at  TEXT NOT NULL
        );
        """,
        // 9: editing a defined VM. revision grows with every change of the definition (API If-Match / ETag);
        //    pending_spec_json is the definition a running VM gets at its next start when a change could not be
        //    applied live (NULL: none); memory_layout_json records what a memory snapshot's RAM and vCPUs were
        //    (NULL for older snapshots: the VM's own then, as before).
        """
        ALTER TABLE vms ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE vms ADD COLUMN pending_spec_json TEXT;
        ALTER TABLE snapshots ADD COLUMN memory_layout_json TEXT;
        """,
        // 10: the images catalogue: base disk images kept read-only in the pool "images" (their volumes are rows of
        //     volumes with base = 1), with what create --image needs: OS, firmware, the hardware an OVF declared.
        """
        CREATE TABLE images (
            name           TEXT PRIMARY KEY,
            os             TEXT,
            format         TEXT NOT NULL,
            source_format  TEXT,
            volume         TEXT NOT NULL,
            volumes_json   TEXT NOT NULL,
            source         TEXT,
            virtual_size   INTEGER,
            actual_size    INTEGER,
            created_at     TEXT NOT NULL,
            description    TEXT,
            firmware_json  TEXT,
            hardware_json  TEXT,
            recipe         TEXT
        );
        """,
        // 11: API tokens for the TCP listener (only the SHA-256 of each secret is kept) and the audit log of changes
        //     and refused logins (bounded: the oldest rows go).
        """
        CREATE TABLE tokens (
            id           TEXT PRIMARY KEY,
            hash         TEXT NOT NULL,
            role         TEXT NOT NULL,
            description  TEXT,
            created      TEXT NOT NULL,
            expires      TEXT,
            last_used    TEXT,
            revoked      TEXT
        );
        CREATE TABLE audit (
            id         INTEGER PRIMARY KEY AUTOINCREMENT,
            time       TEXT NOT NULL,
            principal  TEXT NOT NULL,
            role       TEXT,
            source     TEXT NOT NULL,
            method     TEXT NOT NULL,
            path       TEXT NOT NULL,
            target     TEXT,
            status     INTEGER NOT NULL
        );
        CREATE INDEX audit_principal ON audit(principal, id);
        """,
        // (issue 18) The operation journal: an intent written before a multi-step operation changes anything and
        //     deleted when it ends, however it ends. A row left at start-up is an operation a killed vireod did not
        //     finish: the next vireod completes or rolls it back and reports which (VmEngine.Recovery.cs).
        """
        CREATE TABLE IF NOT EXISTS operation_journal (
            id          TEXT PRIMARY KEY,
            kind        TEXT NOT NULL,
            target      TEXT NOT NULL,
            body_json   TEXT,
            started_at  TEXT NOT NULL
        );
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Latest => Steps.Length;

    public static void Apply(SqliteConnection connection)
    {
        var current = UserVersion(connection);
        if (current > Latest)
            throw new StoreUnavailableException(
                $"the database was written by a newer Vireo (schema {current}, this build knows {Latest}); upgrade vireod");
        for (var version = current; version < Latest; version++)
        {
            using var tx = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = tx;
            command.CommandText = Steps[version] + $"\nPRAGMA user_version = {version + 1};";
            command.ExecuteNonQuery();
            tx.Commit();
        }
    }

    private static int UserVersion(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

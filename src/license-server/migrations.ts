/**
 * The license database (the `lserver` folder's database; TLSLic.edb in RDS). One schema for SQLite and
 * PostgreSQL: timestamps are ISO-8601 UTC text, booleans integer 0/1, JSON text.
 * Seats are guarded by a CHECK (0 <= issued <= total) and a device holds at most one live CAL of each kind
 * (partial unique indexes), so a bug in code cannot over-issue.
 */
import { sql, type Kysely, type Migration } from 'kysely';

export const licenseServerMigrations: Record<string, Migration> = {
  'ls_0001_license_database': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ls_server')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('unactivated'))
        .addColumn('method', 'text')
        .addColumn('activated_at', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('serial', 'integer')
        .addColumn('org', 'text')
        .addColumn('company', 'text')
        .addColumn('certificate', 'text')
        .addColumn('status_changed_at', 'text')
        .addColumn('status_reason', 'text')
        .addColumn('prevent_upgrade', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('allow_list_enabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_check_in_at', 'text')
        .addColumn('last_check_in_result', 'text')
        .addColumn('revocations', 'text')
        .addColumn('revocations_seq', 'integer')
        .addCheckConstraint('ls_server_single_row', sql`id = 1`)
        .addCheckConstraint('ls_server_status', sql`status in ('unactivated', 'activated', 'deactivated', 'invalidated')`)
        .execute();

      await db.schema
        .createTable('ls_key_packs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('pack', 'integer', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('program', 'text', (c) => c.notNull())
        .addColumn('cal_type', 'text', (c) => c.notNull())
        .addColumn('cal_version', 'integer', (c) => c.notNull())
        .addColumn('total', 'integer', (c) => c.notNull())
        .addColumn('issued', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('grant_jws', 'text')
        .addColumn('installed_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('invalidated_at', 'text')
        .addUniqueConstraint('ls_key_packs_pack_seq', ['pack', 'seq'])
        .addCheckConstraint('ls_key_packs_seats', sql`issued >= 0 and issued <= total`)
        .addCheckConstraint('ls_key_packs_status', sql`status in ('active', 'invalidated')`)
        .execute();

      await db.schema
        .createTable('ls_issued_licenses')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('cal_type', 'text', (c) => c.notNull())
        .addColumn('cal_version', 'integer', (c) => c.notNull())
        .addColumn('key_pack_id', 'text')
        .addColumn('pack', 'integer')
        .addColumn('grant_seq', 'integer')
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('hwid', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('host', 'text')
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('validated', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('revoked_at', 'text')
        .addColumn('over_allocated', 'integer', (c) => c.notNull().defaultTo(0))
        .addCheckConstraint('ls_issued_kind', sql`kind in ('temporary', 'permanent', 'user')`)
        .addCheckConstraint('ls_issued_status', sql`status in ('active', 'upgraded', 'expired', 'revoked', 'removed')`)
        .execute();
      // One live temporary and one live permanent CAL per hardware ID, one live per-user CAL per user.
      await db.schema.createIndex('ls_issued_one_live_device').unique().on('ls_issued_licenses').columns(['hwid', 'kind'])
        .where(sql.ref('status'), '=', 'active').where(sql.ref('kind'), '<>', 'user').execute();
      await db.schema.createIndex('ls_issued_one_live_user').unique().on('ls_issued_licenses').columns(['user_name'])
        .where(sql.ref('status'), '=', 'active').where(sql.ref('kind'), '=', 'user').execute();
      await db.schema.createIndex('ls_issued_by_status').on('ls_issued_licenses').columns(['status', 'kind', 'expires_at']).execute();
      await db.schema.createIndex('ls_issued_by_pack').on('ls_issued_licenses').columns(['key_pack_id', 'status']).execute();
      await db.schema.createIndex('ls_issued_by_device').on('ls_issued_licenses').columns(['device']).execute();

      await db.schema
        .createTable('ls_join_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();

      await db.schema
        .createTable('ls_hosts')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('enrolled_at', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('last_seen_at', 'text')
        .execute();

      await db.schema
        .createTable('ls_allow_list')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // What a typed code creates is provisional (docs/codes.md): the end of its window, and when its lapse was reported.
  ls_0002_codes_provisional: {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('ls_server').addColumn('provisional_until', 'text').execute();
      await db.schema.alterTable('ls_server').addColumn('lapse_reported_at', 'text').execute();
      await db.schema.alterTable('ls_key_packs').addColumn('provisional_until', 'text').execute();
      await db.schema.alterTable('ls_key_packs').addColumn('lapse_reported_at', 'text').execute();
    },
  },
  // Session host keys this license server recognises (DESIGN §4): the hosts it enrolled itself, and its
  // organization's host registry fetched from the clearinghouse (so a reinstall at the same address serves the
  // organization's hosts without a new join token). Rebuilt from the clearinghouse at any time.
  ls_0007_hostid_registry: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ls_host_keys')
        .addColumn('host_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('enrolled', 'registry')`))
        .addColumn('registered', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('statement', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Paged list of session hosts (GET /ls/v1/hosts): sorted by enrolment time through an index.
  ls_0008_lists_paging: {
    async up(db) {
      await db.schema.createIndex('ls_hosts_enrolled').on('ls_hosts').columns(['enrolled_at', 'name']).execute();
    },
  },
  // Fewer B-trees per issued CAL (docs/performance.md, issue 16). No query could use `(key_pack_id, status)` or
  // `(device)` (a device is looked up by name OR hardware ID, and the hardware ID has no index over every status), and
  // `(status, kind, expires_at)` took a random leaf write for every CAL and moved an entry on every status change.
  // Each read now has a partial index over the rows it asks for: the live CALs that hold a seat (permanent and
  // per-user: reclaimExpired, the revoke's look-up, the per-user counts) and the ended CALs (their lists, the
  // revoke budget, the counts per status). A temporary CAL is written into the table, its key and its one-live-CAL
  // index only.
  ls_0009_perm_live_indexes: {
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('ls_issued_by_pack').execute();
      await db.schema.dropIndex('ls_issued_by_device').execute();
      await db.schema.dropIndex('ls_issued_by_status').execute();
      await db.schema.createIndex('ls_issued_live_seats').on('ls_issued_licenses').columns(['kind', 'expires_at'])
        .where(sql.ref('status'), '=', 'active').where(sql.ref('kind'), '<>', 'temporary').execute();
      await db.schema.createIndex('ls_issued_ended').on('ls_issued_licenses').columns(['status', 'kind', 'expires_at'])
        .where(sql.ref('status'), '<>', 'active').execute();
    },
  },
};

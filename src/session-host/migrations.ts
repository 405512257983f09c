/**
 * The session host's own tables (`sh_`): configuration layers, the grace period clock, enrolments on license
 * servers, the license servers' identities, the trust anchor and revocation list, and recent admissions.
 * One schema for SQLite and PostgreSQL: timestamps ISO-8601 UTC text, booleans integer 0/1, JSON text.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { idColumn } from '../storage/dialect';

export const sessionHostMigrations: Record<string, Migration> = {
  sh_0001_session_host: {
    async up(db: Kysely<any>) {
      // One row: the first start (role installation) and the latest time ever seen (high-water mark), so the
      // 120-day grace period always counts down, whatever the clock says later (rds-facts §6).
      await db.schema
        .createTable('sh_grace')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('first_start', 'text', (c) => c.notNull())
        .addColumn('high_water_mark', 'text', (c) => c.notNull())
        .addCheckConstraint('sh_grace_single_row', sql`id = 1`)
        .execute();

      await db.schema
        .createTable('sh_config')
        .addColumn('layer', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text')
        .addColumn('license_servers', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('sh_config_layer', sql`layer in ('policy', 'deployment', 'local')`)
        .addCheckConstraint('sh_config_mode', sql`mode is null or mode in ('per-device', 'per-user', 'not-configured')`)
        .execute();

      await db.schema
        .createTable('sh_enrolments')
        .addColumn('license_server_url', 'text', (c) => c.primaryKey())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('host_name', 'text', (c) => c.notNull())
        .addColumn('enrolled_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sh_server_identities')
        .addColumn('license_server_url', 'text', (c) => c.primaryKey())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('certificate', 'text')
        .addColumn('fetched_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sh_trust')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('anchor', 'text')
        .addColumn('fingerprint', 'text')
        .addColumn('anchor_source', 'text')
        .addColumn('anchor_fetched_at', 'text')
        .addColumn('revocations', 'text')
        .addColumn('revocations_seq', 'integer')
        .addColumn('revocations_fetched_at', 'text')
        .addCheckConstraint('sh_trust_single_row', sql`id = 1`)
        .execute();

      await db.schema
        .createTable('sh_admissions')
        .$call(idColumn(db))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('device', 'text', (c) => c.notNull())
        .addColumn('hwid', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('admitted', 'integer', (c) => c.notNull())
        .addColumn('basis', 'text')
        .addColumn('code', 'text')
        .addColumn('message', 'text')
        .addColumn('cal_kind', 'text')
        .addColumn('cal_version', 'integer')
        .addColumn('license_server_id', 'text')
        .addColumn('license_server_url', 'text')
        .addColumn('jti', 'text')
        .addColumn('expires_at', 'text')
        .addCheckConstraint('sh_admissions_admitted', sql`admitted in (0, 1)`)
        .addCheckConstraint('sh_admissions_basis', sql`basis is null or basis in ('issued', 'presented', 'grace')`)
        .execute();
      await db.schema.createIndex('sh_admissions_at').on('sh_admissions').column('at').execute();
    },
    async down(db: Kysely<any>) {
      for (const table of ['sh_admissions', 'sh_trust', 'sh_server_identities', 'sh_enrolments', 'sh_config', 'sh_grace']) {
        await db.schema.dropTable(table).execute();
      }
    },
  },
  // Session host identities (DESIGN §4): an enrolment keeps the host ID it enrolled with and the organization it
  // was registered with; its ls:host token is kept only as a hash (the host signs its requests instead). A license
  // server's identity remembers the one it replaced behind the same URL, or the one it would not follow.
  sh_0002_hostid_identity: {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sh_enrolments').addColumn('host_id', 'text').execute();
      await db.schema.alterTable('sh_enrolments').addColumn('org_id', 'text').execute();
      await db.schema.alterTable('sh_server_identities').addColumn('previous_server_id', 'text').execute();
      await db.schema.alterTable('sh_server_identities').addColumn('changed_at', 'text').execute();
      await db.schema.alterTable('sh_server_identities').addColumn('held_server_id', 'text').execute();
      await db.schema.alterTable('sh_server_identities').addColumn('held_reason', 'text').execute();
    },
  },
  // The entitlement chain (docs/session-host.md "The CAL chain"): the organization this host learned from its
  // license servers' certificates, and the first sighting of each provisional pack, from which its window runs.
  sh_0002_chain_entitlements: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sh_host_organization')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('organization', 'text', (c) => c.notNull())
        .addColumn('license_server_url', 'text', (c) => c.notNull())
        .addColumn('learned_at', 'text', (c) => c.notNull())
        .addCheckConstraint('sh_host_organization_single_row', sql`id = 1`)
        .execute();
      await db.schema
        .createTable('sh_provisional_sightings')
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('pack', 'integer', (c) => c.notNull())
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sh_provisional_sightings_pk', ['server_id', 'pack'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('sh_provisional_sightings').execute();
      await db.schema.dropTable('sh_host_organization').execute();
    },
  },
  // Paged list of admissions (GET /sh/v1/admissions): by time, device or user, each through an index.
  sh_0003_lists_paging: {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('sh_admissions_at_id').on('sh_admissions').columns(['at', 'id']).execute();
      await db.schema.createIndex('sh_admissions_device').on('sh_admissions').columns(['device', 'id']).execute();
      await db.schema.createIndex('sh_admissions_user').on('sh_admissions').columns(['user_name', 'id']).execute();
    },
  },
};

/**
 * The clearinghouse's schema, one for SQLite and PostgreSQL: timestamps are ISO-8601 UTC text, booleans
 * integer 0/1, JSON text. Every table is prefixed `ch_`.
 *
 * The invariant of DESIGN §5 — a pack is installed on at most one server — is structural: the pack row holds
 * the single `server_id`, a CHECK ties it to the `installed` status, and at most one grant per pack is
 * `active` (partial unique index). Installs claim the row with one conditional UPDATE.
 * The audit log is append-only and hash-chained; `ch_audit_head` is the chain head that appenders lock, so
 * several clearinghouse processes on one PostgreSQL still append a single chain.
 */
import { sql, type Kysely, type Migration } from 'kysely';
import { idColumn } from '../storage/dialect';

function inList(column: string, values: readonly string[]) {
  return sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);
}

export const GENESIS_HASH = '0'.repeat(64);

export const clearinghouseMigrations: Record<string, Migration> = {
  ch_0001_clearinghouse: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ch_organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ch_agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ch_servers')
        .addColumn('server_id', 'text', (c) => c.primaryKey())
        // 64-bit prefix of the server ID as decimal text: migration codes and receipts carry only the prefix.
        .addColumn('id_prefix', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.references('ch_organizations.id'))
        .addColumn('status', 'text', (c) => c.notNull().check(inList('status', ['activated', 'deactivated', 'invalidated'])))
        .addColumn('method', 'text', (c) => c.notNull().check(inList('method', ['auto', 'web', 'phone'])))
        .addColumn('server_version', 'integer', (c) => c.notNull())
        .addColumn('company', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('activation_serial', 'integer', (c) => c.notNull())
        .addColumn('activated_at', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('certificate_expires_at', 'text', (c) => c.notNull())
        .addColumn('last_check_in_at', 'text')
        .addColumn('instance_id', 'text')
        .addColumn('receipt_at', 'text')
        .addColumn('status_changed_at', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ch_servers_id_prefix').on('ch_servers').column('id_prefix').execute();
      await db.schema.createIndex('ch_servers_org').on('ch_servers').column('org_id').execute();

      await db.schema
        .createTable('ch_activations')
        .$call(idColumn(db, 'serial'))
        .addColumn('server_id', 'text', (c) => c.notNull().references('ch_servers.server_id'))
        .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', ['activate', 'reactivate'])))
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('org_id', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ch_packs')
        .$call(idColumn(db, 'number'))
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('org_id', 'text', (c) => c.references('ch_organizations.id'))
        .addColumn('program', 'text', (c) =>
          c.notNull().check(inList('program', ['retail', 'open', 'select', 'enterprise', 'campus', 'school', 'spla', 'other'])),
        )
        .addColumn('program_data', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('cal_type', 'text', (c) => c.notNull().check(inList('cal_type', ['device', 'user'])))
        .addColumn('cal_version', 'integer', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull().check(sql`count >= 1`))
        .addColumn('proof_of_purchase', 'text')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('unassigned').check(inList('status', ['unassigned', 'installed', 'revoked'])))
        // The one server the pack is installed on: one column, so two servers cannot both hold it.
        .addColumn('server_id', 'text', (c) => c.references('ch_servers.server_id'))
        .addColumn('grant_seq', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addCheckConstraint('ch_packs_installed_has_server', sql`(status = 'installed') = (server_id is not null)`)
        .execute();
      await db.schema.createIndex('ch_packs_server').on('ch_packs').column('server_id').execute();
      await db.schema.createIndex('ch_packs_org').on('ch_packs').column('org_id').execute();

      await db.schema
        .createTable('ch_grants')
        .$call(idColumn(db))
        .addColumn('pack_number', 'integer', (c) => c.notNull().references('ch_packs.number'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('server_id', 'text', (c) => c.notNull().references('ch_servers.server_id'))
        .addColumn('status', 'text', (c) => c.notNull().check(inList('status', ['active', 'invalidated', 'released'])))
        .addColumn('jws', 'text', (c) => c.notNull())
        .addColumn('key_pack_id', 'text')
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .addColumn('case_number', 'text')
        .addUniqueConstraint('ch_grants_pack_seq', ['pack_number', 'seq'])
        .execute();
      await db.schema
        .createIndex('ch_grants_one_active_per_pack')
        .on('ch_grants')
        .column('pack_number')
        .unique()
        .where(sql.ref('status'), '=', 'active')
        .execute();
      await db.schema.createIndex('ch_grants_server').on('ch_grants').columns(['server_id', 'status']).execute();

      await db.schema
        .createTable('ch_cases')
        .$call(idColumn(db, 'number'))
        .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', ['migration', 'reissue', 'clone', 'phantom'])))
        .addColumn('status', 'text', (c) => c.notNull().check(inList('status', ['submitted', 'pending', 'approved', 'rejected'])))
        .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('channel', 'text', (c) => c.notNull())
        // identical requests (same migration code and pack) find the same case
        .addColumn('request_key', 'text', (c) => c.notNull().unique())
        .addColumn('pack_number', 'integer', (c) => c.references('ch_packs.number'))
        .addColumn('source_server_id', 'text')
        .addColumn('target_server_id', 'text')
        .addColumn('org_id', 'text')
        .addColumn('reason', 'text')
        .addColumn('evidence', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('decision_reasons', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('key_pack_id', 'text')
        .addColumn('grant_seq', 'integer')
        .addColumn('decided_by', 'text')
        .addColumn('decision_note', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema.createIndex('ch_cases_status').on('ch_cases').columns(['status', 'number']).execute();
      await db.schema.createIndex('ch_cases_pack').on('ch_cases').columns(['pack_number', 'status']).execute();

      await db.schema
        .createTable('ch_revocations')
        .$call(idColumn(db))
        .addColumn('kind', 'text', (c) => c.notNull().check(inList('kind', ['grant', 'server'])))
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('pack_number', 'integer')
        .addColumn('seq', 'integer')
        .addColumn('case_number', 'text')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ch_nonces')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('seen_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ch_nonces_seen').on('ch_nonces').column('seen_at').execute();

      await db.schema
        .createTable('ch_audit')
        .addColumn('seq', 'integer', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('ch_audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addCheckConstraint('ch_audit_head_single_row', sql`id = 1`)
        .execute();
      await db.insertInto('ch_audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).execute();
    },
  },
  // The audit records of one subject (a case, a pack, a server) are read by subject: without this index, a read
  // of one case's records scanned the whole audit log (npm run bench, EXPLAIN at 10,000,000 records).
  ch_0002_audit_by_subject: {
    async up(db: Kysely<any>) {
      await db.schema.createIndex('ch_audit_subject').on('ch_audit').columns(['subject', 'seq']).execute();
    },
  },
  // Fork evidence: the head of each license server's check-in chain (moved by one conditional UPDATE), every
  // check-in of every history (a clone case's evidence), and the signed checkpoints of the audit chain.
  ch_0003_fork_chain: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ch_check_in_heads')
        .addColumn('server_id', 'text', (c) => c.primaryKey())
        .addColumn('counter', 'integer', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('prev', 'text', (c) => c.notNull())
        .addColumn('attempt', 'text', (c) => c.notNull())
        .addColumn('receipt', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ch_check_ins')
        .$call(idColumn(db))
        .addColumn('server_id', 'text', (c) => c.notNull())
        .addColumn('counter', 'integer', (c) => c.notNull())
        .addColumn('prev', 'text', (c) => c.notNull())
        .addColumn('attempt', 'text', (c) => c.notNull())
        .addColumn('receipt_hash', 'text')
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('instance_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ch_check_ins_server').on('ch_check_ins').columns(['server_id', 'counter']).execute();
      await db.schema
        .createTable('ch_audit_checkpoints')
        .$call(idColumn(db))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('head', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kid', 'text', (c) => c.notNull())
        .addColumn('jws', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // The key set (DESIGN §4, §9): the public half of each clearinghouse key, shared by every node on the database.
  // Position 0 is the root key (it also derives the codes' MAC key); a rotation adds the next position.
  ch_0003_keys_key_set: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ch_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('x', 'text', (c) => c.notNull().unique())
        .addColumn('position', 'integer', (c) => c.notNull().unique())
        .addColumn('not_before', 'text', (c) => c.notNull())
        .addColumn('not_after', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoke_reason', 'text')
        .execute();
    },
  },
  // The organization's host registry (RDS's "Terminal Server License Servers" group, held here rather than in one
  // license server's database): a session host's public key, registered at enrolment by a license server of its
  // organization. One live key per (organization, host name): re-enrolment retires the previous one.
  ch_0003_hostid_registry: {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ch_hosts')
        .addColumn('host_id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('name_key', 'text', (c) => c.notNull())
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('registered_at', 'text', (c) => c.notNull())
        .addColumn('registered_by', 'text', (c) => c.notNull())
        .addColumn('retired_at', 'text')
        .addColumn('retired_by', 'text')
        .execute();
      await db.schema.createIndex('ch_hosts_org').on('ch_hosts').columns(['org_id', 'name_key']).execute();
      await sql`create unique index ch_hosts_live_name on ch_hosts (org_id, name_key) where retired_at is null`.execute(db);
    },
  },
  // Tenant binding (docs/clearinghouse.md "Tenant binding"): a web or phone activation of a server the clearinghouse
  // has never seen is a claim, unconfirmed until the server proves possession of its key by a signed request. Several
  // organizations may claim one server meanwhile; the server's proof picks the owner and drops the others.
  ch_0003_chain_tenant_binding: {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('ch_servers').addColumn('confirmed_at', 'text').execute();
      // Servers activated before this migration keep their owner: it had no way to contest them.
      await db.updateTable('ch_servers').set({ confirmed_at: sql.ref('activated_at') }).execute();
      await db.schema
        .createTable('ch_activation_claims')
        .addColumn('serial', 'integer', (c) => c.primaryKey().references('ch_activations.serial'))
        .addColumn('server_id', 'text', (c) => c.notNull().references('ch_servers.server_id'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('ch_organizations.id'))
        .addColumn('method', 'text', (c) => c.notNull().check(inList('method', ['web', 'phone'])))
        .addColumn('company', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('server_version', 'integer', (c) => c.notNull())
        .addColumn('valid_until', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().check(inList('status', ['open', 'confirmed', 'dropped', 'ended'])))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema.createIndex('ch_activation_claims_server').on('ch_activation_claims').columns(['server_id', 'status']).execute();
    },
  },
  // Paged lists (GET /ch/v1/cases and /servers): each sort and the organization filter read an index in order.
  ch_0004_lists_paging: {
    async up(db) {
      await db.schema.createIndex('ch_cases_org_number').on('ch_cases').columns(['org_id', 'number']).execute();
      await db.schema.createIndex('ch_cases_created').on('ch_cases').columns(['created_at', 'number']).execute();
      await db.schema.createIndex('ch_servers_activated').on('ch_servers').columns(['activated_at', 'server_id']).execute();
      await db.schema.createIndex('ch_servers_status').on('ch_servers').columns(['status', 'server_id']).execute();
    },
  },
};

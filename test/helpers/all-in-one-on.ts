/**
 * The all-in-one (clearinghouse, license server and session host in one Fastify app, calling each other over HTTP
 * through its own origin, as `opencal serve` runs them) on SQLite files or on PostgreSQL schemas, seeded like
 * `--demo` (an organization, an activated license server with a 10-CAL pack, the session host enrolled). For
 * suites that must run every route on both databases; `snapshot()` reads every table of the three databases.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Closers, createComponents, type ComponentsConfig } from '../../src/compose/components';
import { seedDemo, type DemoData } from '../../src/demo/seed';
import { openFrontDoor } from '../../src/http/front-door';
import { buildServer, type ComponentModule, type TypedApp } from '../../src/http/server';
import { systemClock } from '../../src/platform/system-clock';
import { testPostgresBaseUrl, testPostgresUrl, type TestDatabaseName } from './databases';

export interface AllInOneOn {
  readonly url: string;
  readonly app: TypedApp;
  readonly adminToken: string;
  readonly demo: DemoData;
  readonly hostName: string;
  /** `table -> { rows, hash }` of every table of the three databases, keyed `component.table` */
  snapshot(): Promise<Map<string, { rows: number; hash: string }>>;
  close(): Promise<void>;
}

const COMPONENTS = ['clearinghouse', 'license-server', 'session-host'] as const;
const FILES = { clearinghouse: 'ch.db', 'license-server': 'lserver.db', 'session-host': 'sh.db' } as const;

export async function startAllInOneOn(database: TestDatabaseName): Promise<AllInOneOn> {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-aio-'));
  const schemas = Object.fromEntries(COMPONENTS.map((c) => [c, `t_${randomBytes(6).toString('hex')}`])) as Record<(typeof COMPONENTS)[number], string>;
  const dbUrl = (c: (typeof COMPONENTS)[number]) => (database === 'postgres' ? testPostgresUrl(schemas[c]) : `sqlite:${join(dir, c, FILES[c])}`);
  const adminToken = `aio-admin-${randomBytes(16).toString('hex')}`;
  const hostName = 'RDSH-FUZZ';
  const closers = new Closers();
  const door = await openFrontDoor('127.0.0.1', 0);
  closers.add(() => door.close());
  const dirOf = (c: (typeof COMPONENTS)[number]) => join(dir, c);
  const slices: ComponentsConfig = {
    clearinghouse: { dir: dirOf('clearinghouse'), db: dbUrl('clearinghouse'), adminToken },
    licenseServer: { dir: dirOf('license-server'), db: dbUrl('license-server'), adminToken, serverVersion: 2019, clearinghouseUrl: door.origin },
    sessionHost: { dir: dirOf('session-host'), db: dbUrl('session-host'), adminToken, hostName, hostVersion: 2019, directory: 'domain', clearinghouseUrl: door.origin },
  };
  const answer = async (modules: ComponentModule[]) => {
    const app = await buildServer({ logger: false, components: modules });
    await app.ready();
    closers.add(() => app.close());
    door.setHandler((req, res) => app.routing(req, res));
    return app;
  };
  try {
    const components = await createComponents(slices, { clock: systemClock, closers, beforeSessionHost: async (modules) => void (await answer(modules)) });
    const app = await answer(components.modules);
    const demo = await seedDemo(door.origin, adminToken, hostName);
    return {
      url: door.origin,
      app,
      adminToken,
      demo,
      hostName,
      snapshot: () => (database === 'postgres' ? pgSnapshot(schemas) : sqliteSnapshot(dir)),
      async close() {
        await closers.closeAll();
        if (database === 'postgres') await dropSchemas(Object.values(schemas));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await closers.closeAll();
    if (database === 'postgres') await dropSchemas(Object.values(schemas));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const hashOf = (lines: string[]) => createHash('sha256').update(lines.sort().join('\n')).digest('hex');

async function sqliteSnapshot(dir: string) {
  const out = new Map<string, { rows: number; hash: string }>();
  for (const c of COMPONENTS) {
    const db = new Sqlite(join(dir, c, FILES[c]), { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'").all() as { name: string }[];
      for (const { name } of tables) {
        const rows = (db.prepare(`select * from "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : v)));
        out.set(`${c}.${name}`, { rows: rows.length, hash: hashOf(rows) });
      }
    } finally {
      db.close();
    }
  }
  return out;
}

let snapshotClient: pg.Client | undefined;
const snapshotQueries = new Map<string, string>();

/** One round trip: per table, its row count and the md5 of its rows (as JSON, sorted). */
async function pgSnapshot(schemas: Record<string, string>) {
  if (!snapshotClient) {
    snapshotClient = new pg.Client({ connectionString: testPostgresBaseUrl() });
    await snapshotClient.connect();
  }
  const client = snapshotClient;
  const key = JSON.stringify(schemas);
  let sql = snapshotQueries.get(key);
  if (sql === undefined) {
    const parts: string[] = [];
    for (const [c, schema] of Object.entries(schemas)) {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE' order by 1", [schema]);
      for (const { table_name } of tables.rows) {
        parts.push(
          `select '${c}.${table_name}' as name, count(*)::int as rows, coalesce(md5(string_agg(row_to_json(t)::text, E'\\n' order by row_to_json(t)::text)), '') as hash from "${schema}"."${table_name}" t`,
        );
      }
    }
    sql = parts.join(' union all ');
    snapshotQueries.set(key, sql);
  }
  const result = await client.query<{ name: string; rows: number; hash: string }>(sql);
  return new Map(result.rows.map((r) => [r.name, { rows: r.rows, hash: r.hash }]));
}

async function dropSchemas(schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: testPostgresBaseUrl() });
  await client.connect();
  try {
    for (const s of schemas) await client.query(`drop schema if exists "${s}" cascade`);
  } finally {
    await client.end();
  }
  if (snapshotClient) {
    await snapshotClient.end();
    snapshotClient = undefined;
  }
}

/**
 * A real estate for the diagnoser's end-to-end tests: the clearinghouse, license servers and a session host,
 * each built by its own factory and served over real HTTP on 127.0.0.1 (port 0), on one manual clock.
 * Setup drives the components through their use cases or their HTTP routes; the diagnoser only reads over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClearinghouse, type Clearinghouse } from '../../src/clearinghouse/module';
import { ManualClock } from '../../src/core/clock';
import type { CalType, CalVersion, Program } from '../../src/core/vocabulary';
import { runDiagnosis, type Diagnosis, type GatherOptions } from '../../src/diagnoser/index';
import { callJson } from '../../src/http/client';
import { createLicenseServer, type LicenseServer } from '../../src/license-server/module';
import { randomBytes } from '../../src/platform/random';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import type { Database } from '../../src/storage/database';
import { generateIdentity } from '../../src/trust/index';
import type { Finding } from '../../src/core/diagnoser-rules';
import { connect } from '../../src/device/index';
import { buildServer } from '../../src/http/server';
import { afterEach, beforeEach } from 'vitest';

export const CH_ADMIN = 'ch-admin-token-for-diagnoser-tests';
export const LS_ADMIN = 'ls-admin-token-for-diagnoser-tests';
export const SH_ADMIN = 'sh-admin-token-for-diagnoser-tests';
export const COMPANY = { firstName: 'Jeanne', lastName: 'Martin', company: 'Contoso SARL', country: 'FR' };

export { serve, type Served } from '../helpers/serve';
import { serve, type Served } from '../helpers/serve';

/** A port nothing listens on: a license server that is down. */
export async function closedPort(): Promise<number> {
  const s = await serve();
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}

export interface RunningLicenseServer {
  ls: LicenseServer;
  http: Served;
  url: string;
  serverId: string;
  dataDir: string;
  /** stops serving (the server is gone: reinstalled or destroyed). */
  stop(): Promise<void>;
}

export interface RunningSessionHost {
  host: SessionHost;
  http: Served;
  url: string;
}

export class Estate {
  readonly clock = new ClockAt();
  ch!: Clearinghouse;
  chHttp!: Served;
  orgId!: string;
  orgToken!: string;
  agentToken!: string;
  readonly #cleanup: (() => Promise<void>)[] = [];

  constructor(private readonly open: () => Promise<Database>) {}

  async start(): Promise<this> {
    this.ch = await createClearinghouse({ database: await this.open(), clock: this.clock, random: randomBytes, identity: generateIdentity(), adminToken: CH_ADMIN });
    this.chHttp = await serve(this.ch.module);
    this.#cleanup.push(() => this.chHttp.close(), () => this.ch.close());
    const org = await callJson<{ orgId: string; token: string }>(this.chHttp.url, 'POST', '/ch/v1/orgs', { token: CH_ADMIN, body: { name: 'Contoso SARL' } });
    if (!org.ok) throw new Error(org.error.message);
    this.orgId = org.value.orgId;
    this.orgToken = org.value.token;
    const agent = await callJson<{ token: string }>(this.chHttp.url, 'POST', '/ch/v1/agents', { token: CH_ADMIN, body: { name: 'Agent Smith' } });
    if (!agent.ok) throw new Error(agent.error.message);
    this.agentToken = agent.value.token;
    return this;
  }

  /** The clearinghouse stops answering (its process is down); `resume()` serves it again on a new port. */
  async suspendClearinghouse(): Promise<{ resume(): Promise<string> }> {
    await this.chHttp.close();
    return {
      resume: async () => {
        this.chHttp = await serve(this.ch.module);
        this.#cleanup.push(() => this.chHttp.close());
        return this.chHttp.url;
      },
    };
  }

  /** A pack bought by the organization; answers its number and its 25-character key. */
  async buyPack(p: { calType?: CalType; calVersion?: CalVersion; count?: number; program?: Program } = {}): Promise<{ packNumber: number; packKey: string }> {
    const r = await callJson<{ packNumber: number; packKey: string }>(this.chHttp.url, 'POST', '/ch/v1/packs', {
      token: CH_ADMIN,
      body: { orgId: this.orgId, program: p.program ?? 'select', calType: p.calType ?? 'device', calVersion: p.calVersion ?? 2019, count: p.count ?? 10, agreementNumber: '1234567' },
    });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  async licenseServer(o: { serverVersion?: CalVersion; activate?: boolean } = {}): Promise<RunningLicenseServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'opencal-diag-ls-'));
    const ls = await createLicenseServer({
      dataDir,
      database: await this.open(),
      clock: this.clock,
      random: randomBytes,
      serverVersion: o.serverVersion ?? 2019,
      clearinghouseUrl: this.chHttp.url,
      adminToken: LS_ADMIN,
    });
    const http = await serve(ls.module);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await http.close();
      await ls.close();
    };
    this.#cleanup.push(stop, async () => rmSync(dataDir, { recursive: true, force: true }));
    if (o.activate !== false) {
      const a = await ls.useCases.activate({ method: 'auto', orgToken: this.orgToken, company: COMPANY });
      if (!a.ok) throw new Error(a.error.message);
    }
    return { ls, http, url: http.url, serverId: ls.serverId, dataDir, stop };
  }

  /**
   * The license server is reinstalled on the same machine: the old one stops, a new one (new data directory, so a
   * new identity and an empty license database) is served at the same address, activated unless told otherwise.
   */
  async reinstallAtSameAddress(old: RunningLicenseServer, o: { activate?: boolean } = {}): Promise<RunningLicenseServer> {
    await old.stop();
    const dataDir = mkdtempSync(join(tmpdir(), 'opencal-diag-ls-'));
    const ls = await createLicenseServer({
      dataDir,
      database: await this.open(),
      clock: this.clock,
      random: randomBytes,
      serverVersion: 2019,
      clearinghouseUrl: this.chHttp.url,
      adminToken: LS_ADMIN,
    });
    const app = await buildServer({ components: [ls.module], logger: false });
    // The address the session hosts already list: the port the old server was given (not a fixed one).
    await app.listen({ host: '127.0.0.1', port: Number(new URL(old.url).port) });
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await app.close();
      await ls.close();
    };
    this.#cleanup.push(stop, async () => rmSync(dataDir, { recursive: true, force: true }));
    if (o.activate !== false) {
      const a = await ls.useCases.activate({ method: 'auto', orgToken: this.orgToken, company: COMPANY });
      if (!a.ok) throw new Error(a.error.message);
    }
    return { ls, http: { url: old.url, close: () => app.close() }, url: old.url, serverId: ls.serverId, dataDir, stop };
  }

  async install(ls: RunningLicenseServer, packKey: string) {
    return ls.ls.useCases.installByPackKey({ packKey, agreementNumber: '1234567' });
  }

  async sessionHost(o: { hostVersion?: CalVersion; directory?: 'domain' | 'workgroup' } = {}): Promise<RunningSessionHost> {
    const host = await createSessionHost({
      database: await this.open(),
      clock: this.clock,
      random: randomBytes,
      hostName: 'RDSH-01',
      hostVersion: o.hostVersion ?? 2019,
      directory: o.directory ?? 'domain',
      clearinghouseUrl: this.chHttp.url,
      adminToken: SH_ADMIN,
      refreshIntervalMs: 0,
    });
    const http = await serve(host.module);
    this.#cleanup.push(() => http.close(), () => host.close());
    return { host, http, url: http.url };
  }

  /** Policy layer: mode and license servers; enrols the host on each running license server given. */
  async configure(sh: RunningSessionHost, mode: 'per-device' | 'per-user' | 'not-configured', servers: (RunningLicenseServer | string)[], enrol = true) {
    const urls = servers.map((s) => (typeof s === 'string' ? s : s.url));
    const set = await sh.host.useCases.setLayer({ layer: 'policy', mode, licenseServers: urls });
    if (!set.ok) throw new Error(set.error.message);
    if (!enrol) return;
    for (const s of servers) {
      if (typeof s === 'string') continue;
      const joinToken = await s.ls.useCases.createJoinToken({ name: 'RDSH-01' });
      if (!joinToken.ok) throw new Error(joinToken.error.message);
      const e = await sh.host.useCases.enroll(s.url, joinToken.value.joinToken);
      if (!e.ok) throw new Error(e.error.message);
    }
  }

  async diagnose(sh: RunningSessionHost, extra: Partial<GatherOptions> = {}): Promise<Diagnosis> {
    const r = await runDiagnosis({
      hostUrl: sh.url,
      token: SH_ADMIN,
      licenseServerToken: LS_ADMIN,
      clearinghouseUrl: this.chHttp.url,
      clearinghouseToken: this.orgToken,
      clock: this.clock,
      ...extra,
    });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  }

  async close(): Promise<void> {
    while (this.#cleanup.length) await this.#cleanup.pop()!();
  }
}

/** The estate's clock: a manual clock starting at a fixed day. */
class ClockAt extends ManualClock {
  constructor() {
    super(new Date('2025-03-01T09:00:00.000Z'));
  }
}

/** The finding with this code, or a failure naming the codes found. */
export function finding(findings: Finding[], code: string): Finding {
  const f = findings.find((x) => x.code === code);
  if (!f) throw new Error(`no ${code} finding; found: ${findings.map((x) => x.code).join(', ') || 'none'}`);
  return f;
}

/** A test's estate, and devices whose license stores live in a temporary folder of that test. */
export interface EstateFixture {
  readonly estate: Estate;
  device(hostUrl: string, name: string): ReturnType<typeof connect>;
}

/** Registers in the calling suite: a fresh estate started before each test, closed after it with its devices' folder. */
export function estateForEachTest(open: () => Promise<Database>): EstateFixture {
  let current: Estate | undefined;
  let devices = '';
  beforeEach(async () => {
    current = await new Estate(open).start();
    devices = mkdtempSync(join(tmpdir(), 'opencal-diag-devices-'));
  });
  afterEach(async () => {
    await current?.close();
    rmSync(devices, { recursive: true, force: true });
  });
  const fixture: EstateFixture = {
    get estate(): Estate {
      if (!current) throw new Error('the estate is started before each test');
      return current;
    },
    // the session host admin token is accepted as the devices' gate front-end credential
    device: (hostUrl, name) => connect(hostUrl, { name, storePath: join(devices, `${name}.json`), clock: fixture.estate.clock, credential: SH_ADMIN }),
  };
  return fixture;
}

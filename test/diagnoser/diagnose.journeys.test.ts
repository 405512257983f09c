/**
 * The diagnoser against real components over HTTP: each state of the source document's troubleshooting table
 * and each extra check is built with the real clearinghouse, license servers and session host, then gathered,
 * diagnosed and asserted by finding code and fix.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { DAY_MS } from '../../src/core/clock';
import type { Finding } from '../../src/core/diagnoser-rules';
import { connect } from '../../src/device/index';
import { callJson } from '../../src/http/client';
import { describeEachDatabase } from '../helpers/databases';
import { closedPort, Estate } from './estate';

function codes(findings: Finding[]): string[] {
  return findings.map((f) => f.code);
}
function finding(findings: Finding[], code: string): Finding {
  const f = findings.find((x) => x.code === code);
  if (!f) throw new Error(`no ${code} finding; found: ${codes(findings).join(', ') || 'none'}`);
  return f;
}

describeEachDatabase('diagnoser against a real estate over HTTP', (tdb) => {
  let estate: Estate;
  let devices: string;

  beforeEach(async () => {
    estate = await new Estate(() => tdb.open()).start();
    devices = mkdtempSync(join(tmpdir(), 'opencal-diag-devices-'));
  });
  afterEach(async () => {
    await estate.close();
    rmSync(devices, { recursive: true, force: true });
  });

  async function device(hostUrl: string, name: string) {
    return connect(hostUrl, { name, storePath: join(devices, `${name}.json`), clock: estate.clock });
  }

  it('a healthy estate gives no blocking finding, and the plan has only the verification left', async () => {
    const { packKey } = await estate.buyPack();
    const ls = await estate.licenseServer();
    expect((await estate.install(ls, packKey)).ok).toBe(true);
    const sh = await estate.sessionHost();
    await estate.configure(sh, 'per-device', [ls]);

    const d = await estate.diagnose(sh);
    expect(d.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(d.blocking).toBe(false);
    expect(d.snapshot.licenseServers[0]).toMatchObject({ reachable: true, inspected: true, serverId: ls.serverId, activation: { status: 'activated' } });
    expect(d.snapshot.licenseServers[0]!.keyPacks).toMatchObject([{ calType: 'device', calVersion: 2019, total: 10, available: 10, status: 'active' }]);
    expect(d.plan.filter((s) => !s.done).map((s) => s.step)).toEqual(['verify']);
  });
});

import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { buildServer, type TypedApp } from '../../src/http/server';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { encodeBundleHeader } from '../../src/session-host/gate';
import { generateIdentity } from '../../src/trust/index';
import { describeEachDatabase } from '../helpers/databases';
import { makeAuthority, permanentBundle } from './signed-documents';

const T0 = new Date('2025-01-01T08:00:00.000Z');
const ADMIN = 'sh-admin-token-for-tests';

describeEachDatabase('session host HTTP routes', (tdb) => {
  let clock: ManualClock;
  let host: SessionHost;
  let app: TypedApp;
  const auth = { authorization: `Bearer ${ADMIN}` };

  beforeEach(async () => {
    clock = new ManualClock(T0);
    host = await createSessionHost({
      database: await tdb.open(),
      clock,
      hostName: 'RDSH-01',
      hostVersion: 2019,
      directory: 'domain',
      adminToken: ADMIN,
      refreshIntervalMs: 0,
      configFile: { policy: { mode: 'per-device' } },
      trustAnchor: makeAuthority().anchor,
    });
    app = await buildServer({ components: [host.module], logger: false });
  });
  afterEach(async () => {
    await app.close();
    await host.close();
  });

  it('status reports the mode and the layer it came from, the license servers and their layer, and the grace days left', async () => {
    const put = await app.inject({ method: 'PUT', url: '/sh/v1/config', headers: auth, payload: { layer: 'deployment', mode: 'per-user', licenseServers: ['SERVEUR-LIC:7878'] } });
    expect(put.statusCode).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/sh/v1/status', headers: auth });
    expect(res.json()).toMatchObject({
      mode: 'per-device',
      modeValue: 2,
      modeSource: 'policy',
      licenseServers: [{ url: 'http://SERVEUR-LIC:7878', enrolled: false }],
      licenseServersSource: 'deployment',
      grace: { daysLeft: 120, expired: false },
      layers: { policy: { mode: 'per-device', fromFile: true }, deployment: { mode: 'per-user' } },
    });
  });

  it('a layer set by the configuration file cannot be changed through the API', async () => {
    const res = await app.inject({ method: 'PUT', url: '/sh/v1/config', headers: auth, payload: { layer: 'policy', mode: 'per-user' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('CONFIG_LAYER_FROM_FILE');
  });

  it('the admin routes need an sh:admin token', async () => {
    expect((await app.inject({ method: 'GET', url: '/sh/v1/status' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/sh/v1/emit?format=reg' })).statusCode).toBe(401);
  });

  it('emit answers the PowerShell script of the source document for this host', async () => {
    await app.inject({ method: 'PUT', url: '/sh/v1/config', headers: auth, payload: { layer: 'local', licenseServers: ['http://SERVEUR-LIC:7878'] } });
    const res = await app.inject({ method: 'GET', url: '/sh/v1/emit?format=powershell', headers: auth });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain("Set-ItemProperty -Path 'HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services' -Name 'LicensingMode' -Type DWord -Value 2");
    expect(res.body).toContain("LicenseServers\\SERVEUR-LIC' -Force | Out-Null");
    const rdms = await app.inject({ method: 'GET', url: '/sh/v1/emit?format=rdms', headers: auth });
    expect(rdms.body).toContain('Set-RDLicenseConfiguration -Mode PerDevice -LicenseServer SERVEUR-LIC');
    expect((await app.inject({ method: 'GET', url: '/sh/v1/emit?format=xml', headers: auth })).statusCode).toBe(400);
  });

  it('connect admits in the grace period, then refuses with the code, message and 403 once it is over', async () => {
    const ok = await app.inject({ method: 'POST', url: '/sh/v1/connect', payload: { device: 'PC-01', hwid: 'hw-01', cals: [] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ admitted: true, basis: 'grace', graceDaysLeft: 120 });
    clock.set(addDays(T0, 121));
    const no = await app.inject({ method: 'POST', url: '/sh/v1/connect', payload: { device: 'PC-01', hwid: 'hw-01' } });
    expect(no.statusCode).toBe(403);
    expect(no.json().error).toMatchObject({ code: 'NO_LICENSE_SERVER_AVAILABLE' });
    const list = await app.inject({ method: 'GET', url: '/sh/v1/admissions', headers: auth });
    expect(list.json().admissions.map((a: { admitted: boolean }) => a.admitted)).toEqual([false, true]);
    const events = await app.inject({ method: 'GET', url: '/sh/v1/events?eventId=50282', headers: auth });
    expect(events.json().events.length).toBeGreaterThan(0);
  });

  it('the nginx auth_request gate answers 204 to admit and 401/403 with X-OpenCAL-Refusal to refuse', async () => {
    const admit = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01' } });
    expect(admit.statusCode).toBe(204);
    expect(admit.headers['x-opencal-admission']).toBe('grace');

    const missing = await app.inject({ method: 'GET', url: '/sh/v1/auth' });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['x-opencal-refusal']).toBe('INVALID_CONNECTION_REQUEST');

    const garbage = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01', 'x-opencal-cals': 'not-base64-json' } });
    expect(garbage.statusCode).toBe(401);
    expect(garbage.headers['x-opencal-refusal']).toBe('CAL_TOKEN_MALFORMED');

    const foreign = await permanentBundle(makeAuthority(), generateIdentity(), T0, { device: 'PC-01' });
    const forged = await app.inject({
      method: 'GET',
      url: '/sh/v1/auth',
      headers: { 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01', 'x-opencal-cals': encodeBundleHeader([foreign]) },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['x-opencal-refusal']).toBe('CAL_CERTIFICATE_INVALID');

    clock.set(addDays(T0, 121));
    const refused = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['x-opencal-refusal']).toBe('NO_LICENSE_SERVER_AVAILABLE');
  });

  it('the embedding gate admits in process with the same rules', async () => {
    expect(await host.gate.admit({ device: 'PC-09', hwid: 'hw-09' })).toMatchObject({ ok: true, value: { basis: 'grace' } });
  });
});

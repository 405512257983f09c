import { afterEach, beforeEach, expect, it } from 'vitest';
import { addDays, ManualClock } from '../../src/core/clock';
import { buildServer, type TypedApp } from '../../src/http/server';
import { createSessionHost, type SessionHost } from '../../src/session-host/module';
import { encodeBundleHeader } from '../../src/session-host/gate';
import { createToken } from '../../src/storage/tokens.repository';
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
  /** the gate front end's credential (sh:gate), as nginx or the PAM gate sends it */
  let front: { authorization: string };

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
    front = { authorization: `Bearer ${(await host.useCases.createGateCredential('test front end')).token}` };
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
    const pam = await app.inject({ method: 'GET', url: '/sh/v1/emit?format=pam', headers: { ...auth, host: 'rdsh01.corp:7878' } });
    expect(pam.statusCode).toBe(200);
    expect(pam.body).toContain('"http://rdsh01.corp:7878"');
    expect(pam.body).toContain('account required pam_exec.so stdout quiet');
  });

  it('connect admits in the grace period, then refuses with the code, message and 403 once it is over', async () => {
    const ok = await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: front, payload: { device: 'PC-01', hwid: 'hw-01', cals: [] } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ admitted: true, basis: 'grace', graceDaysLeft: 120 });
    clock.set(addDays(T0, 121));
    const no = await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: front, payload: { device: 'PC-01', hwid: 'hw-01' } });
    expect(no.statusCode).toBe(403);
    expect(no.json().error).toMatchObject({ code: 'NO_LICENSE_SERVER_AVAILABLE' });
    const list = await app.inject({ method: 'GET', url: '/sh/v1/admissions', headers: auth });
    expect(list.json().admissions.map((a: { admitted: boolean }) => a.admitted)).toEqual([false, true]);
    const events = await app.inject({ method: 'GET', url: '/sh/v1/events?eventId=50282', headers: auth });
    expect(events.json().events.length).toBeGreaterThan(0);
  });

  it('the nginx auth_request gate answers 204 to admit and 401/403 with X-OpenCAL-Refusal to refuse', async () => {
    const admit = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { ...front, 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01' } });
    expect(admit.statusCode).toBe(204);
    expect(admit.headers['x-opencal-admission']).toBe('grace');

    const missing = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: front });
    expect(missing.statusCode).toBe(401);
    expect(missing.headers['x-opencal-refusal']).toBe('INVALID_CONNECTION_REQUEST');

    const garbage = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { ...front, 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01', 'x-opencal-cals': 'not-base64-json' } });
    expect(garbage.statusCode).toBe(401);
    expect(garbage.headers['x-opencal-refusal']).toBe('CAL_TOKEN_MALFORMED');

    const foreign = await permanentBundle(makeAuthority(), generateIdentity(), T0, { device: 'PC-01' });
    const forged = await app.inject({
      method: 'GET',
      url: '/sh/v1/auth',
      headers: { ...front, 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01', 'x-opencal-cals': encodeBundleHeader([foreign]) },
    });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['x-opencal-refusal']).toBe('CAL_CERTIFICATE_INVALID');

    clock.set(addDays(T0, 121));
    const refused = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { ...front, 'x-opencal-device': 'PC-01', 'x-opencal-hwid': 'hw-01' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['x-opencal-refusal']).toBe('NO_LICENSE_SERVER_AVAILABLE');
  });

  it('the embedding gate admits in process with the same rules', async () => {
    expect(await host.gate.admit({ device: 'PC-09', hwid: 'hw-09' })).toMatchObject({ ok: true, value: { basis: 'grace' } });
  });

  it('a connection without a gate front-end credential takes no seat: 24 of them are refused and nothing is recorded', async () => {
    for (let i = 0; i < 12; i++) {
      const r = await app.inject({ method: 'POST', url: '/sh/v1/connect', payload: { device: `FAKE-${i}`, hwid: `hw-fake-${i}` } });
      expect(r.statusCode).toBe(401);
      expect(r.json().error.code).toBe('GATE_CREDENTIAL_REQUIRED');
      const a = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { 'x-opencal-device': `FAKE-A${i}`, 'x-opencal-hwid': `hw-fake-a${i}` } });
      expect(a.statusCode).toBe(401);
      expect(a.headers['x-opencal-refusal']).toBe('GATE_CREDENTIAL_REQUIRED');
    }
    const list = await app.inject({ method: 'GET', url: '/sh/v1/admissions', headers: auth });
    expect(list.json().admissions).toEqual([]);
  });

  it('an unknown, revoked or other-scope credential is refused as GATE_CREDENTIAL_INVALID', async () => {
    const junk = await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: { authorization: 'Bearer ocal_not-a-real-credential-at-all' }, payload: { device: 'PC-02', hwid: 'hw-02' } });
    expect(junk.statusCode).toBe(401);
    expect(junk.json().error.code).toBe('GATE_CREDENTIAL_INVALID');

    const made = await app.inject({ method: 'POST', url: '/sh/v1/gate-credentials', headers: auth, payload: { label: 'web01 nginx' } });
    expect(made.statusCode).toBe(201);
    const { id, token } = made.json() as { id: string; token: string };
    const before = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { authorization: `Bearer ${token}`, 'x-opencal-device': 'PC-02', 'x-opencal-hwid': 'hw-02' } });
    expect(before.statusCode).toBe(204);

    const revoked = await app.inject({ method: 'DELETE', url: `/sh/v1/gate-credentials/${id}`, headers: auth });
    expect(revoked.statusCode).toBe(200);
    const after = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { authorization: `Bearer ${token}`, 'x-opencal-device': 'PC-02', 'x-opencal-hwid': 'hw-02' } });
    expect(after.statusCode).toBe(401);
    expect(after.headers['x-opencal-refusal']).toBe('GATE_CREDENTIAL_INVALID');
    expect((await app.inject({ method: 'DELETE', url: `/sh/v1/gate-credentials/${id}`, headers: auth })).json().error.code).toBe('GATE_CREDENTIAL_NOT_FOUND');

    const reader = await createToken(host.context.database.db, { scope: 'readonly', label: 'dashboard' }, clock);
    const other = await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: { authorization: `Bearer ${reader.token}` }, payload: { device: 'PC-02', hwid: 'hw-02' } });
    expect(other.statusCode).toBe(401);
    expect(other.json().error).toMatchObject({ code: 'GATE_CREDENTIAL_INVALID', detail: { scope: 'readonly' } });
  });

  it('gate credentials are made and revoked by the admin only, listed without their tokens, and each step is an event', async () => {
    expect((await app.inject({ method: 'POST', url: '/sh/v1/gate-credentials', headers: front, payload: { label: 'x' } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/sh/v1/gate-credentials', headers: auth, payload: { label: 'bad\u0007label' } })).statusCode).toBe(400);
    const made = (await app.inject({ method: 'POST', url: '/sh/v1/gate-credentials', headers: auth, payload: { label: 'rdsh01 pam' } })).json() as { id: string; token: string };
    expect(made.token).toMatch(/^ocal_[A-Za-z0-9_-]{43}$/);
    const listed = (await app.inject({ method: 'GET', url: '/sh/v1/gate-credentials', headers: auth })).json() as { credentials: Record<string, unknown>[] };
    expect(listed.credentials.map((c) => c['label'])).toEqual(['test front end', 'rdsh01 pam']);
    expect(JSON.stringify(listed)).not.toContain(made.token);
    await app.inject({ method: 'DELETE', url: `/sh/v1/gate-credentials/${made.id}`, headers: auth });
    const live = (await app.inject({ method: 'GET', url: '/sh/v1/gate-credentials', headers: auth })).json() as { credentials: { label: string }[] };
    expect(live.credentials.map((c) => c.label)).toEqual(['test front end']);
    const all = (await app.inject({ method: 'GET', url: '/sh/v1/gate-credentials?all=true', headers: auth })).json() as { credentials: { revokedAt?: string }[] };
    expect(all.credentials[1]?.revokedAt).toBeDefined();
    const events = (await app.inject({ method: 'GET', url: '/sh/v1/events', headers: auth })).json() as { events: { eventId: number }[] };
    expect(events.events.map((e) => e.eventId)).toEqual(expect.arrayContaining([9214, 9215]));
  });

  it('a front end in report-only mode gets the refusal, and the session host records what would have happened', async () => {
    clock.set(addDays(T0, 121));
    const r = await app.inject({
      method: 'POST',
      url: '/sh/v1/connect',
      headers: { ...front, 'x-opencal-report-only': '1' },
      payload: { device: '10.0.0.9', hwid: 'PAM-01', user: 'alice' },
    });
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBe('NO_LICENSE_SERVER_AVAILABLE');
    const events = (await app.inject({ method: 'GET', url: '/sh/v1/events?eventId=9213', headers: auth })).json() as { events: { message: string }[] };
    expect(events.events).toHaveLength(1);
    expect(events.events[0]?.message).toContain('Report only: front end test front end admitted user alice from device 10.0.0.9');
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: auth });
    expect(metrics.body).toContain('opencal_gate_report_only_refusals_total{code="NO_LICENSE_SERVER_AVAILABLE"} 1');
  });
});

describeEachDatabase('session host gate: new devices per source', (tdb) => {
  let host: SessionHost;
  let app: TypedApp;
  const auth = { authorization: `Bearer ${ADMIN}` };

  beforeEach(async () => {
    host = await createSessionHost({
      database: await tdb.open(),
      clock: new ManualClock(T0),
      hostName: 'RDSH-02',
      hostVersion: 2019,
      directory: 'domain',
      adminToken: ADMIN,
      refreshIntervalMs: 0,
      configFile: { policy: { mode: 'per-device' } },
      newDevicesPerWindow: 3,
      newDeviceWindowMs: 3_600_000,
    });
    app = await buildServer({ components: [host.module], logger: false });
  });
  afterEach(async () => {
    await app.close();
    await host.close();
  });

  it('once a front end brought its limit of new devices, the next new one gets 429 TOO_MANY_NEW_DEVICES and one event, known devices still pass', async () => {
    const front = { authorization: `Bearer ${(await host.useCases.createGateCredential('busy front end')).token}` };
    for (let i = 1; i <= 3; i++) {
      expect((await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: front, payload: { device: `PC-${i}`, hwid: `hw-${i}` } })).statusCode).toBe(200);
    }
    const fourth = await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: front, payload: { device: 'PC-4', hwid: 'hw-4' } });
    expect(fourth.statusCode).toBe(429);
    expect(fourth.json().error.code).toBe('TOO_MANY_NEW_DEVICES');
    const viaProxy = await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { ...front, 'x-opencal-device': 'PC-5', 'x-opencal-hwid': 'hw-5' } });
    // nginx's auth_request understands 401 and 403 only: the proxy gate answers 403 with the code in its header
    expect(viaProxy.statusCode).toBe(403);
    expect(viaProxy.headers['x-opencal-refusal']).toBe('TOO_MANY_NEW_DEVICES');
    // a device already admitted is not new
    expect((await app.inject({ method: 'GET', url: '/sh/v1/auth', headers: { ...front, 'x-opencal-device': 'PC-2', 'x-opencal-hwid': 'hw-2' } })).statusCode).toBe(204);
    // another front end is another source
    const other = { authorization: `Bearer ${(await host.useCases.createGateCredential('other front end')).token}` };
    expect((await app.inject({ method: 'POST', url: '/sh/v1/connect', headers: other, payload: { device: 'PC-6', hwid: 'hw-6' } })).statusCode).toBe(200);

    const events = (await app.inject({ method: 'GET', url: '/sh/v1/events?eventId=9212', headers: auth })).json() as { events: { message: string }[] };
    expect(events.events).toHaveLength(1);
    expect(events.events[0]?.message).toContain('Front end busy front end');
    const admitted = (await app.inject({ method: 'GET', url: '/sh/v1/admissions', headers: auth })).json() as { admissions: { device: string }[] };
    expect(admitted.admissions.map((a) => a.device).sort()).toEqual(['PC-1', 'PC-2', 'PC-2', 'PC-3', 'PC-6']);
  });
});

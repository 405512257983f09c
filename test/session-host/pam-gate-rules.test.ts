import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePamConfig, readCredentialFile } from '../../src/cli/gate-pam';
import { decideMisconfigured, decidePamLogin, deviceIdentity, pamLanguage, PAM_TEXTS, readPamLogin, userMessage, type GateAnswer, type PamLogin } from '../../src/core/pam-gate';
import { peerRefusal, refusal } from '../../src/core/result';
import { emitPam, PAM_LAYOUT } from '../../src/core/windows-config';

const NOW = new Date('2025-06-01T08:00:00.000Z');
const login: PamLogin = { type: 'account', user: 'alice', service: 'sshd', rhost: '203.0.113.7' };

describe('PAM gate rules', () => {
  it.each([
    [{ LANG: 'fr_FR.UTF-8' }, undefined, 'fr'],
    [{ LANG: 'fr_CA.UTF-8' }, undefined, 'fr'],
    [{ LANG: 'en_GB.UTF-8' }, undefined, 'en'],
    [{ LANGUAGE: 'fr:en', LANG: 'en_US.UTF-8' }, undefined, 'fr'],
    [{ LC_ALL: 'C', LANG: 'fr_FR.UTF-8' }, undefined, 'en'],
    [{ LC_MESSAGES: 'fr_BE.UTF-8' }, undefined, 'fr'],
    [{}, undefined, 'en'],
    [{ LANG: 'en_US.UTF-8' }, 'fr', 'fr'],
    [{ LANG: 'fr_FR.UTF-8' }, 'en', 'en'],
    [{ LANG: 'french' }, 'auto', 'en'],
  ] as const)('the locale %j with language %s speaks %s', (env, configured, expected) => {
    expect(pamLanguage(env, configured)).toBe(expected);
  });

  it('every text exists in English and French with the code in it', () => {
    expect(Object.keys(PAM_TEXTS.fr).sort()).toEqual(Object.keys(PAM_TEXTS.en).sort());
    for (const lang of ['en', 'fr'] as const) for (const text of Object.values(PAM_TEXTS[lang])) expect(text).toContain('{code}');
    expect(userMessage('fr', 'NO_CAL_AVAILABLE')).toContain('aucune licence');
    expect(userMessage('en', 'TOO_MANY_NEW_DEVICES')).toContain('Try again in a minute');
    expect(userMessage('en', 'SOMETHING_NEW')).toBe('Access refused by the licensing service (SOMETHING_NEW). Contact your administrator.');
  });

  it('reads the login from the PAM variables and refuses a call that is not from pam_exec', () => {
    expect(readPamLogin({ PAM_TYPE: 'account', PAM_USER: 'alice', PAM_SERVICE: 'sshd', PAM_RHOST: '203.0.113.7' })).toEqual({ ok: true, value: login });
    expect(readPamLogin({ PAM_USER: 'alice' })).toMatchObject({ ok: false, error: { code: 'PAM_GATE_MISCONFIGURED' } });
    expect(readPamLogin({ PAM_TYPE: 'account', PAM_USER: 'bad\u0007user' })).toMatchObject({ ok: false, error: { code: 'PAM_GATE_MISCONFIGURED' } });
  });

  it('names the device by the remote host, the same hardware ID whatever the case, and only by the user when told to', () => {
    const a = deviceIdentity(login, 'rhost');
    const b = deviceIdentity({ ...login, user: 'bob', rhost: '203.0.113.7' }, 'rhost');
    expect(a).toMatchObject({ ok: true, value: { device: '203.0.113.7' } });
    expect(a.ok && b.ok && a.value.hwid === b.value.hwid).toBe(true);
    const named = deviceIdentity({ ...login, rhost: 'PC-01.corp' }, 'rhost');
    const lower = deviceIdentity({ ...login, rhost: 'pc-01.corp' }, 'rhost');
    expect(named.ok && lower.ok && named.value.hwid === lower.value.hwid).toBe(true);
    const { rhost: _rhost, ...noHost } = login;
    expect(deviceIdentity({ ...noHost, service: 'xrdp-sesman' }, 'rhost')).toMatchObject({ ok: false, error: { code: 'DEVICE_IDENTITY_UNAVAILABLE' } });
    expect(deviceIdentity({ ...noHost, service: 'xrdp-sesman' }, 'user')).toMatchObject({ ok: true, value: { device: 'xrdp-sesman:alice' } });
  });

  const admitted: GateAnswer = { kind: 'admitted', basis: 'issued', graceDaysLeft: 30, sessionHost: 'http://sh' };
  const refused: GateAnswer = { kind: 'refused', refusal: peerRefusal('NO_CAL_AVAILABLE', 'none left'), sessionHost: 'http://sh' };
  const down: GateAnswer = { kind: 'unreachable', reasons: ['http://sh: ECONNREFUSED'] };
  const later = new Date(NOW.getTime() + 86_400_000).toISOString();
  const earlier = new Date(NOW.getTime() - 1000).toISOString();

  it.each([
    ['admitted', admitted, false, undefined, 0, undefined],
    ['refused', refused, false, undefined, 1, 'no Remote Desktop licence'],
    ['refused, report only', refused, true, undefined, 0, undefined],
    ['unreachable within the grace period', down, false, later, 0, undefined],
    ['unreachable after the grace period', down, false, earlier, 3, 'grace period of this server is over'],
    ['unreachable, grace period never reported', down, false, undefined, 3, 'SESSION_HOST_UNREACHABLE'],
    ['unreachable after the grace period, report only', down, true, earlier, 0, undefined],
  ] as const)('%s: exit %#', (_name, answer, reportOnly, graceUntil, exitCode, shown) => {
    const d = decidePamLogin({ login, answer, now: NOW, lang: 'en', reportOnly, ...(graceUntil ? { graceUntil } : {}) });
    expect(d.exitCode).toBe(exitCode);
    if (shown) expect(d.stdout).toContain(shown);
    else expect(d.stdout).toBeUndefined();
  });

  it("the administrator's line says which session hosts failed and when the grace period ended", () => {
    const d = decidePamLogin({ login, answer: down, now: NOW, lang: 'en', reportOnly: false, graceUntil: earlier });
    expect(d.log).toContain(`SESSION_HOST_UNREACHABLE: No session host answered (http://sh: ECONNREFUSED) and the grace period ended on ${earlier}`);
  });

  it('keeps the end of the grace period the session host reported, by this host clock', () => {
    expect(decidePamLogin({ login, answer: admitted, now: NOW, lang: 'en', reportOnly: false }).graceUntil).toBe('2025-07-01T08:00:00.000Z');
    expect(decidePamLogin({ login, answer: refused, now: NOW, lang: 'en', reportOnly: false }).graceUntil).toBeUndefined();
  });

  it('a broken setup refuses, unless report-only', () => {
    const problem = refusal('PAM_GATE_MISCONFIGURED', { problem: 'config-unreadable', file: '/etc/opencal/pam.json', reason: 'ENOENT' });
    expect(decideMisconfigured(problem, 'fr', false)).toMatchObject({
      exitCode: 2,
      stdout: expect.stringContaining("n'est pas correctement configurée"),
      log: 'refused: PAM_GATE_MISCONFIGURED: Cannot read the PAM gate configuration /etc/opencal/pam.json: ENOENT.',
    });
    expect(decideMisconfigured(problem, 'fr', true)).toMatchObject({ exitCode: 0 });
  });
});

describe('PAM gate files', () => {
  it('the configuration names its session hosts and credential file; a wrong field is refused with what to write', () => {
    expect(parsePamConfig(JSON.stringify({ sessionHost: 'http://sh:7878', credentialFile: '/etc/opencal/gate-credential' }), 'pam.json')).toMatchObject({
      ok: true,
      value: { sessionHosts: ['http://sh:7878'], reportOnly: false, timeoutMs: 5000, deviceIdentity: 'rhost', logFile: '/var/log/opencal/pam-gate.log' },
    });
    for (const bad of [{}, { sessionHosts: ['ftp://x'], credentialFile: '/c' }, { sessionHosts: ['http://x'] }, { sessionHosts: ['http://x'], credentialFile: '/c', timeoutMs: 10 }, { sessionHosts: ['http://x'], credentialFile: '/c', deviceIdentity: 'mac' }]) {
      expect(parsePamConfig(JSON.stringify(bad), 'pam.json')).toMatchObject({ ok: false, error: { code: 'PAM_GATE_MISCONFIGURED', message: expect.stringContaining('pam.json') } });
    }
    expect(parsePamConfig('{', 'pam.json')).toMatchObject({ ok: false });
  });

  it('the credential is read from a file only its owner may read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'opencal-cred-'));
    try {
      const file = join(dir, 'gate-credential');
      writeFileSync(file, 'ocal_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n', { mode: 0o600 });
      expect(readCredentialFile(file)).toEqual({ ok: true, value: 'ocal_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
      for (const mode of [0o640, 0o604, 0o644]) {
        rmSync(file);
        writeFileSync(file, 'ocal_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n', { mode });
        expect(readCredentialFile(file)).toMatchObject({ ok: false, error: { message: expect.stringContaining(`chmod 600 ${file}`) } });
      }
      expect(readCredentialFile(join(dir, 'missing'))).toMatchObject({ ok: false, error: { code: 'PAM_GATE_MISCONFIGURED' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('host emit --format pam writes the account lines, the credential file steps and a configuration the gate accepts', () => {
    const text = emitPam({ hostName: 'RDSH-01', mode: 'per-user', sessionHostUrls: ['http://sh.corp:7878'] });
    expect(text).toContain(`account required pam_exec.so stdout quiet ${PAM_LAYOUT.command} --pam-config /etc/opencal/pam.json`);
    expect(text).toContain('/etc/pam.d/xrdp-sesman');
    expect(text).toContain(`chmod 0600 ${PAM_LAYOUT.credential}`);
    const json = /^\{[\s\S]*?^\}/m.exec(text)?.[0];
    expect(parsePamConfig(json ?? '', 'emitted')).toMatchObject({ ok: true, value: { sessionHosts: ['http://sh.corp:7878'], reportOnly: true, credentialFile: PAM_LAYOUT.credential } });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { displayValue, renderConfigHelp, resolveConfig } from '../../src/config';

const dirs: string[] = [];
function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'opencal-config-'));
  dirs.push(dir);
  const path = join(dir, 'opencal.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function resolved(inputs: Parameters<typeof resolveConfig>[0]) {
  const result = resolveConfig(inputs);
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describe('configuration precedence', () => {
  it('with nothing given, every key has its default', () => {
    const config = resolved({ env: {}, cwd: '/srv/opencal' });
    expect(config.values.port).toBe(7878);
    expect(config.values.host).toBe('127.0.0.1');
    expect(config.values.data).toBe('/srv/opencal/data');
    expect(config.values.serverVersion).toBe(2019);
    expect(config.values.demo).toBe(false);
    expect(config.values.adminToken).toBeUndefined();
    expect(config.sources.port).toBe('default');
    expect(config.sources.adminToken).toBe('unset');
  });

  it('a flag beats the environment, which beats the file, which beats the default', () => {
    const file = configFile({ port: 9001, host: '0.0.0.0', logLevel: 'debug', demo: true });
    const config = resolved({
      flags: { port: '9003' },
      env: { OPENCAL_PORT: '9002', OPENCAL_HOST: '10.0.0.1', OPENCAL_CONFIG: file },
      cwd: '/srv',
    });
    expect(config.values.port).toBe(9003);
    expect(config.sources.port).toBe('flag');
    expect(config.values.host).toBe('10.0.0.1');
    expect(config.sources.host).toBe('env');
    expect(config.values.logLevel).toBe('debug');
    expect(config.sources.logLevel).toBe('file');
    expect(config.values.demo).toBe(true);
    expect(config.values.serverVersion).toBe(2019);
    expect(config.sources.serverVersion).toBe('default');
    expect(config.file).toBe(file);
  });

  it('--config beats OPENCAL_CONFIG, and relative paths in the file are relative to the file', () => {
    const fromEnv = configFile({ port: 1 });
    const fromFlag = configFile({ port: 2, data: 'state' });
    const config = resolved({ configFile: fromFlag, env: { OPENCAL_CONFIG: fromEnv }, cwd: '/' });
    expect(config.values.port).toBe(2);
    expect(config.values.data).toBe(join(fromFlag, '..', 'state'));
  });

  it('an empty environment variable counts as unset', () => {
    const config = resolved({ env: { OPENCAL_PORT: '' }, cwd: '/' });
    expect(config.values.port).toBe(7878);
  });

  it('booleans accept true/false/1/0/yes/no from the environment', () => {
    expect(resolved({ env: { OPENCAL_DEMO: 'yes' }, cwd: '/' }).values.demo).toBe(true);
    expect(resolved({ env: { OPENCAL_DEMO: '0' }, cwd: '/' }).values.demo).toBe(false);
    expect(resolved({ flags: { demo: true }, env: { OPENCAL_DEMO: 'false' }, cwd: '/' }).values.demo).toBe(true);
  });

  it('URLs lose their trailing slash', () => {
    expect(resolved({ env: { OPENCAL_CLEARINGHOUSE_URL: 'https://ch.example.org/' }, cwd: '/' }).values.clearinghouseUrl).toBe('https://ch.example.org');
  });

  it('only the requested keys are resolved (a client command ignores a bad server setting)', () => {
    const config = resolved({ env: { OPENCAL_PORT: 'abc', OPENCAL_URL: 'http://ls.local:7878' }, cwd: '/', only: ['url', 'token'] });
    expect(config.values.url).toBe('http://ls.local:7878');
  });
});

describe('configuration validation', () => {
  it('a bad environment value is refused naming the variable and what is expected', () => {
    const result = resolveConfig({ env: { OPENCAL_PORT: 'abc' }, cwd: '/' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('CONFIG_INVALID_VALUE');
    expect(result.error.message).toBe("Invalid configuration: port from environment variable OPENCAL_PORT is 'abc'; expected a number.");
  });

  it('an out-of-range flag is refused naming the flag', () => {
    const result = resolveConfig({ flags: { port: '70000' }, env: {}, cwd: '/' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('flag --port is \'70000\'; expected an integer from 0 to 65535');
  });

  it('a bad file value is refused naming the file and the key', () => {
    const file = configFile({ clearinghouseUrl: 'ftp://ch' });
    const result = resolveConfig({ configFile: file, env: {}, cwd: '/' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).toContain(`config file ${file} (key "clearinghouseUrl")`);
      expect(result.error.message).toContain('expected an http:// or https:// URL');
      expect(result.error.detail).toMatchObject({ key: 'clearinghouseUrl', source: 'file', file });
    }
  });

  it('a server version that does not exist is refused with the list of versions', () => {
    const result = resolveConfig({ env: { OPENCAL_SERVER_VERSION: '2017' }, cwd: '/' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain('expected one of 2012, 2016, 2019, 2022, 2025');
  });

  it('a secret is never echoed in an error', () => {
    const result = resolveConfig({ env: { OPENCAL_ADMIN_TOKEN: 'short-secret' }, cwd: '/' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.message).not.toContain('short-secret');
      expect(result.error.message).toContain('a hidden value of 12 characters; expected at least 24 characters');
    }
  });

  it('an unknown key in the file is refused (a typo must not be silently ignored)', () => {
    const file = configFile({ prot: 7000 });
    const result = resolveConfig({ configFile: file, env: {}, cwd: '/' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('CONFIG_UNKNOWN_KEY');
      expect(result.error.message).toContain('"prot"');
    }
  });

  it('a missing or malformed file is refused', () => {
    const missing = resolveConfig({ configFile: '/nonexistent/opencal.json', env: {}, cwd: '/' });
    expect(!missing.ok && missing.error.code).toBe('CONFIG_FILE_UNREADABLE');
    const malformed = resolveConfig({ configFile: configFile('{"port": '), env: {}, cwd: '/' });
    expect(!malformed.ok && malformed.error.code).toBe('CONFIG_FILE_INVALID');
    const array = resolveConfig({ configFile: configFile([1]), env: {}, cwd: '/' });
    expect(!array.ok && array.error.code).toBe('CONFIG_FILE_INVALID');
  });

  it('a database URL must name sqlite or postgres', () => {
    const result = resolveConfig({ flags: { db: 'mysql://x' }, env: {}, cwd: '/' });
    expect(!result.ok && result.error.message).toContain('expected a URL starting with sqlite: or postgres://');
  });
});

describe('showing configuration', () => {
  it('secrets are masked; a database URL keeps all but its password', () => {
    expect(displayValue('adminToken', 'a-very-long-admin-token-value')).toBe('****');
    expect(displayValue('db', 'postgres://opencal:s3cret@db.local:5432/opencal')).toBe('postgres://opencal:****@db.local:5432/opencal');
    expect(displayValue('db', 'sqlite:./data/opencal.db')).toBe('sqlite:./data/opencal.db');
    expect(displayValue('port', 7878)).toBe('7878');
  });

  it('the help table lists flags, environment names and defaults', () => {
    const help = renderConfigHelp();
    expect(help).toMatch(/--port <number>\s+OPENCAL_PORT\s+7878/);
    expect(help).toMatch(/--data <path>\s+OPENCAL_DATA\s+\.\/data/);
    expect(help).toContain('OPENCAL_ADMIN_TOKEN');
    expect(help).toContain('OPENCAL_CONFIG');
  });
});

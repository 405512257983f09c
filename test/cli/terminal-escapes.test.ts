/**
 * Stored text reaches an administrator's terminal escaped (issue 13): a device name holding a terminal escape
 * sequence (kept from before names were checked, or written by another tool) is shown as visible `\x1b…`, never
 * sent to the terminal raw.
 */
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shownLines, shownText } from '../../src/cli/io';
import { table } from '../../src/cli/request';
import { opencal, startServer } from './harness';

const EVIL = 'PC-\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202eEVIL';

describe('control characters in CLI output', () => {
  it('a table cell shows every control character and bidi override as a visible escape', () => {
    const out = table(['device', 'user'], [[EVIL, 'line1\nline2']]);
    // eslint-disable-next-line no-control-regex
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('PC-\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eEVIL');
    expect(out).toContain('line1\\x0aline2');
    expect(out.split('\n')).toHaveLength(2);
  });

  it('a whole rendering keeps its line breaks and escapes the rest', () => {
    expect(shownLines('a\u001b[0m\nb\tc\r\nd\re')).toBe('a\\x1b[0m\nb\tc\r\nd\\x0de');
    expect(shownText('plain name, accentué')).toBe('plain name, accentué');
  });
});

describe('licmgr issued on a device name with an escape sequence', () => {
  let running: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    running = await startServer({ demo: true });
  }, 60_000);
  afterAll(async () => running?.stop());

  it('shows the name escaped in the table, and the raw name only inside --json', async () => {
    const { url, adminToken } = running.server;
    const headers = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };
    const made = await fetch(`${url}/sh/v1/gate-credentials`, { method: 'POST', headers, body: JSON.stringify({ label: 'test' }) });
    const gate = ((await made.json()) as { token: string }).token;
    const connect = await fetch(`${url}/sh/v1/connect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gate}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device: 'PC-ESCAPE', hwid: 'hwid-escape' }),
    });
    expect(connect.status).toBe(200);
    // The name as an older version or another tool may have stored it.
    const db = new Sqlite(join(running.dataDir, 'license-server', 'lserver.db'));
    try {
      expect(db.prepare('update ls_issued_licenses set device = ? where device = ?').run(EVIL, 'PC-ESCAPE').changes).toBe(1);
    } finally {
      db.close();
    }

    const shown = await opencal(['licmgr', 'issued', '--url', url, '--token', adminToken]);
    expect(shown.exit).toBe(0);
    expect(shown.stdout).toContain('PC-\\x1b]0;pwned\\x07\\x1b[2J\\x9b31m\\u202eEVIL');
    // eslint-disable-next-line no-control-regex
    expect(shown.stdout).not.toMatch(/[\u001b\u0007\u009b\u202e]/);

    const json = await opencal(['licmgr', 'issued', '--url', url, '--token', adminToken, '--json']);
    expect(JSON.stringify(json.json)).toContain('PC-\\u001b]0;pwned');
    expect(json.stdout).not.toContain('\u001b');
  });
});

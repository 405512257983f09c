import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opencal, removeDir, startServer, tempDir } from './harness';

// A key pack ID is 35 characters: 34 is refused before anything is sent.
const SHORT_KEY_PACK_ID = 'BCDFG-HJKMP-QRTVW-XY234-6789B-CDFGH-JKMP';

describe('the language of the CLI', () => {
  it('with --lang fr, a refusal is printed in French', async () => {
    const r = await opencal(['code', 'check', 'BCDFG-HJKMP', '--lang', 'fr']);
    expect(r.exit).toBe(1);
    expect(r.stderr).toBe(
      'CODE_WRONG_LENGTH: Les codes comptent 25, 35, 45 ou 60 caractères ; celui-ci en compte 10. Vérifiez que vous avez tapé le code entier, et rien d’autre.\n',
    );
  });

  it('with OPENCAL_LANG=fr, a refusal is printed in French; --lang en wins over it', async () => {
    const fr = await opencal(['code', 'check', 'BCDFG-HJKMP-QRTVW-XY234-6789A'], { OPENCAL_LANG: 'fr' });
    expect(fr.exit).toBe(1);
    expect(fr.stderr).toContain('CODE_INVALID_CHARACTER: Le groupe 5 contient "A"');
    const en = await opencal(['code', 'check', 'BCDFG-HJKMP-QRTVW-XY234-6789A', '--lang=en'], { OPENCAL_LANG: 'fr' });
    expect(en.stderr).toContain('CODE_INVALID_CHARACTER: Group 5 contains "A"');
  });

  it('without flag or variable, the system locale decides: LC_ALL before LC_MESSAGES before LANG', async () => {
    expect((await opencal(['code', 'check', 'BCDFG'], { LANG: 'fr_FR.UTF-8' })).stderr).toContain('Les codes comptent');
    expect((await opencal(['code', 'check', 'BCDFG'], { LANG: 'fr_FR.UTF-8', LC_ALL: 'en_US.UTF-8' })).stderr).toContain('Codes have');
    expect((await opencal(['code', 'check', 'BCDFG'], { LANG: 'en_US.UTF-8', LC_MESSAGES: 'fr_CA.UTF-8' })).stderr).toContain('Les codes comptent');
    expect((await opencal(['code', 'check', 'BCDFG'], {})).stderr).toContain('Codes have');
  });

  it('the config file can set the language', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'opencal.json');
      writeFileSync(file, JSON.stringify({ lang: 'fr' }));
      expect((await opencal(['code', 'check', 'BCDFG'], { OPENCAL_CONFIG: file })).stderr).toContain('Les codes comptent');
      expect((await opencal(['code', 'check', 'BCDFG'], { OPENCAL_CONFIG: file, OPENCAL_LANG: 'en' })).stderr).toContain('Codes have');
    } finally {
      removeDir(dir);
    }
  });

  it('a language the CLI does not speak is refused, naming where it came from', async () => {
    const r = await opencal(['code', 'check', 'BCDFG', '--lang', 'de']);
    expect(r.exit).toBe(1);
    expect(r.stderr).toBe("CONFIG_INVALID_VALUE: Invalid configuration: lang from flag --lang is 'de'; expected one of en, fr.\n");
    const env = await opencal(['code', 'check', 'BCDFG'], { OPENCAL_LANG: 'klingon' });
    expect(env.stderr).toContain('lang from environment variable OPENCAL_LANG');
  });

  it('--help shows --lang with OPENCAL_LANG in the configuration table', async () => {
    const r = await opencal(['--help']);
    expect(r.stdout).toMatch(/--lang <value>\s+OPENCAL_LANG\s+-\s+language of the messages/);
  });

  it('--json prints the error body with the message in the chosen language', async () => {
    const r = await opencal(['code', 'check', 'BCDFG', '--json', '--lang', 'fr']);
    expect(r.json.error.code).toBe('CODE_WRONG_LENGTH');
    expect(r.json.error.message).toContain('Les codes comptent');
    expect(r.json.error.detail).toMatchObject({ actual: 5 });
  });
});

describe('refusals answered by a server, shown by the CLI', () => {
  let stop: () => Promise<void>;
  let url: string;
  beforeAll(async () => {
    const started = await startServer();
    stop = started.stop;
    url = started.server.url;
  });
  afterAll(async () => {
    await stop();
  });

  it('the server answers in the language the CLI asks for, and the CLI gives its own advice (flags, no route)', async () => {
    const fr = await opencal(['licmgr', 'status', '--url', url, '--lang', 'fr']);
    expect(fr.exit).toBe(1);
    expect(fr.stderr).toMatch(/^UNAUTHENTICATED: Cette route demande un jeton de portée .+\. Passez --token ou définissez OPENCAL_TOKEN\.\n$/);
    expect(fr.stderr).not.toContain('Authorization');
    const en = await opencal(['licmgr', 'status', '--url', url]);
    expect(en.stderr).toMatch(/^UNAUTHENTICATED: This route needs a bearer token with scope .+\. Pass --token or set OPENCAL_TOKEN\.\n$/);
  });

  it('a code refused before sending is refused in French too', async () => {
    const r = await opencal(['licmgr', 'install', '--key-pack-id', SHORT_KEY_PACK_ID, '--url', url, '--token', 'x'], { OPENCAL_LANG: 'fr' });
    expect(r.exit).toBe(1);
    expect(r.stderr).toContain('CODE_WRONG_LENGTH: Un ID de pack de licences compte 35 caractères (7 groupes de 5) ; celui-ci en compte 34.');
  });
});

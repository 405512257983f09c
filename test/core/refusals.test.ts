import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGS, langFromAcceptLanguage, langFromLocale, REFUSALS, renderRefusal, SURFACES, type RefusalCode, type RefusalEntry } from '../../src/core/refusals';
import { renderErrorsDoc, sampleOf } from '../../src/core/refusals-doc';
import { messageFor, peerRefusal, refusal, relay } from '../../src/core/result';
import { statusForCode } from '../../src/http/status-table';

const codes = Object.keys(REFUSALS) as RefusalCode[];
const root = join(import.meta.dirname, '..', '..');


describe('the catalogue of refusals', () => {
  it.each(codes)('%s is UPPER_SNAKE, has a 4xx/5xx status and a message in English and French', (code) => {
    const entry = REFUSALS[code] as RefusalEntry<unknown>;
    expect(code).toMatch(/^[A-Z][A-Z0-9_]*$/);
    expect(entry.status).toBeGreaterThanOrEqual(400);
    expect(entry.status).toBeLessThan(600);
    for (const lang of LANGS) {
      for (const surface of SURFACES) {
        const text = renderRefusal(code, sampleOf(code), lang, surface);
        expect(text.length, `${code} ${lang} ${surface}`).toBeGreaterThan(15);
        expect(text).not.toMatch(/undefined|NaN|\[object Object\]/);
      }
    }
    expect(entry.text.fr(sampleOf(code))).not.toBe(entry.text.en(sampleOf(code)));
  });

  it.each([
    ['INVALID_REQUEST', 400],
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN_SCOPE', 403],
    ['ROUTE_NOT_FOUND', 404],
    ['PACK_ALREADY_ACTIVATED', 409],
    ['BODY_TOO_LARGE', 413],
    ['UNSUPPORTED_MEDIA_TYPE', 415],
    ['CODE_MAC_INVALID', 422],
    ['TOO_MANY_AUTH_FAILURES', 429],
    ['INTERNAL_ERROR', 500],
    ['UNREACHABLE', 502],
    ['STARTING', 503],
    ['HOST_NOT_ALLOWED', 403],
    ['GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED', 403],
  ] as const)('%s is answered %i, and the status table is derived from the catalogue', (code, status) => {
    expect(REFUSALS[code].status).toBe(status);
    expect(statusForCode(code)).toBe(status);
  });

  it.each([
    ['PACK_ALREADY_ACTIVATED', 9006],
    ['HOST_NOT_ALLOWED', 4141],
    ['GRACE_PERIOD_EXPIRED_MODE_NOT_CONFIGURED', 1069],
    ['AUDIT_CHAIN_BROKEN', 9013],
  ] as const)('%s names its event %i', (code, event) => {
    expect((REFUSALS[code] as RefusalEntry<unknown>).event).toBe(event);
  });

  it.each([
    ['PACK_ALREADY_ACTIVATED', { pack: 3, serverId: 'LS-OLD' }, ['already activated on license server LS-OLD'], ['« La clé est déjà activée »', 'serveur de licences LS-OLD']],
    [
      'REVOKE_LIMIT_REACHED',
      { limit: 2, installed: 10, revoked: 2, calVersion: 2019, nextRevokeAllowedOn: '2025-04-12T00:00:00.000Z' },
      ['At most 2 of the 10 installed Windows Server 2019', 'allowed on 2025-04-12'],
      ['Au plus 2 des 10 CALs', 'permise le 2025-04-12'],
    ],
    ['CODE_WRONG_LENGTH', { expected: [35], actual: 34, kinds: ['keyPackId'] }, ['A key pack ID has 35 characters (7 groups of 5); this one has 34.'], ['Un ID de pack de licences compte 35 caractères (7 groupes de 5) ; celui-ci en compte 34.']],
    ['CODE_INVALID_CHARACTER', { group: 3, character: 'A', position: 11 }, ['Group 3 contains "A"'], ['Le groupe 3 contient "A"']],
    ['VERSION_NOT_HOSTABLE', { serverVersion: 2016, calVersion: 2019 }, ['A 2016 license server cannot host RDS 2019 CALs'], ['Un serveur de licences 2016 ne peut pas héberger de CALs RDS 2019']],
    ['TOO_MANY_AUTH_FAILURES', { ip: '10.0.0.9', retryAfterSeconds: 60 }, ['from 10.0.0.9. Wait 60 s'], ['depuis 10.0.0.9. Attendez 60 s']],
    ['CASE_ALREADY_DECIDED', { caseNumber: 'CH-000012', status: 'rejected', decision: 'approve' }, ['Case CH-000012 is rejected; it cannot be approved.'], ['Le dossier CH-000012 est rejeté ; il ne peut pas être approuvé.']],
    ['LICENSE_SERVER_NOT_ACTIVATED', { serverId: 'LS-1', status: 'deactivated', action: 'deactivate' }, ['License server LS-1 is deactivated; only an activated'], ['Le serveur de licences LS-1 est désactivé ; seul']],
    ['NO_CAL_AVAILABLE', { serverId: 'LS-9', calType: 'device', calVersion: 2022 }, ['per-device CAL for Windows Server 2022', 'license server LS-9'], ['par périphérique pour Windows Server 2022', 'serveur de licences LS-9']],
    ['NO_CAL_AVAILABLE', {}, ['no Remote Desktop client access licenses available for this computer'], ["aucune licence d'accès client Bureau à distance"]],
    ['CONFIG_INVALID_VALUE', { key: 'port', source: 'env', env: 'OPENCAL_PORT', flag: '--port', shown: "'abc'", expected: 'a number' }, ["port from environment variable OPENCAL_PORT is 'abc'; expected a number."], ["la variable d'environnement OPENCAL_PORT vaut 'abc' ; attendu : un nombre."]],
  ] as const)('%s renders the values of its detail in both languages', (code, detail, en, fr) => {
    const english = renderRefusal(code, detail, 'en');
    const french = renderRefusal(code, detail, 'fr');
    for (const part of en) expect(english).toContain(part);
    for (const part of fr) expect(french).toContain(part);
  });

  it('console text never names a CLI flag, an environment variable or an API route; CLI text never names an API route', () => {
    for (const code of codes) {
      for (const lang of LANGS) {
        const consoleText = renderRefusal(code, sampleOf(code), lang, 'console');
        expect(consoleText, `${code} ${lang} console`).not.toMatch(/(^|\s|\()--[a-z]/);
        expect(consoleText, `${code} ${lang} console`).not.toMatch(/OPENCAL_[A-Z]/);
        expect(consoleText, `${code} ${lang} console`).not.toMatch(/\/(ch|ls|sh)\/v1|\/docs\b|(GET|POST|PUT|DELETE) \//);
        expect(consoleText, `${code} ${lang} console`).not.toMatch(/\bopencal [a-z]/);
        const cliText = renderRefusal(code, sampleOf(code), lang, 'cli');
        expect(cliText, `${code} ${lang} cli`).not.toMatch(/\/(ch|ls|sh)\/v1|\/docs\b|(GET|POST|PUT|DELETE) \//);
        const apiText = renderRefusal(code, sampleOf(code), lang, 'api');
        expect(apiText, `${code} ${lang} api`).not.toMatch(/(^|\s|\()--[a-z]/);
      }
    }
  });

  it('every catalogued code is produced somewhere in src/ (an entry nothing produces is a defect)', () => {
    const produced = producedCodes();
    const unproduced = codes.filter((c) => !produced.has(c));
    expect(unproduced).toEqual([]);
  });

  it('docs/errors.md is the one generated from the catalogue (run npm run docs:errors after a change)', () => {
    expect(readFileSync(join(root, 'docs', 'errors.md'), 'utf8')).toBe(renderErrorsDoc());
  });
});

describe('refusals on each surface', () => {
  it('a refusal made here carries its English API message and renders again in French for the CLI', () => {
    const r = refusal('UNAUTHENTICATED', { scopes: ['ls:admin'], problem: 'missing' });
    expect(r.message).toBe("This route needs a bearer token with scope ls:admin. Send 'Authorization: Bearer <token>'.");
    expect(messageFor(r, 'fr', 'cli')).toBe('Cette route demande un jeton de portée ls:admin. Passez --token ou définissez OPENCAL_TOKEN.');
    expect(messageFor(r, 'en', 'console')).toBe('This route needs a bearer token with scope ls:admin. Sign in with a token that has this scope.');
  });

  it("a peer's answer keeps its text and trades the API's advice for the surface's", () => {
    const fromServer = peerRefusal('LICENSE_SERVER_DEACTIVATED', 'Le serveur de licences LS-1 est désactivé et ne délivre aucune CAL tant qu\'il n\'est pas réactivé. (POST /ls/v1/reactivate)', {
      serverId: 'LS-1',
      status: 409,
    });
    expect(messageFor(fromServer, 'fr', 'cli')).toBe("Le serveur de licences LS-1 est désactivé et ne délivre aucune CAL tant qu'il n'est pas réactivé.");
    const unknown = peerRefusal('SOMETHING_NEWER', 'A newer server said no.');
    expect(messageFor(unknown, 'fr', 'cli')).toBe('A newer server said no.');
  });

  it('a relayed refusal keeps the message it was given', () => {
    const r = relay('UNREACHABLE', 'Could not read the session host at http://h:1: connection refused', { url: 'http://h:1' });
    expect(messageFor(r, 'fr', 'cli')).toBe(r.message);
  });

  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['fr', 'fr'],
    ['fr-CA,fr;q=0.9', 'fr'],
    ['de-DE,fr;q=0.8,en;q=0.5', 'fr'],
    ['en-US,en;q=0.9,fr;q=0.8', 'en'],
    ['fr;q=0, en', 'en'],
    ['de', 'en'],
  ] as const)('Accept-Language %j answers in %s', (header, lang) => {
    expect(langFromAcceptLanguage(header)).toBe(lang);
  });

  it.each([
    ['fr_FR.UTF-8', 'fr'],
    ['fr', 'fr'],
    ['en_GB.UTF-8', 'en'],
    ['C.UTF-8', undefined],
    ['POSIX', undefined],
    [undefined, undefined],
  ] as const)('locale %j is %s', (locale, lang) => {
    expect(langFromLocale(locale)).toBe(lang);
  });
});

/**
 * Codes named as the code argument of a producer (`refuse`, `refusal`, the session host's
 * `sessionHostRefusal`/`bad`/`notHonoured`, and the Windows importer's `importRefusal`), on the call's first line(s) up to its detail.
 */
function producedCodes(): Set<string> {
  const produced = new Set<string>();
  const call = /\b(?:refuse|refusal|sessionHostRefusal|bad|notHonoured|importRefusal)\(/g;
  for (const file of sourceFiles(join(root, 'src'))) {
    if (/src\/core\/refusal/.test(file.replace(/\\/g, '/'))) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(call)) {
      const rest = text.slice(m.index + m[0].length, m.index + m[0].length + 200);
      const end = rest.search(/[{;]/);
      for (const literal of (end < 0 ? rest : rest.slice(0, end)).matchAll(/'([A-Z][A-Z0-9_]+)'/g)) produced.add(literal[1]!);
    }
  }
  return produced;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'dist' || name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

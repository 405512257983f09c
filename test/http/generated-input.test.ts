/**
 * Generated input against every route of the all-in-one, on SQLite and on PostgreSQL (issue 13).
 *
 * Cases are derived from each route's own schema as the OpenAPI document publishes it (path parameters, query
 * string, JSON body), half of them well-formed and half mutated: wrong types (`true`, `"1e1"`, `[7]`, `12345`),
 * NUL and terminal escape sequences, numbers past 32 and 64 bits, JSON nested 40 deep, strings of 20 000
 * characters, properties the schema does not know. Each goes out with one of the estate's real tokens (admin,
 * organization, agent, gate front end, session host), none, or a junk one.
 *
 * Every answer must be below 500; every refusal a typed 4xx in the one error body with a catalogue code; and a
 * refused request must leave every table of the three databases as it was (row counts and a hash of the rows),
 * except the logs that record refusals on purpose (events, admissions). The seed and the number of cases are
 * fixed so a failure is reproduced by running the suite again.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isRefusalCode } from '../../src/core/refusals';
import { startAllInOneOn, type AllInOneOn } from '../helpers/all-in-one-on';
import { describeEachDatabase } from '../helpers/databases';

const SEED = 1_300_013;
/** cases per route (half well-formed, half mutated) */
const CASES_PER_ROUTE = 40;
/**
 * Tables written on purpose whatever the answer: the event logs and the session host's admissions log (refusals
 * are recorded), and the session host's grace row, whose clock high-water mark follows the time of every admission
 * so that turning the clock back never lengthens the grace period.
 */
const LOG_TABLES = /(^|\.)((\w+_)?(events|admissions|event_log)|sh_grace)$/;

/**
 * The one 5xx a caller can cause on purpose: `POST /sh/v1/enroll` names the license server to reach, and a URL that
 * does not answer, or answers something that is not OpenCAL, is the peer's failure (502 UNREACHABLE or
 * BAD_RESPONSE, typed), not the session host's.
 */
const PEER_FAILURE = (method: string, path: string, status: number, code: unknown) =>
  method === 'POST' && path === '/sh/v1/enroll' && status === 502 && (code === 'UNREACHABLE' || code === 'BAD_RESPONSE');

type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
};
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}
interface Route {
  method: string;
  path: string;
  params: Parameter[];
  query: Parameter[];
  body?: JsonSchema;
}

interface Case {
  token: string | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
  mutated: boolean;
}

// ------------------------------------------------------------------------------------------------ generators

const deep = (levels: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = i % 2 === 0 ? { a: v } : [v];
  return v;
};

/** Values a mutation puts in place of a well-formed one. */
const BAD_VALUES: unknown[] = [
  true,
  '1e1',
  [7],
  12345,
  null,
  {},
  'a\u0000b',
  '\u0000',
  'PC-\u001b]0;pwned\u0007\u001b[2J',
  'line\nbreak',
  2_147_483_648,
  2 ** 63, // 9223372036854775807 as JSON sends it
  1e308,
  -1,
  -2_147_483_649,
  0.5,
  'x'.repeat(20_000),
  deep(40),
  '',
  '../../etc/passwd',
  '%00',
];
const BAD_QUERY_VALUES = ['2147483648', '9223372036854775807', '-1', '1e1', 'true', '\u0000', 'a\u0000b', '\u001b[2J', 'x'.repeat(2000), '', '[7]', '0x10', '1.5'];

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

function arbOf(schema: JsonSchema | undefined, known: readonly string[], depth = 0): fc.Arbitrary<unknown> {
  if (!schema) return fc.jsonValue({ maxDepth: 2 });
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union && union.length > 0) return fc.oneof(...union.map((s) => arbOf(s, known, depth + 1)));
  const types = typesOf(schema);
  if (types.length > 1) return fc.oneof(...types.map((t) => arbOf({ ...schema, type: t }, known, depth + 1)));
  switch (types[0]) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
      const fits = (s: string) => s.length >= min && s.length <= (schema.maxLength ?? Infinity);
      let free: fc.Arbitrary<string> = fc.string({ minLength: min, maxLength: max });
      if (schema.pattern) {
        try {
          free = fc.stringMatching(new RegExp(schema.pattern, 'u')).filter(fits);
        } catch {
          // a pattern fast-check cannot generate from: plain strings
        }
      }
      const realistic = known.filter(fits);
      return realistic.length > 0 ? fc.oneof(free, fc.constantFrom(...realistic)) : free;
    }
    case 'integer':
      return fc.integer({ min: Math.max(schema.minimum ?? -1000, -2_147_483_648), max: Math.min(schema.maximum ?? 100_000, 2_147_483_647) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      if (depth > 4) return fc.constant([]);
      return fc.array(arbOf(schema.items, known, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)) });
    case 'object': {
      if (depth > 4) return fc.constant({});
      const props = schema.properties ?? {};
      const shapes = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, arbOf(s, known, depth + 1)]));
      if (Object.keys(shapes).length === 0) return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
      return fc.record(shapes, { requiredKeys: (schema.required ?? []).filter((k) => k in shapes) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A well-formed value with one part replaced by a bad value (or the whole of it, or an unknown property added). */
function mutate(value: unknown, pick: number, bad: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return pick % 3 === 0 ? { unknownProperty: bad } : bad;
  const keys = Object.keys(value);
  if (keys.length === 0 || pick % 5 === 0) return { ...value, unknownProperty: bad };
  const key = keys[pick % keys.length]!;
  const inner = (value as Record<string, unknown>)[key];
  if (typeof inner === 'object' && inner !== null && !Array.isArray(inner) && pick % 2 === 1) {
    return { ...value, [key]: mutate(inner, Math.floor(pick / 7), bad) };
  }
  return { ...value, [key]: bad };
}

const printable = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.=/+ '.split('')), maxLength: 60 });

function caseArb(route: Route, tokens: readonly (string | undefined)[], known: readonly string[]): fc.Arbitrary<Case> {
  const paramsArb = (mutated: boolean) =>
    fc.record(
      Object.fromEntries(
        route.params.map((p) => [p.name, mutated ? fc.oneof(arbOf(p.schema, known).map(String), fc.constantFrom(...BAD_QUERY_VALUES)) : arbOf(p.schema, known).map(String)]),
      ) as Record<string, fc.Arbitrary<string>>,
    );
  const queryArb = (mutated: boolean) =>
    fc.record(
      Object.fromEntries(
        route.query.map((p) => [p.name, mutated ? fc.oneof(arbOf(p.schema, known).map(String), fc.constantFrom(...BAD_QUERY_VALUES)) : arbOf(p.schema, known).map(String)]),
      ) as Record<string, fc.Arbitrary<string>>,
      { requiredKeys: route.query.filter((p) => p.required).map((p) => p.name) },
    );
  const bodyArb = (mutated: boolean): fc.Arbitrary<unknown> => {
    if (!route.body) return fc.constant(undefined);
    const valid = arbOf(route.body, known);
    if (!mutated) return valid;
    return fc.tuple(valid, fc.nat(), fc.constantFrom(...BAD_VALUES)).map(([v, pick, bad]) => mutate(v, pick, bad));
  };
  const headersArb = fc.record(
    { 'x-opencal-device': printable, 'x-opencal-hwid': printable, 'x-opencal-user': printable, 'x-opencal-cals': printable },
    { requiredKeys: [] },
  );
  return fc.boolean().chain((mutated) =>
    fc.record({
      token: fc.constantFrom(...tokens),
      params: paramsArb(mutated),
      query: queryArb(mutated),
      body: bodyArb(mutated),
      headers: headersArb,
      mutated: fc.constant(mutated),
    }),
  );
}

// ------------------------------------------------------------------------------------------------ routes

function routesOf(doc: { paths: Record<string, Record<string, Operation>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    if (path.startsWith('/docs')) continue;
    for (const [method, op] of Object.entries(ops)) {
      if (!['get', 'post', 'put', 'delete', 'patch'].includes(method)) continue;
      const parameters = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      routes.push({
        method: method.toUpperCase(),
        path,
        params: parameters.filter((p) => p.in === 'path'),
        query: parameters.filter((p) => p.in === 'query'),
        ...(body ? { body } : {}),
      });
    }
  }
  return routes;
}

function urlOf(route: Route, c: Case): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(c.params[name] ?? 'x'));
  const query = new URLSearchParams(c.query).toString();
  return query ? `${path}?${query}` : path;
}

function changedTables(before: Map<string, { rows: number; hash: string }>, after: Map<string, { rows: number; hash: string }>): string[] {
  const changed: string[] = [];
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    if (LOG_TABLES.test(name)) continue;
    const a = before.get(name);
    const b = after.get(name);
    if (a?.rows !== b?.rows || a?.hash !== b?.hash) changed.push(`${name} (${a?.rows ?? '-'} → ${b?.rows ?? '-'} rows)`);
  }
  return changed;
}

// ------------------------------------------------------------------------------------------------ the suite

describeEachDatabase('generated input against every route of the all-in-one', (tdb) => {
  let estate: AllInOneOn;
  const tokens: (string | undefined)[] = [];
  const known: string[] = [];

  beforeAll(async () => {
    estate = await startAllInOneOn(tdb.name);
    const call = async (method: string, url: string, body?: unknown) => {
      const res = await estate.app.inject({ method: method as 'POST', url, headers: { authorization: `Bearer ${estate.adminToken}` }, ...(body === undefined ? {} : { payload: body as object }) });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return res.json();
    };
    const gate = (await call('POST', '/sh/v1/gate-credentials', { label: 'generated input' })) as { token: string };
    const join = (await call('POST', '/ls/v1/hosts', { name: 'RDSH-OTHER' })) as { joinToken: string };
    const enrolled = await estate.app.inject({ method: 'POST', url: '/ls/v1/hosts/enroll', payload: { joinToken: join.joinToken, name: 'RDSH-OTHER' } });
    const hostToken = (enrolled.json() as { token: string }).token;
    tokens.push(estate.adminToken, estate.adminToken, estate.adminToken, estate.demo.orgToken, estate.demo.agentToken, gate.token, hostToken, undefined, 'junk-token-of-the-right-length-000000');
    known.push(...Object.values(estate.demo).filter((v): v is string => typeof v === 'string'), estate.hostName, 'RDSH-OTHER', 'CH-000001', '1');
  }, 120_000);
  afterAll(async () => estate?.close());

  it('answers every generated case below 500, refuses with a typed 4xx in the error body, and leaves the databases unchanged when it refuses', async () => {
    const doc = estate.app.swagger() as unknown as { paths: Record<string, Record<string, Operation>> };
    const routes = routesOf(doc);
    expect(routes.length).toBeGreaterThan(50);

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let cases = 0;
    let before = await estate.snapshot();
    for (const [index, route] of routes.entries()) {
      const sample = fc.sample(caseArb(route, tokens, known), { seed: SEED + index, numRuns: CASES_PER_ROUTE });
      for (const c of sample) {
        cases += 1;
        const headers: Record<string, string> = { ...c.headers, 'accept-language': cases % 4 === 0 ? 'fr' : 'en' };
        if (c.token !== undefined) headers['authorization'] = `Bearer ${c.token}`;
        if (c.body !== undefined) headers['content-type'] = 'application/json';
        const url = urlOf(route, c);
        // Callers from many addresses, so that the per-address limits (failed tokens, new devices) refuse some
        // cases with 429 without hiding every later route behind them.
        const remoteAddress = `198.51.100.${cases % 200}`;
        const res = await estate.app.inject({ method: route.method as 'GET', url, headers, remoteAddress, ...(c.body === undefined ? {} : { payload: JSON.stringify(c.body) }) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const what = `${route.method} ${url.slice(0, 200)} ${c.body === undefined ? '' : JSON.stringify(c.body).slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
        const after = await estate.snapshot();
        if (res.statusCode >= 400) {
          let body: { error?: { code?: unknown; message?: unknown } } | undefined;
          try {
            body = res.json();
          } catch {
            body = undefined;
          }
          const code = body?.error?.code;
          if (res.statusCode >= 500 && !PEER_FAILURE(route.method, route.path, res.statusCode, code)) failures.push(`5xx: ${what}`);
          if (typeof code !== 'string' || !isRefusalCode(code) || typeof body?.error?.message !== 'string' || body.error.message === '') {
            failures.push(`untyped refusal: ${what}`);
          }
          const changed = changedTables(before, after);
          if (changed.length > 0) failures.push(`refused but the database changed (${changed.join(', ')}): ${what}`);
        }
        before = after;
      }
    }
    const figure = `${routes.length} routes × ${CASES_PER_ROUTE} cases = ${cases} requests on ${tdb.name}; statuses ${[...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`;
    console.log(`[generated input] ${figure}`);
    expect(failures.slice(0, 20), `${failures.length} failures; ${figure}`).toEqual([]);
  }, 600_000);
});

/**
 * Reads a V8 CPU profile (`--cpu-prof`, or OPENCAL_BENCH_CPU_PROF=<dir> of `npm run bench`) and prints where the
 * time went: the top functions by self time, and self time by package or source file, each as a share of the
 * profile's busy time (idle and GC listed apart).
 * Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [skipSeconds]
 * skipSeconds leaves out the start of the profile (module loading, warm-up) so that what remains is the load.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, skipArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top] [skipSeconds]');
const top = Number(topArg ?? 25);
const skipUs = Number(skipArg ?? 0) * 1e6;
process.stdout.on('error', () => process.exit(0));
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let elapsed = 0;
profile.samples.forEach((id, i) => {
  elapsed += profile.timeDeltas[i] ?? 0;
  if (elapsed >= skipUs) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});

function where(url: string): string {
  if (url === '') return '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const src = /\/(src\/.+|bench\/.+)$/.exec(url);
  return src ? src[1]! : url;
}

/** A coarse cost centre, for reading a profile at a glance. */
function category(name: string, url: string): string {
  const w = where(url);
  if (name === 'writev' || name === 'writeBuffer' || name === 'writeUtf8String' || name === 'writeLatin1String') return 'socket writes (HTTP replies; PostgreSQL queries)';
  if (/^node:internal\/modules|^tsx$|cjs-module-lexer|esm/.test(w) || name === 'compileSourceTextModule' || name === 'wrapSafe') return 'module loading (start-up)';
  if (/crypto|^jose$|signer\.ts|trust\//.test(w) || name === 'postMessage' || /worker/.test(w) || name === 'receiveMessageOnPort') return 'signing (crypto, jose, worker messages)';
  if (/better-sqlite3|repository|group-commit|checkpointer|kysely|^pg|pg-protocol/.test(w)) return 'database (statements, driver)';
  if (/fastify|find-my-way|avvio|light-my-request|secure-json-parse|ajv|fast-json-stringify|fast-uri|typebox|^node:_http|^node:net|stream|src\/http\/|prom-client|pino/.test(w)) return 'HTTP stack (parse, route, hooks, metrics, reply)';
  if (/src\//.test(w)) return `OpenCAL code (${w})`;
  return 'other (timers, promises, events, runtime)';
}

const total = [...self.values()].reduce((a, b) => a + b, 0);
const special = new Set(['(idle)', '(program)', '(garbage collector)']);
let busy = 0;
const fns = new Map<string, number>();
const places = new Map<string, number>();
const centres = new Map<string, number>();
const specials = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  const name = n.callFrame.functionName || '(anonymous)';
  if (special.has(name)) {
    specials.set(name, (specials.get(name) ?? 0) + t);
    if (name !== '(idle)') busy += t;
    continue;
  }
  busy += t;
  const key = `${name}  ${where(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
  const centre = category(name, n.callFrame.url);
  centres.set(centre, (centres.get(centre) ?? 0) + t);
  const place = where(n.callFrame.url);
  places.set(place, (places.get(place) ?? 0) + t);
}
const pct = (t: number) => `${((t / busy) * 100).toFixed(1).padStart(5)} %`;
process.stdout.write(`${file}\n  profile ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s; ${[...specials].map(([k, v]) => `${k} ${pct(v)}`).join(', ')}\n`);
process.stdout.write('\n  self time by cost centre\n');
for (const [k, v] of [...centres].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${pct(v)}  ${k}\n`);
process.stdout.write('\n  self time by package or source file\n');
for (const [k, v] of [...places].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(v)}  ${k}\n`);
process.stdout.write('\n  top functions by self time\n');
for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`  ${pct(v)}  ${k}\n`);

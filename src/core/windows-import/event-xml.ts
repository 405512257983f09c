/**
 * `wevtutil qe <channel> /f:xml` output (windows-exports.md §3.3): a run of `<Event xmlns=…>` fragments with no
 * root element (unless /e: was given), single-quoted attributes, no whitespace between elements. A small
 * tolerant reader for exactly that shape: it takes the fields the diagnoser needs and refuses a cut or broken
 * fragment with its line.
 */
import { err, ok, type Result } from '../result';
import { importRefusal, type ImportRefusal } from './refusals';
import { lineAt } from './source-text';

/** One event as the diagnoser needs it, whatever export it came from. */
export interface WinEvent {
  id: number;
  provider: string;
  channel?: string;
  /** 1 critical, 2 error, 3 warning, 4 information, 0 classic. */
  level: number;
  /** ISO-8601, UTC. */
  at: string;
  computer?: string;
  message?: string;
  data?: Record<string, string>;
}

export function looksLikeEventXml(text: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?<(Event|Events)[\s>]/.test(text) || /^\s*<[A-Za-z][\w-]*>\s*<Event[\s>]/.test(text);
}

interface Node {
  name: string;
  attrs: Record<string, string>;
  children: Node[];
  text: string;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (m, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

function localName(n: string): string {
  const i = n.indexOf(':');
  return i >= 0 ? n.slice(i + 1) : n;
}

/** Parses the whole text into top-level elements; refuses with the line of the first problem. */
function parseFragments(file: string, text: string): Result<Node[], ImportRefusal> {
  const roots: Node[] = [];
  const stack: Node[] = [];
  let i = 0;
  const bad = (at: number, reason: string) => err(importRefusal('IMPORT_XML_INVALID', file, lineAt(text, at), { reason }));
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const chunk = text.slice(i, lt < 0 ? text.length : lt);
    if (stack.length > 0) stack[stack.length - 1]!.text += decodeEntities(chunk);
    else if (chunk.trim() !== '') return bad(i, 'text outside an element');
    if (lt < 0) break;
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt);
      if (end < 0) return bad(lt, 'unterminated <?…?>');
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt);
      if (end < 0) return bad(lt, 'unterminated comment');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt);
      if (end < 0 || stack.length === 0) return bad(lt, 'unterminated or misplaced CDATA');
      stack[stack.length - 1]!.text += text.slice(lt + 9, end);
      i = end + 3;
      continue;
    }
    const gt = findTagEnd(text, lt);
    if (gt < 0) return bad(lt, 'the element is cut');
    const tag = text.slice(lt + 1, gt);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) return bad(lt, `</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      if (stack.length === 0) roots.push(open);
      i = gt + 1;
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w.:-]*)([\s\S]*)$/.exec(body);
    if (!m) return bad(lt, 'an element name was expected');
    const attrs: Record<string, string> = {};
    const rest = m[2]!;
    const attrRe = /\s*([A-Za-z_][\w.:-]*)\s*=\s*('([^']*)'|"([^"]*)")/gy;
    let pos = 0;
    while (pos < rest.length) {
      if (rest.slice(pos).trim() === '') break;
      attrRe.lastIndex = pos;
      const a = attrRe.exec(rest);
      if (!a) return bad(lt, `a broken attribute in <${m[1]}>`);
      attrs[a[1]!] = decodeEntities(a[3] ?? a[4] ?? '');
      pos = attrRe.lastIndex;
    }
    const node: Node = { name: m[1]!, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    if (selfClosing) {
      if (stack.length === 0) roots.push(node);
    } else stack.push(node);
    i = gt + 1;
  }
  if (stack.length > 0) return bad(text.length, `<${stack[stack.length - 1]!.name}> is not closed: the export is cut`);
  return ok(roots);
}

function findTagEnd(text: string, from: number): number {
  let quote: string | undefined;
  for (let j = from + 1; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '<') return -1;
    else if (c === '>') return j;
  }
  return -1;
}

function child(n: Node | undefined, name: string): Node | undefined {
  return n?.children.find((c) => localName(c.name) === name);
}

/** `2026-10-08T19:30:43.6509771Z` (7 or 9 fractional digits) to ISO with milliseconds. */
function systemTime(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(s.trim());
  if (!m) return undefined;
  const frac = (m[2] ?? '.000').slice(0, 4).padEnd(4, '0');
  const d = new Date(`${m[1]}${frac}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function toEvent(e: Node): WinEvent | undefined {
  const sys = child(e, 'System');
  const id = Number(child(sys, 'EventID')?.text.trim());
  const at = systemTime(child(sys, 'TimeCreated')?.attrs['SystemTime']);
  if (!Number.isInteger(id) || !at) return undefined;
  const ev: WinEvent = {
    id,
    provider: child(sys, 'Provider')?.attrs['Name'] ?? child(sys, 'Provider')?.attrs['EventSourceName'] ?? '',
    level: Number(child(sys, 'Level')?.text.trim() || 0) || 0,
    at,
  };
  const channel = child(sys, 'Channel')?.text.trim();
  if (channel) ev.channel = channel;
  const computer = child(sys, 'Computer')?.text.trim();
  if (computer) ev.computer = computer;
  const data: Record<string, string> = {};
  const ed = child(e, 'EventData');
  ed?.children.forEach((d, i) => {
    data[d.attrs['Name'] ?? `param${i + 1}`] = d.text.trim();
  });
  const ud = child(e, 'UserData');
  for (const x of ud?.children ?? []) for (const d of x.children) data[localName(d.name)] = d.text.trim();
  if (Object.keys(data).length > 0) ev.data = data;
  const msg = child(child(e, 'RenderingInfo'), 'Message')?.text.trim();
  if (msg) ev.message = msg;
  return ev;
}

/** The events of a wevtutil XML export (with or without an /e: root). */
export function parseEventXml(file: string, text: string): Result<WinEvent[], ImportRefusal> {
  const roots = parseFragments(file, text);
  if (!roots.ok) return roots;
  const events: Node[] = [];
  const walk = (n: Node) => (localName(n.name) === 'Event' ? events.push(n) : n.children.forEach(walk));
  roots.value.forEach(walk);
  return ok(events.flatMap((e) => toEvent(e) ?? []));
}

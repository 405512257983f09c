/**
 * Where a process's resident memory is, by kind: the V8 heap spaces, node's own accounting (external, array
 * buffers), and the kernel's view of each mapping (/proc/self/smaps: file-backed code and data, the anonymous
 * mappings of the malloc arenas and thread stacks, V8's own reservations), so that a figure under load can be
 * explained rather than guessed. Served by the bench's license server at GET /bench/memory.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const MiB = 1048576;
const r1 = (bytes: number) => Math.round((bytes / MiB) * 10) / 10;

/** Resident KiB by mapping group: the file's name for file-backed mappings, `[anon]`, `[heap]`, `[stack]`… */
function smapsByMapping(): Record<string, number> {
  let text: string;
  try {
    text = readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  let name = '';
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[3] ?? '';
      // Anonymous mappings by the size of the range: glibc's per-thread malloc arenas are reserved 64 MiB at a time,
      // V8's heap pages 256 KiB, thread stacks 8 MiB.
      const size = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / MiB;
      const kind = size >= 64 ? 'anon ≥64M' : size >= 8 ? 'anon 8–64M' : size >= 1 ? 'anon 1–8M' : 'anon <1M';
      name = path === '' ? kind : path.startsWith('/') ? path.split('/').pop()! : path;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[name] = (out[name] ?? 0) + Number(rss[1]) * 1024;
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v >= 256 * 1024).sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, r1(v)]));
}

function rollup(): Record<string, number> {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^(\w+):\s+(\d+) kB/gm)) out[m[1]!] = r1(Number(m[2]) * 1024);
    return out;
  } catch {
    return {};
  }
}

export function memoryReport() {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [s.space_name, { size: r1(s.space_size), used: r1(s.space_used_size), physical: r1(s.physical_space_size) }]),
  );
  let threads = 0;
  try {
    threads = readdirSync('/proc/self/task').length;
  } catch {
    // not Linux
  }
  return {
    rss: r1(m.rss),
    heapTotal: r1(m.heapTotal),
    heapUsed: r1(m.heapUsed),
    external: r1(m.external),
    arrayBuffers: r1(m.arrayBuffers),
    threads,
    spaces,
    rollup: rollup(),
    mappings: smapsByMapping(),
  };
}

/** Garbage collections from now on: how many, and their pauses in ms, young generation (scavenges) and the rest. */
export function observeGc() {
  const stats = { scavenges: 0, scavengeMs: 0, others: 0, otherMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        stats.scavenges++;
        stats.scavengeMs += e.duration;
      } else {
        stats.others++;
        stats.otherMs += e.duration;
      }
    }
  }).observe({ entryTypes: ['gc'] });
  return stats;
}

/**
 * The clock of demo mode (`opencal serve --demo`) and its routes: real time plus an offset that
 * `opencal clock advance` increases, so that events keep their order and "the last hour" means something, while
 * 91 days can pass in one command.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { timingSafeEqual } from 'node:crypto';
import { ManualClock, parseDuration, type Clock } from '../core/clock';
import { refusal } from '../core/result';
import { DemoClock as DemoClockAnswer, DemoClockAdvanced } from '../core/wire/demo';
import { errorResponses, sendRefusal } from '../http/errors';
import type { TypedApp } from '../http/server';
import { systemClock } from '../platform/system-clock';

export interface DemoClock {
  clock: Clock;
  advance(ms: number): Date;
}

/**
 * The offset is saved in `file` so that a restart never moves time backwards. A test may pass its own
 * ManualClock instead.
 */
export function demoClock(file: string, given?: Clock): DemoClock {
  if (given instanceof ManualClock) return { clock: given, advance: (ms) => given.advance(ms) };
  let offset = 0;
  if (existsSync(file)) {
    const saved = Number((JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: unknown }).offsetMs);
    if (Number.isFinite(saved) && saved > 0) offset = saved;
  }
  const save = () => writeFileSync(file, JSON.stringify({ offsetMs: offset }), { mode: 0o600 });
  save();
  const clock: Clock = { now: () => new Date(systemClock.now().getTime() + offset) };
  return {
    clock,
    advance(ms) {
      offset += ms;
      save();
      return clock.now();
    },
  };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** `POST /demo/clock/advance { duration: "91d" }` (admin token): only ever registered with --demo. */
export function demoClockRoute(app: TypedApp, demo: DemoClock, adminToken: string): void {
  app.get('/demo/clock', { schema: { tags: ['demo'], summary: 'the demo clock (demo mode only)', response: { 200: DemoClockAnswer } } }, async () => ({ now: demo.clock.now().toISOString() }));
  app.post(
    '/demo/clock/advance',
    { schema: { tags: ['demo'], summary: 'advance the manual clock of demo mode, e.g. { "duration": "91d" }', response: { 200: DemoClockAdvanced, ...errorResponses(400, 401) } } },
    async (request, reply) => {
      const header = request.headers.authorization;
      const token = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      if (token === undefined || !sameSecret(token, adminToken)) {
        return sendRefusal(reply, refusal('UNAUTHENTICATED', { problem: 'admin' }));
      }
      const duration = (request.body as { duration?: unknown } | undefined)?.duration;
      const ms = typeof duration === 'string' ? parseDuration(duration) : undefined;
      if (ms === undefined || ms <= 0) {
        return sendRefusal(reply, refusal('DURATION_INVALID', { value: duration }));
      }
      const before = demo.clock.now();
      const now = demo.advance(ms);
      return { before: before.toISOString(), now: now.toISOString(), advancedBy: String(duration) };
    },
  );
}

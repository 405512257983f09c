/**
 * `opencal device …`: a client device (the MSLicensing store of a Windows client) — connect to a session host
 * with the CALs of its local license store and keep the one it receives (temporary at the first connection,
 * permanent at the next), list what it holds, forget it. Uses the device library (src/device).
 */
import type { DemoClock } from '../core/wire/demo';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Clock } from '../core/clock';
import { refusal } from '../core/result';
import { connect, forgetTokens, listTokens, type ConnectOutcome, type HeldToken } from '../device/index';
import { systemClock } from '../platform/system-clock';
import { fail, printResult, type CliContext, type CliIo } from './io';
import { call, clientCommand, lines, table, targetOf, type Opts, type Target } from './request';

/** Default store: one file per device name under ./.opencal/devices (a device keeps its hardware ID there). */
export function defaultStorePath(io: CliIo, name: string): string {
  return join(io.cwd, '.opencal', 'devices', `${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
}

/** On a demo server, the device lives in the demo's time too (its CALs expire by that clock). */
async function deviceClock(target: Target): Promise<Clock> {
  const demo = await call<DemoClock>(target, 'GET', '/demo/clock');
  if (demo.ok && typeof demo.value?.now === 'string') {
    const offset = new Date(demo.value.now).getTime() - systemClock.now().getTime();
    return { now: () => new Date(systemClock.now().getTime() + offset) };
  }
  return systemClock;
}

function renderConnect(v: ConnectOutcome & { device: string; store: string }): string {
  const cal = v.cal;
  const how =
    v.basis === 'grace'
      ? `admitted WITHOUT A CAL, only because the grace period runs (${v.graceDaysLeft} days left); after it this connection is refused`
      : v.basis === 'presented'
        ? `admitted with the ${cal?.kind ?? ''} CAL it holds`
        : `admitted with a new ${cal?.kind ?? ''} CAL`;
  return [
    `${v.device}: ${how}`,
    lines([
      ['license', v.basis === 'grace' ? 'none (grace period only)' : cal?.kind],
      ['license server', cal?.licenseServerId],
      ['expires', cal?.expiresAt],
      ['dropped', v.discarded.length > 0 ? `${v.discarded.length} CAL(s) from an invalidated server or grant` : undefined],
      ['warning', v.warning ? `${v.warning.code}: ${v.warning.message}` : undefined],
      ['store', v.store],
    ]),
  ].join('\n');
}

function renderTokens(v: { device: string; hwid: string; tokens: HeldToken[] }): string {
  if (v.tokens.length === 0) return `${v.device} (hardware ID ${v.hwid}) holds no CAL.`;
  return `${v.device} (hardware ID ${v.hwid}):\n${table(
    ['kind', 'type', 'version', 'license server', 'expires', 'days left'],
    v.tokens.map((t) => [t.kind, t.calType, t.calVersion, t.licenseServerId, t.expiresAt, t.expired ? 'expired' : t.daysLeft]),
  )}`;
}

export function deviceCommands(program: Command, ctx: CliContext): void {
  const device = program.command('device').description('a client device with its local license store: connect to a session host, list and forget its CALs');

  clientCommand(device.command('connect').description('connect to a session host with the CALs of the store; keep the CAL it issues'), [
    'opencal device connect --host http://127.0.0.1:7878 --name PC-001',
    'opencal device connect --name PC-001 --store ./pc-001.json --json',
  ])
    .option('--host <url>', 'the session host (default: --url)')
    .requiredOption('--name <name>', 'device (computer) name')
    .option('--user <user>', 'the user signing in')
    .option('--store <file>', 'license store file (default: ./.opencal/devices/NAME.json)')
    .option('--gate-credential <token>', 'the gate front-end credential (opencal gate credential create); default: --token')
    .action(
      ctx.action(async (o: Opts) => {
        const json = o.json === true;
        const target = targetOf(ctx.io, o);
        if (!target.ok) return fail(ctx.io, target.error, json);
        const host = { ...target.value, url: typeof o['host'] === 'string' ? o['host'] : target.value.url };
        const name = String(o['name']);
        const store = typeof o['store'] === 'string' ? o['store'] : defaultStorePath(ctx.io, name);
        const clock = await deviceClock(host);
        const credential = typeof o['gateCredential'] === 'string' ? o['gateCredential'] : target.value.token;
        const r = await connect(host.url, {
          name,
          storePath: store,
          clock,
          ...(typeof o['user'] === 'string' ? { user: o['user'] } : {}),
          ...(credential === undefined ? {} : { credential }),
        });
        if (!r.ok) return fail(ctx.io, r.error, json);
        return printResult(ctx.io, json, { device: name, store, ...r.value }, renderConnect);
      }),
    );

  clientCommand(device.command('list').description('the CALs the device holds and until when'), 'opencal device list --name PC-001')
    .requiredOption('--name <name>', 'device name')
    .option('--store <file>', 'license store file (default: ./.opencal/devices/NAME.json)')
    .option('--host <url>', 'a demo server whose clock to use (default: --url)')
    .action(
      ctx.action(async (o: Opts) => {
        const json = o.json === true;
        const name = String(o['name']);
        const store = typeof o['store'] === 'string' ? o['store'] : defaultStorePath(ctx.io, name);
        const target = targetOf(ctx.io, o);
        const clock = target.ok ? await deviceClock({ ...target.value, url: typeof o['host'] === 'string' ? o['host'] : target.value.url }) : systemClock;
        let held: { hwid: string; tokens: HeldToken[] };
        try {
          held = listTokens(store, clock);
        } catch (e) {
          return fail(ctx.io, refusal('LICENSE_STORE_UNREADABLE', { store, reason: (e as Error).message }), json);
        }
        return printResult(ctx.io, json, { device: name, store, ...held }, renderTokens);
      }),
    );

  clientCommand(device.command('forget').description('remove the CALs from the store (the hardware ID stays)'), 'opencal device forget --name PC-001')
    .requiredOption('--name <name>', 'device name')
    .option('--store <file>', 'license store file (default: ./.opencal/devices/NAME.json)')
    .action(
      ctx.action(async (o: Opts) => {
        const json = o.json === true;
        const name = String(o['name']);
        const store = typeof o['store'] === 'string' ? o['store'] : defaultStorePath(ctx.io, name);
        let removed: number;
        try {
          removed = forgetTokens(store);
        } catch (e) {
          return fail(ctx.io, refusal('LICENSE_STORE_UNREADABLE', { store, reason: (e as Error).message }), json);
        }
        return printResult(ctx.io, json, { device: name, store, removed }, (v) => `${v.removed} CAL(s) removed from ${v.store}.`);
      }),
    );
}

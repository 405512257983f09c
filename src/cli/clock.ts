/**
 * `opencal clock advance DURATION`: moves the manual clock of an all-in-one server started with `--demo`, so the
 * 90-day temporary CAL, the 52–89-day permanent CAL and the 120-day grace period can be shown. A normal server
 * has no such clock and answers DEMO_MODE_OFF.
 */
import type { Command } from 'commander';
import { parseDuration } from '../core/clock';
import { refuse, type Result } from '../core/result';
import type { CliContext } from './io';
import type { DemoClockAdvanced } from '../core/wire/demo';
import { call, clientAction, clientCommand, lines } from './request';

export function clockCommands(program: Command, ctx: CliContext): void {
  const group = program.command('clock').description('the manual clock of demo mode (opencal serve --demo)');
  clientCommand(
    group
      .command('advance')
      .description('advance the demo clock (demo mode only), e.g. past the 90-day temporary CAL or the 120-day grace period')
      .argument('<duration>', 'a number and a unit: 91d, 12h, 30m, 45s, 2w'),
    ['opencal clock advance 91d', 'opencal clock advance 2w --json'],
  ).action(
    clientAction(
      ctx,
      async (target, _options, duration: string): Promise<Result<DemoClockAdvanced>> => {
        const ms = parseDuration(duration);
        if (ms === undefined || ms <= 0) {
          return refuse('DURATION_INVALID', { value: duration });
        }
        const r = await call<DemoClockAdvanced>(target, 'POST', '/demo/clock/advance', { duration });
        if (!r.ok && r.error.code === 'ROUTE_NOT_FOUND') {
          return refuse('DEMO_MODE_OFF', { url: target.url });
        }
        return r;
      },
      (v) => lines([['before', v.before], ['now', v.now]]),
    ),
  );
}

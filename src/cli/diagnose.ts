/**
 * The licensing diagnoser and the event viewer on the command line (DESIGN §6, §7):
 * `opencal diagnose`, `opencal recover plan`, `opencal phone-script`, `opencal events [--follow]`.
 * They read the session host (and the license servers it lists, and the clearinghouse) over their APIs; the
 * rules live in src/core/diagnoser-rules.ts, the plan in src/core/recovery-plan.ts, the script in
 * src/core/phone-script.ts. On an all-in-one server one URL and one admin token reach all three components.
 */
import type { DemoClock } from '../core/wire/demo';
import type { Command } from 'commander';
import { parseCaseNumber } from '../core/clearinghouse-rules';
import type { Clock } from '../core/clock';
import { EVENT_CHANNELS, type EventComponent } from '../core/events';
import { refusal, refuse, relay, type Result } from '../core/result';
import { CAL_TYPES, CAL_VERSIONS, MIGRATION_REASONS, PROGRAMS, type CalType, type CalVersion, type MigrationReason, type Program } from '../core/vocabulary';
import {
  diagnosisExitCode,
  followEvents,
  gatherSnapshot,
  parseEventLevel,
  parseEventTime,
  phoneScriptFor,
  queryEventsFrom,
  renderFindings,
  renderPlan,
  runDiagnosis,
  type EventQuery,
  type EventSource,
  type GatherOptions,
  type RecoveryContext,
  type ViewedEvent,
} from '../diagnoser/index';
import { systemClock } from '../platform/system-clock';
import { readWindowsExports } from './windows-files';
import { LANGS, resolveLang, UI_TEXT, type Lang } from '../core/diagnoser-texts';
import { importWindowsFiles } from '../core/windows-import/import';
import { diagnoseWindowsEstate, referenceTime, type WindowsDiagnosis } from '../core/windows-import/windows-diagnosis';
import { ExitCode, fail, printResult, shownText, type CliContext, type CliIo } from './io';
import { call, choice, clientCommand, targetOf, type Opts, type Target } from './request';

/** The demo server's clock when there is one (so "since 7d" means the demo's week), else the system clock. */
async function clockOf(target: Target): Promise<Clock> {
  const demo = await call<DemoClock>(target, 'GET', '/demo/clock');
  if (demo.ok && typeof demo.value?.now === 'string') {
    const at = new Date(demo.value.now);
    const offset = at.getTime() - systemClock.now().getTime();
    return { now: () => new Date(systemClock.now().getTime() + offset) };
  }
  return systemClock;
}

function addGatherOptions(command: Command): Command {
  return command
    .option('--host <url>', 'the session host to diagnose from (default: --url)')
    .option('--license-server <url...>', 'also inspect these license servers (e.g. the new, reinstalled one)')
    .option('--license-server-token <token>', 'a license server token (ls:admin or readonly; default: --token)')
    .option('--clearinghouse <url>', 'the clearinghouse to read packs and cases from (default: --url)')
    .option('--clearinghouse-token <token>', 'an organization, agent or admin token of the clearinghouse (default: --token)')
    .option('--no-clearinghouse', 'do not read the clearinghouse');
}

async function gatherOptions(target: Target, o: Opts): Promise<Result<GatherOptions>> {
  if (target.token === undefined) {
    return refuse('UNAUTHENTICATED', { problem: 'diagnoser' });
  }
  const hostUrl = typeof o['host'] === 'string' ? o['host'] : target.url;
  const clock = await clockOf({ ...target, url: hostUrl });
  const options: GatherOptions = { hostUrl, token: target.token, clock, licenseServerToken: typeof o['licenseServerToken'] === 'string' ? o['licenseServerToken'] : target.token };
  if (Array.isArray(o['licenseServer'])) options.licenseServerUrls = o['licenseServer'] as string[];
  if (o['clearinghouse'] !== false) {
    options.clearinghouseUrl = typeof o['clearinghouse'] === 'string' ? o['clearinghouse'] : target.url;
    options.clearinghouseToken = typeof o['clearinghouseToken'] === 'string' ? o['clearinghouseToken'] : target.token;
  }
  return { ok: true, value: options };
}

function recoveryContextOf(o: Opts): RecoveryContext {
  const r: RecoveryContext = {};
  if (typeof o['target'] === 'string') r.licenseServerUrl = o['target'];
  if (typeof o['pack'] === 'string' && /^\d+$/.test(o['pack'])) r.packNumber = Number(o['pack']);
  if (typeof o['type'] === 'string' && typeof o['version'] === 'string' && typeof o['program'] === 'string') {
    r.pack = { calType: o['type'] as CalType, calVersion: Number(o['version']) as CalVersion, program: o['program'] as Program };
  }
  if (typeof o['programData'] === 'string') r.programData = o['programData'];
  if (typeof o['reason'] === 'string') r.reason = o['reason'] as MigrationReason;
  if (typeof o['case'] === 'string') r.caseNumber = o['case'];
  if (typeof o['device'] === 'string') r.testDevice = o['device'];
  if (typeof o['lang'] === 'string') r.lang = o['lang'] as 'fr' | 'en';
  return r;
}

type Action = (...args: unknown[]) => Promise<number>;

/** Resolves the target, then hands over; commander passes the options and the command last. */
function withTarget(ctx: CliContext, fn: (target: Target, o: Opts, json: boolean) => Promise<number>): Action {
  return async (...args: unknown[]) => {
    const o = args[args.length - 2] as Opts;
    const json = o.json === true;
    const target = targetOf(ctx.io, o);
    if (!target.ok) return fail(ctx.io, target.error, json);
    return fn(target.value, o, json);
  };
}

// ------------------------------------------------------------------------------------------------ events

const COMPONENTS: readonly Exclude<EventComponent, 'diagnoser'>[] = ['clearinghouse', 'license-server', 'session-host'];

function eventLine(e: ViewedEvent): string {
  const data = e.data && Object.keys(e.data).length > 0 ? ` ${JSON.stringify(e.data)}` : '';
  return `${e.at}  ${e.level.padEnd(11)} ${String(e.id).padStart(5)}  ${e.component.padEnd(14)} ${shownText(e.message ?? '')}${shownText(data)}`;
}

function eventSources(target: Target, o: Opts): EventSource[] {
  const urls: Record<string, string> = {
    clearinghouse: typeof o['clearinghouse'] === 'string' ? o['clearinghouse'] : target.url,
    'license-server': typeof o['licenseServer'] === 'string' ? o['licenseServer'] : target.url,
    'session-host': typeof o['host'] === 'string' ? o['host'] : target.url,
  };
  return COMPONENTS.map((component) => ({ component, url: urls[component]!, ...(target.token !== undefined ? { token: target.token } : {}) }));
}

async function eventQuery(target: Target, o: Opts): Promise<Result<EventQuery>> {
  const q: EventQuery = {};
  if (typeof o['component'] === 'string') q.component = o['component'] as EventComponent;
  if (typeof o['channel'] === 'string') q.channel = o['channel'];
  if (typeof o['id'] === 'string') {
    const ids = o['id'].split(',').map((s) => s.trim());
    if (ids.some((s) => !/^\d+$/.test(s))) return refuse('EVENT_ID_INVALID', { value: o['id'] });
    q.eventId = ids.map(Number);
  }
  if (typeof o['level'] === 'string') {
    const level = parseEventLevel(o['level']);
    if (!level.ok) return level;
    q.level = level.value;
  }
  const needsClock = typeof o['since'] === 'string' || typeof o['until'] === 'string';
  const clock = needsClock ? await clockOf(target) : systemClock;
  for (const key of ['since', 'until'] as const) {
    if (typeof o[key] === 'string') {
      const t = parseEventTime(o[key] as string, clock);
      if (!t.ok) return t;
      q[key] = t.value;
    }
  }
  if (typeof o['limit'] === 'string') {
    const n = Number(o['limit']);
    if (!Number.isInteger(n) || n < 1 || n > 1000) return refuse('EVENT_LIMIT_INVALID', { value: o['limit'] });
    q.limit = n;
  }
  return { ok: true, value: q };
}

function untilStopped(io: CliIo): AbortSignal {
  const controller = new AbortController();
  if (io.shutdown) void io.shutdown.then(() => controller.abort());
  else {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      controller.abort();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  }
  return controller.signal;
}

async function events(ctx: CliContext, target: Target, o: Opts, json: boolean): Promise<number> {
  const q = await eventQuery(target, o);
  if (!q.ok) return fail(ctx.io, q.error, json);
  const sources = eventSources(target, o);
  const asked = typeof o['component'] === 'string';
  if (o['follow'] === true) {
    const signal = untilStopped(ctx.io);
    for await (const batch of followEvents(sources, q.value, { signal })) {
      for (const e of batch) ctx.io.stdout.write(json ? `${JSON.stringify(e)}\n` : `${eventLine(e)}\n`);
    }
    return ExitCode.OK;
  }
  const page = await queryEventsFrom(sources, q.value);
  const wanted = asked ? sources.filter((s) => s.component === o['component']) : sources;
  if (page.problems.length >= wanted.length) {
    // Nothing answered: the first real problem (a wrong URL or token) rather than a missing route.
    const p = page.problems.find((x) => x.code !== 'ROUTE_NOT_FOUND') ?? page.problems[0]!;
    return fail(ctx.io, relay(p.code, `${p.component} at ${p.url}: ${p.message}`), json);
  }
  // On a server that runs only some components, the others answer ROUTE_NOT_FOUND: that is not a problem.
  const problems = page.problems.filter((p) => asked || p.code !== 'ROUTE_NOT_FOUND');
  for (const p of problems) ctx.io.stderr.write(`warning: ${p.component} at ${p.url}: ${p.code}: ${p.message}\n`);
  return printResult(ctx.io, json, { events: page.events, problems }, (v) => (v.events.length === 0 ? 'No events.' : v.events.map(eventLine).join('\n')));
}

// ------------------------------------------------------------------------------------------------ Windows

/** `opencal diagnose --from PATH`: import, diagnose and plan a real Windows estate; exits 4 when a finding blocks. */
async function diagnoseWindows(ctx: CliContext, o: Opts): Promise<number> {
  const json = o.json === true;
  const lang = resolveLang(typeof o['lang'] === 'string' ? o['lang'] : undefined, ctx.io.env);
  const files = await readWindowsExports(String(o['from']), ctx.io.cwd, lang);
  if (!files.ok) return fail(ctx.io, files.error, json);
  const estate = importWindowsFiles(files.value, lang);
  if (!estate.ok) return fail(ctx.io, estate.error, json);
  const d = diagnoseWindowsEstate(estate.value, referenceTime(estate.value, systemClock.now()), {
    lang,
    ...(typeof o['packKey'] === 'string' ? { packKey: o['packKey'] } : {}),
    ...(typeof o['organization'] === 'string' ? { organization: o['organization'] } : {}),
    ...(typeof o['contact'] === 'string' ? { contact: o['contact'] } : {}),
  });
  printResult(ctx.io, json, { ...d, files: estate.value.files, ignored: estate.value.ignored }, (v) => renderWindowsDiagnosis(v, v.files.length, v.ignored.length));
  return diagnosisExitCode(d.findings);
}

/** Human output of `opencal diagnose --from`: the estate, the findings, the plan, the phone script. */
export function renderWindowsDiagnosis(d: WindowsDiagnosis, files: number, ignored: number): string {
  const t = UI_TEXT[d.lang as Lang];
  const lines: string[] = [t.files(files, ignored), ...d.summary, ''];
  if (d.findings.length === 0) lines.push(t.clean, '');
  for (const f of d.findings) {
    lines.push(`[${t[f.severity]}] ${f.code}: ${f.message}`, `  ${t.cause}: ${f.cause}`, `  ${t.fix}: ${f.fix}`);
    for (const c of f.commands) lines.push(`    ${c}`);
    lines.push('');
  }
  if (d.findings.length > 0) {
    lines.push(t.summary(d.findings.filter((f) => f.severity === 'blocking').length, d.findings.filter((f) => f.severity === 'warning').length, d.findings.filter((f) => f.severity === 'info').length), '');
  }
  lines.push(`${t.plan}:`);
  d.plan.forEach((s, i) => {
    lines.push(`${i + 1}. [${s.done ? t.done : t.todo}] ${s.title}`, `   ${s.why}`);
    if (s.warning) lines.push(`   ! ${s.warning}`);
    for (const c of s.commands) lines.push(`     ${c}`);
  });
  if (d.phoneScript) lines.push('', `${t.phoneScript}:`, '', d.phoneScript.trimEnd());
  return lines.join('\n') + '\n';
}

// ------------------------------------------------------------------------------------------------ group

export function diagnoseCommands(program: Command, ctx: CliContext): void {
  addGatherOptions(
    clientCommand(
      program
        .command('diagnose')
        .description('the licensing diagnoser: mode, license servers, activation, CALs, grace period, versions, events; exits 4 when a finding blocks connections'),
      ['opencal diagnose', 'opencal diagnose --host http://127.0.0.1:7880 --license-server http://127.0.0.1:7879 --clearinghouse http://127.0.0.1:7878 --clearinghouse-token $ORG_TOKEN --json'],
    ),
  )
    .option('--from <path>', 'diagnose a real Windows estate from the collector bundle(s) or a folder of exports (file or folder), instead of OpenCAL servers')
    .addOption(choice('--lang <lang>', 'language of the texts (default: OPENCAL_LANG, then the system locale)', LANGS))
    .option('--pack-key <key>', 'with --from: the pack key for the phone script (printed masked but for its last group)')
    .option('--organization <name>', 'with --from: the organization for the phone script (default: the license server\'s Company)')
    .option('--contact <text>', 'with --from: the contact for the phone script (default: the license server\'s contact)')
    .action(
    ctx.action(async (...args: unknown[]) => {
      const o = args[args.length - 2] as Opts;
      if (typeof o['from'] === 'string') return diagnoseWindows(ctx, o);
      return withTarget(ctx, async (target, o, json) => {
        const options = await gatherOptions(target, o);
        if (!options.ok) return fail(ctx.io, options.error, json);
        const lang = resolveLang(typeof o['lang'] === 'string' ? o['lang'] : undefined, ctx.io.env);
        const d = await runDiagnosis({ ...options.value, lang });
        if (!d.ok) return fail(ctx.io, d.error, json);
        printResult(ctx.io, json, { blocking: d.value.blocking, findings: d.value.findings, snapshot: d.value.snapshot }, () => renderFindings(d.value.findings, d.value.snapshot, lang));
        return diagnosisExitCode(d.value.findings);
      })(...args);
    }),
  );

  const recover = program.command('recover').description('the recovery planner');
  addGatherOptions(
    clientCommand(recover.command('plan').description('the next recovery steps in order, with the exact opencal commands (the source document\'s condensed procedure)'), [
      'opencal recover plan',
      'opencal recover plan --target http://127.0.0.1:7879 --program select --program-data "--agreement 1234567" --reason reinstalled',
    ]),
  )
    .option('--target <url>', 'the license server to recover onto (default: the first usable one)')
    .option('--pack <number>', 'the pack to recover')
    .addOption(choice('--type <type>', 'when the clearinghouse is not read: the CAL type of the pack', CAL_TYPES))
    .addOption(choice('--version <version>', 'when the clearinghouse is not read: the CAL version of the pack', CAL_VERSIONS))
    .addOption(choice('--program <program>', 'when the clearinghouse is not read: the program of the pack', PROGRAMS))
    .option('--program-data <flags>', 'program data flags to put in the commands, e.g. "--agreement 1234567"')
    .addOption(choice('--reason <reason>', 'why the pack moves', MIGRATION_REASONS))
    .option('--case <case>', 'the case number, once submitted')
    .option('--device <name>', 'the test device name in the verify step')
    .addOption(choice('--lang <lang>', 'language of the steps and of the phone script they name (default: OPENCAL_LANG, then the system locale)', LANGS))
    .action(
      ctx.action(
        withTarget(ctx, async (target, o, json) => {
          const options = await gatherOptions(target, o);
          if (!options.ok) return fail(ctx.io, options.error, json);
          const lang = resolveLang(typeof o['lang'] === 'string' ? o['lang'] : undefined, ctx.io.env);
          const d = await runDiagnosis({ ...options.value, lang, recovery: recoveryContextOf(o) });
          if (!d.ok) return fail(ctx.io, d.error, json);
          return printResult(ctx.io, json, { steps: d.value.plan }, (v) => renderPlan(v.steps, lang));
        }),
      ),
    );

  addGatherOptions(
    clientCommand(program.command('phone-script').description("the clearinghouse phone script of the source document, filled in with this site's values"), [
      'opencal phone-script --lang fr',
      'opencal phone-script --case CH-000001 --organization Contoso --contact "Ana Diaz, +33 1 23 45 67 89" --lang en',
    ]),
  )
    .option('--case <case>', 'the case number to quote')
    .addOption(choice('--lang <lang>', 'language', ['fr', 'en']).default('fr'))
    .option('--organization <name>', 'organization name')
    .option('--contact <text>', 'contact name and phone number')
    .option('--pack-key <key>', 'the pack key (printed masked but for its last group)')
    .option('--pack <number>', 'which pack (default: the one of the case, or the one active on another server)')
    .addOption(choice('--reason <reason>', 'why the pack moves', MIGRATION_REASONS))
    .action(
      ctx.action(
        withTarget(ctx, async (target, o, json) => {
          if (typeof o['case'] === 'string' && parseCaseNumber(o['case']) === undefined) {
            return fail(ctx.io, refusal('CASE_NUMBER_INVALID', { value: o['case'] }), json);
          }
          const options = await gatherOptions(target, o);
          if (!options.ok) return fail(ctx.io, options.error, json);
          const snapshot = await gatherSnapshot(options.value);
          if (!snapshot.ok) return fail(ctx.io, snapshot.error, json);
          const caseNumber = typeof o['case'] === 'string' ? `CH-${String(parseCaseNumber(o['case'])).padStart(6, '0')}` : undefined;
          const script = phoneScriptFor(snapshot.value, {
            lang: o['lang'] === 'en' ? 'en' : 'fr',
            ...(caseNumber ? { caseNumber } : {}),
            ...(typeof o['organization'] === 'string' ? { organization: o['organization'] } : {}),
            ...(typeof o['contact'] === 'string' ? { contact: o['contact'] } : {}),
            ...(typeof o['packKey'] === 'string' ? { packKey: o['packKey'] } : {}),
            ...(typeof o['reason'] === 'string' ? { reason: o['reason'] as MigrationReason } : {}),
            ...(typeof o['pack'] === 'string' && /^\d+$/.test(o['pack']) ? { packNumber: Number(o['pack']) } : {}),
          });
          if (!script.ok) return fail(ctx.io, script.error, json);
          return printResult(ctx.io, json, { script: script.value }, (v) => v.script);
        }),
      ),
    );

  clientCommand(program.command('events').description('the event log of the clearinghouse, license server and session host, newest first; --follow streams new ones'), [
    'opencal events --component license-server --id 4141',
    'opencal events --since 7d --level warning',
    'opencal events --follow',
  ])
    .addOption(choice('--component <component>', 'only this component', COMPONENTS))
    .addOption(choice('--channel <channel>', 'only this channel', Object.values(EVENT_CHANNELS as Record<string, string>)))
    .option('--id <ids>', 'only these event ids, e.g. 4141 or 4,18,21')
    .option('--level <level>', 'only this level: information, warning, error')
    .option('--since <time>', 'from this time: ISO-8601 or a duration before now (90m, 12h, 7d)')
    .option('--until <time>', 'until this time')
    .option('--limit <n>', 'at most this many per component (1-1000)')
    .option('--follow', 'keep printing new events until interrupted')
    .option('--host <url>', 'the session host (default: --url)')
    .option('--license-server <url>', 'the license server (default: --url)')
    .option('--clearinghouse <url>', 'the clearinghouse (default: --url)')
    .action(ctx.action(withTarget(ctx, (target, o, json) => events(ctx, target, o, json))));
}

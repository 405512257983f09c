/**
 * The licensing diagnoser: findings with severity, cause and fix; the recovery plan; the source document's
 * phone script filled in with this site's values. The rules are src/core's, run on what the console reads.
 */
import { useEffect, useState } from 'preact/hooks';
import { LANGS, UI_TEXT, type Lang } from '../../core/diagnoser-texts';
import { diagnose, hasBlocking, recoveryTarget, sameUrl, type DiagnosisSnapshot, type Finding, type ObservedProbe } from '../../core/diagnoser-rules';
import type { WindowsEstate } from '../../core/windows-import/estate';
import { importWindowsFiles, type InputFile } from '../../core/windows-import/import';
import type { ImportRefusal } from '../../core/windows-import/refusals';
import { messageFor } from '../../core/result';
import { diagnoseWindowsEstate, referenceTime } from '../../core/windows-import/windows-diagnosis';
import { phoneScript, type PhoneScriptInput } from '../../core/phone-script';
import { planRecovery, type RecoveryStep } from '../../core/recovery-plan';
import { MIGRATION_REASONS, type MigrationReason } from '../../core/vocabulary';
import type { ApiError } from '../api';
import type { PageProps } from '../app';
import { gatherInBrowser } from '../diagnosis';
import { Badge, Card, Copyable, Empty, formatDate, Refusal, Select, TableHead, TextInput } from '../ui';
import { EventTable } from './shared';

interface Result {
  snapshot: DiagnosisSnapshot;
  findings: Finding[];
  plan: RecoveryStep[];
}

const ORDER = { blocking: 0, warning: 1, info: 2 } as const;

function Findings(props: { findings: Finding[]; lang?: Lang; testId?: string }) {
  const t = props.lang ? UI_TEXT[props.lang] : undefined;
  if (props.findings.length === 0) {
    return (
      <div class="alert ok" role="status" data-testid={props.testId ? `${props.testId}-clean` : 'diagnosis-clean'}>
        {t ? t.clean : 'No finding: the licensing mode, the license servers, the CALs and the grace period are as they should be.'}
      </div>
    );
  }
  const sorted = [...props.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return (
    <ul class="findings" data-testid={props.testId ?? 'findings'}>
      {sorted.map((f) => (
        <li class={`finding ${f.severity}`} data-code={f.code} data-severity={f.severity}>
          <div>
            <Badge value={f.severity} /> <strong>{f.message}</strong> {f.subject ? <span class="hint mono small">{f.subject}</span> : null}
          </div>
          <div>
            <span class="label">{t ? (props.lang === 'fr' ? `${t.cause} :` : `${t.cause}:`) : 'Probable cause:'}</span> {f.cause}
          </div>
          <div>
            <span class="label">{t ? (props.lang === 'fr' ? `${t.fix} :` : `${t.fix}:`) : 'Fix:'}</span> {f.fix}
          </div>
          {f.commands.length > 0 ? <pre>{f.commands.join('\n')}</pre> : null}
        </li>
      ))}
    </ul>
  );
}

function Plan(props: { steps: RecoveryStep[]; lang?: Lang; testId?: string }) {
  if (props.steps.length === 0) return <Empty>Nothing to recover.</Empty>;
  return (
    <ol class="plan" data-testid={props.testId ?? 'recovery-plan'}>
      {props.steps.map((s) => (
        <li data-step={s.step} data-done={s.done ? 'true' : 'false'}>
          <strong>{s.title}</strong> {s.done ? <Badge value={props.lang ? UI_TEXT[props.lang].done : 'done'} /> : null}
          <div>{s.why}</div>
          {s.warning ? (
            <div class="alert pending" role="note">
              {s.warning}
            </div>
          ) : null}
          {s.commands.length > 0 ? <pre>{s.commands.join('\n')}</pre> : null}
        </li>
      ))}
    </ol>
  );
}

function PhoneScript(props: { snapshot: DiagnosisSnapshot }) {
  const s = props.snapshot;
  const ch = s.clearinghouse?.reachable ? s.clearinghouse : undefined;
  const pending = ch?.cases.find((c) => c.status === 'pending');
  const [lang, setLang] = useState<'fr' | 'en'>('fr');
  const [reason, setReason] = useState<MigrationReason>('reinstalled');
  const [organization, setOrganization] = useState('');
  const [contact, setContact] = useState('');
  const [packKey, setPackKey] = useState('');
  const targetId = pending?.targetServerId ?? recoveryTarget(s)?.serverId ?? s.licenseServers.find((l) => l.serverId)?.serverId;
  const pack =
    (pending?.packNumber !== undefined ? ch?.packs.find((p) => p.packNumber === pending.packNumber) : undefined) ??
    ch?.packs.find((p) => p.status === 'installed' && p.activeOn !== targetId) ??
    ch?.packs[0];
  if (!targetId) return <Empty>No license server ID could be read: sign in with a license server token.</Empty>;
  if (!pack) return <Empty>No pack is known: sign in with the organization's clearinghouse token to fill in the pack.</Empty>;
  const input: PhoneScriptInput = {
    lang,
    serverId: targetId,
    program: pack.program,
    calType: pack.calType,
    calVersion: pack.calVersion,
    count: pack.count,
    reason,
  };
  // What is not known is said in words by the script, never printed as <ORGANIZATION> or <CONTACT>.
  const org = organization.trim() || ch?.organization;
  if (org) input.organization = org;
  if (contact.trim()) input.contact = contact.trim();
  if (packKey.trim()) input.packKey = packKey.trim();
  if (pending) input.caseNumber = pending.caseNumber;
  const old = pending?.sourceServerId ?? (pack.activeOn !== targetId ? pack.activeOn : undefined);
  if (old) input.oldServerId = old;
  const version = s.licenseServers.find((l) => l.serverId === targetId)?.version;
  if (version) input.serverVersion = version;
  const text = phoneScript(input);
  return (
    <>
      <div class="row">
        <Select
          label="Language"
          name="lang"
          value={lang}
          options={[
            { value: 'fr' as const, label: 'Français' },
            { value: 'en' as const, label: 'English' },
          ]}
          onChange={setLang}
        />
        <Select label="Reason" name="scriptReason" value={reason} options={MIGRATION_REASONS} onChange={setReason} />
        <TextInput label="Organization" name="organization" value={organization} onInput={setOrganization} />
        <TextInput label="Contact" name="contact" value={contact} onInput={setContact} />
        <TextInput label="Pack key (only its last group is shown)" name="scriptPackKey" type="password" value={packKey} onInput={setPackKey} />
      </div>
      <pre data-testid="phone-script" tabIndex={0} aria-label="Phone script">
        {text}
      </pre>
      <Copyable value={text} label="phone script" hidden />
    </>
  );
}

function browserLang(): Lang {
  const l = (typeof navigator !== 'undefined' ? navigator.language : 'en').toLowerCase();
  return l.startsWith('fr') ? 'fr' : 'en';
}

/** A FileSystemEntry of a dropped folder, read to its files (names keep the folder path, for messages). */
async function entryFiles(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const out: File[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return out;
    for (const e of batch) out.push(...(await entryFiles(e)));
  }
}

async function droppedFiles(dt: DataTransfer): Promise<File[]> {
  const entries = [...dt.items].map((i) => (typeof i.webkitGetAsEntry === 'function' ? i.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  if (entries.length > 0 && entries.some((e) => e.isDirectory)) return (await Promise.all(entries.map(entryFiles))).flat();
  return [...dt.files];
}

async function asInput(files: readonly File[]): Promise<InputFile[]> {
  return Promise.all(files.map(async (f) => ({ name: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
}

/**
 * A real Windows estate: the collector's bundles or a folder of raw exports, dropped or chosen, parsed in the
 * browser by the same src/core importer as `opencal diagnose --from`; nothing is sent to the server.
 */
function WindowsEstateCard() {
  const [lang, setLang] = useState<Lang>(browserLang());
  const [estate, setEstate] = useState<WindowsEstate>();
  const [refusal, setRefusal] = useState<ImportRefusal>();
  const [over, setOver] = useState(false);
  const [files, setFiles] = useState<InputFile[]>([]);
  const t = UI_TEXT[lang];
  const load = async (list: readonly File[]) => {
    const input = await asInput(list);
    setFiles(input);
    const r = importWindowsFiles(input, lang);
    if (r.ok) {
      setEstate(r.value);
      setRefusal(undefined);
    } else {
      setEstate(undefined);
      setRefusal(r.error);
    }
  };
  const switchLang = (l: Lang) => {
    setLang(l);
    if (refusal && files.length > 0) {
      const r = importWindowsFiles(files, l);
      if (!r.ok) setRefusal(r.error);
    }
  };
  const d = estate ? diagnoseWindowsEstate(estate, referenceTime(estate, new Date()), { lang }) : undefined;
  return (
    <Card title={t.dropTitle} id="windows-estate">
      <div lang={lang}>
        <Select label={lang === 'fr' ? 'Langue' : 'Language'} name="windowsLang" value={lang} options={LANGS.map((l) => ({ value: l, label: l === 'fr' ? 'Français' : 'English' }))} onChange={switchLang} />
        <div
          class={`dropzone${over ? ' over' : ''}`}
          data-testid="windows-dropzone"
          role="region"
          aria-label={t.dropTitle}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            if (e.dataTransfer) void droppedFiles(e.dataTransfer).then(load);
          }}
        >
          <p class="hint">{t.dropHint}</p>
          <label>
            {t.choose}{' '}
            <input type="file" multiple name="windowsFiles" onChange={(e) => void load([...((e.currentTarget as HTMLInputElement).files ?? [])])} />
          </label>
        </div>
        {refusal ? (
          <div class="alert error" role="alert" data-testid="windows-refusal" data-code={refusal.code}>
            <strong>{refusal.code}</strong>: {messageFor(refusal, lang, 'console')}
          </div>
        ) : null}
        {d && estate ? (
          <div data-testid="windows-diagnosis" data-blocking={d.blocking ? 'true' : 'false'}>
            <p class="hint">{t.files(estate.files.length, estate.ignored.length)}</p>
            <ul data-testid="windows-summary">
              {d.summary.map((line) => (
                <li>{line}</li>
              ))}
            </ul>
            <Findings findings={d.findings} lang={lang} testId="windows-findings" />
            <h3>{t.plan}</h3>
            <Plan steps={d.plan} lang={lang} testId="windows-plan" />
            {d.phoneScript ? (
              <>
                <h3>{t.phoneScript}</h3>
                <pre data-testid="windows-phone-script" tabIndex={0}>
                  {d.phoneScript}
                </pre>
              </>
            ) : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

/** What the session host's own dry-run CAL request to this license server got: a CAL, or the reason it would get none. */
function ProbeCell(props: { probe: ObservedProbe | undefined; listed: boolean }) {
  const p = props.probe;
  if (!props.listed) return <span class="hint">not on the host's list</span>;
  if (!p) return <span class="badge warning">not asked</span>;
  if (p.outcome === 'would-issue') return <span class="badge ok" data-outcome={p.outcome}>{`${p.issue ?? ''} CAL`}</span>;
  return (
    <span class="badge error" data-outcome={p.outcome} data-code={p.code ?? ''} title={p.message ?? ''}>
      {p.outcome === 'unreachable' ? 'unreachable from the host' : p.outcome === 'not-enrolled' ? 'not enrolled' : `refused: ${p.code ?? ''}`}
    </span>
  );
}

export function Diagnoser(props: PageProps) {
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  // The findings are worded in the browser's language, as the Windows drop zone's texts are.
  const lang = browserLang();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    const g = await gatherInBrowser(props.keyring, window.location.origin);
    setBusy(false);
    if (!g.ok) {
      setError(g.error);
      return;
    }
    const now = new Date(g.snapshot.takenAt);
    setResult({ snapshot: g.snapshot, findings: diagnose(g.snapshot, now, lang), plan: planRecovery(g.snapshot, { lang: 'en' }) });
  };
  useEffect(() => {
    void run();
  }, []);
  const s = result?.snapshot;
  return (
    <>
      <WindowsEstateCard />
      <Card title="Diagnosis" id="diagnosis">
        <p class="hint">
          From the session host's point of view: licensing mode and its source, license servers listed and reachable, activation, CALs of the right type and
          version, grace period, version compatibility, recent events.
        </p>
        <button type="button" onClick={() => void run()} disabled={busy}>
          {busy ? 'Diagnosing…' : 'Run the diagnosis again'}
        </button>
        <Refusal error={error} />
        {s && result ? (
          <>
            <p data-testid="diagnosis-summary" data-blocking={hasBlocking(result.findings) ? 'true' : 'false'}>
              Session host {s.sessionHost.name}: {s.sessionHost.mode} (from {s.sessionHost.modeSource}), {s.sessionHost.licenseServers.length} license server(s) listed,{' '}
              {s.sessionHost.graceDaysLeft} grace days left
              {s.events.some((e) => e.id === 9211 && Date.parse(e.at) >= Date.parse(s.takenAt) - 3_600_000) ? (
                <>
                  {' '}
                  (<span class="badge warning" data-testid="grace-only-admissions">devices admitted without a CAL in the last hour</span>)
                </>
              ) : null}
              . {result.findings.filter((f) => f.severity === 'blocking').length} blocking,{' '}
              {result.findings.filter((f) => f.severity === 'warning').length} warning(s), {result.findings.filter((f) => f.severity === 'info').length} note(s) — at{' '}
              {formatDate(s.takenAt)}.
            </p>
            <Findings findings={result.findings} {...(lang === 'fr' ? { lang } : {})} />
            <h3>License servers</h3>
            <table>
              <TableHead columns={['URL', 'Listed', 'Reachable', 'Activation', 'Available CALs', "Host's CAL request (probe)"]} />
              <tbody>
                {s.licenseServers.map((l) => (
                  <tr>
                    <td>
                      {l.url} {l.serverId ? <div class="mono small">{l.serverId}</div> : null}
                    </td>
                    <td>{l.listed ? 'yes' : 'no'}</td>
                    <td>{l.reachable ? (l.inspected ? 'yes' : `yes, not inspected: ${l.problem?.message ?? ''}`) : `no: ${l.problem?.message ?? ''}`}</td>
                    <td>
                      <Badge value={l.activation?.status} /> {l.activation?.method ?? ''}
                    </td>
                    <td>
                      {l.keyPacks
                        .filter((k) => k.status === 'active')
                        .map((k) => `${k.available} ${k.calType} ${k.calVersion}`)
                        .join(', ') || '0'}
                    </td>
                    <td data-testid="probe">
                      <ProbeCell probe={s.sessionHost.probes?.find((p) => sameUrl(p.url, l.url))} listed={l.listed} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
      </Card>
      {result ? (
        <Card title="Recovery plan" id="recovery-plan">
          <Plan steps={result.plan} />
        </Card>
      ) : null}
      {s ? (
        <Card title="Phone script" id="phone-script">
          <PhoneScript snapshot={s} />
        </Card>
      ) : null}
      {s ? (
        <Card title="Recent events" id="diag-events">
          {s.events.length === 0 ? (
            <Empty>No events.</Empty>
          ) : (
            <EventTable withComponent events={s.events.slice(0, 40).map((e, i) => ({ id: e.seq ?? i, eventId: e.id, level: e.level, message: e.message ?? '', at: e.at, component: e.component }))} />
          )}
        </Card>
      ) : null}
    </>
  );
}

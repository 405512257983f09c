/**
 * The licensing diagnoser: findings with severity, cause and fix; the recovery plan; the source document's
 * phone script filled in with this site's values. The rules are src/core's, run on what the console reads.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { DIAGNOSER_PAGE, LANGS, UI_TEXT, type Lang } from '../../core/diagnoser-texts';
import { setLang, useLang } from '../i18n';
import { diagnose, hasBlocking, recoveryTarget, sameUrl, type DiagnosisSnapshot, type Finding, type ObservedProbe } from '../../core/diagnoser-rules';
import type { WindowsEstate } from '../../core/windows-import/estate';
import { importWindowsFiles, type InputFile } from '../../core/windows-import/import';
import type { ImportRefusal } from '../../core/windows-import/refusals';
import { messageFor } from '../../core/result';
import { diagnoseWindowsEstate, referenceTime } from '../../core/windows-import/windows-diagnosis';
import { phoneScript, type PhoneScriptInput } from '../../core/phone-script';
import { planRecovery, type RecoveryStep } from '../../core/recovery-plan';
import { MIGRATION_REASONS, type MigrationReason } from '../../core/vocabulary';
import type { ApiError, KeyringEntry } from '../api';
import { PAGES, type PageProps } from '../app';
import { FINDING_FORMS, fillFor, followLink, gatherInBrowser, LINK_TARGETS, type LinkTarget } from '../diagnosis';
import { LINKS } from '../guided';
import { useCarried } from '../carry';
import { Badge, Card, Commands, Copyable, Empty, formatDate, Refusal, Select, TableHead, TextInput } from '../ui';
import { EventTable } from './shared';

interface Result {
  snapshot: DiagnosisSnapshot;
  findings: Finding[];
  plan: RecoveryStep[];
}

const ORDER = { blocking: 0, warning: 1, info: 2 } as const;

/** Links to the console forms that do a fix, each carrying what the diagnoser knows for its form. */
function FormLinks(props: { targets: readonly { target: LinkTarget; fill: Record<string, string> }[]; keyring: KeyringEntry[]; lang: Lang }) {
  const t = LINKS[props.lang];
  if (props.targets.length === 0) return null;
  return (
    <div class="form-links" data-testid="form-links">
      <span class="label">{`${t.doItHere}${props.lang === 'fr' ? ' :' : ':'}`}</span>
      <ol>
        {props.targets.map(({ target, fill }) => {
          const def = LINK_TARGETS[target];
          const page = PAGES.find((p) => p.path === def.page);
          const allowed = !page || page.allowed(props.keyring);
          return (
            <li>
              {allowed ? (
                <a class="form-link" href={def.hash} data-form={target} onClick={() => followLink(target, fill)}>
                  {t[target]}
                </a>
              ) : (
                <span class="hint" data-form={target}>
                  {t[target]} — {t.needs}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}

function Findings(props: { findings: Finding[]; lang: Lang; testId?: string; plan?: RecoveryStep[]; keyring?: KeyringEntry[] }) {
  const t = UI_TEXT[props.lang];
  const sep = props.lang === 'fr' ? ' :' : ':';
  if (props.findings.length === 0) {
    return (
      <div class="alert ok" role="status" data-testid={props.testId ? `${props.testId}-clean` : 'diagnosis-clean'}>
        {t.clean}
      </div>
    );
  }
  const sorted = [...props.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return (
    <ul class="findings" data-testid={props.testId ?? 'findings'}>
      {sorted.map((f) => (
        <li class={`finding ${f.severity}`} data-code={f.code} data-severity={f.severity}>
          <div>
            <span class={`badge ${f.severity}`}>{DIAGNOSER_PAGE[props.lang].severity[f.severity]}</span> <strong>{f.message}</strong> {f.subject ? <span class="hint mono small">{f.subject}</span> : null}
          </div>
          <div>
            <span class="label">{`${t.cause}${sep}`}</span> {f.cause}
          </div>
          {props.plan && props.keyring && FINDING_FORMS[f.code].length > 0 ? (
            <>
              <FormLinks targets={FINDING_FORMS[f.code].map((target) => ({ target, fill: fillFor(target, props.plan!) }))} keyring={props.keyring} lang={props.lang} />
              <Commands before={`${t.fix}${sep} ${f.fix}`} lines={f.commands} />
            </>
          ) : (
            <>
              <div>
                <span class="label">{`${t.fix}${sep}`}</span> {f.fix}
              </div>
              <Commands lines={f.commands} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function Plan(props: { steps: RecoveryStep[]; lang: Lang; testId?: string; keyring?: KeyringEntry[] }) {
  if (props.steps.length === 0) return <Empty>{DIAGNOSER_PAGE[props.lang].nothingToRecover}</Empty>;
  return (
    <ol class="plan" data-testid={props.testId ?? 'recovery-plan'}>
      {props.steps.map((s) => (
        <li data-step={s.step} data-done={s.done ? 'true' : 'false'}>
          <strong>{s.title}</strong> {s.done ? <span class="badge done">{UI_TEXT[props.lang].done}</span> : null}
          <div>{s.why}</div>
          {s.warning ? (
            <div class="alert pending" role="note">
              {s.warning}
            </div>
          ) : null}
          {props.keyring && !s.done && s.forms && s.forms.length > 0 ? (
            <FormLinks targets={s.forms.map((f) => ({ target: f.form, fill: f.fill }))} keyring={props.keyring} lang={props.lang} />
          ) : null}
          <Commands lines={s.commands} />
        </li>
      ))}
    </ol>
  );
}

function PhoneScript(props: { snapshot: DiagnosisSnapshot; lang: Lang }) {
  const s = props.snapshot;
  const t = DIAGNOSER_PAGE[props.lang];
  const ch = s.clearinghouse?.reachable ? s.clearinghouse : undefined;
  const pending = ch?.cases.find((c) => c.status === 'pending');
  const [lang, setLang] = useState<'fr' | 'en'>('fr');
  const [reason, setReason] = useState<MigrationReason>('reinstalled');
  const [organization, setOrganization] = useState('');
  const [contact, setContact] = useState('');
  const [packKey, setPackKey] = useState('');
  useCarried('packKey', setPackKey);
  const targetId = pending?.targetServerId ?? recoveryTarget(s)?.serverId ?? s.licenseServers.find((l) => l.serverId)?.serverId;
  const pack =
    (pending?.packNumber !== undefined ? ch?.packs.find((p) => p.packNumber === pending.packNumber) : undefined) ??
    ch?.packs.find((p) => p.status === 'installed' && p.activeOn !== targetId) ??
    ch?.packs[0];
  if (!targetId) return <Empty>{t.noServerId}</Empty>;
  if (!pack) return <Empty>{t.noPack}</Empty>;
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
          label={t.scriptLanguage}
          name="lang"
          value={lang}
          options={[
            { value: 'fr' as const, label: 'Français' },
            { value: 'en' as const, label: 'English' },
          ]}
          onChange={setLang}
        />
        <Select label={t.reason} name="scriptReason" value={reason} options={MIGRATION_REASONS} onChange={setReason} />
        <TextInput label={t.organization} name="organization" value={organization} onInput={setOrganization} />
        <TextInput label={t.contact} name="contact" value={contact} onInput={setContact} />
        <TextInput label={t.packKey} name="scriptPackKey" type="password" value={packKey} onInput={setPackKey} />
      </div>
      <pre data-testid="phone-script" tabIndex={0} aria-label={UI_TEXT[props.lang].phoneScript}>
        {text}
      </pre>
      <Copyable value={text} label="phone script" hidden />
    </>
  );
}

function LangSwitch(props: { lang: Lang; onChange: (l: Lang) => void; name: string }) {
  return (
    <Select
      label={DIAGNOSER_PAGE[props.lang].language}
      name={props.name}
      value={props.lang}
      options={LANGS.map((l) => ({ value: l, label: l === 'fr' ? 'Français' : 'English' }))}
      onChange={props.onChange}
    />
  );
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
function WindowsEstateCard(props: { lang: Lang; onLang: (l: Lang) => void }) {
  const lang = props.lang;
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
    props.onLang(l);
    if (refusal && files.length > 0) {
      const r = importWindowsFiles(files, l);
      if (!r.ok) setRefusal(r.error);
    }
  };
  const d = estate ? diagnoseWindowsEstate(estate, referenceTime(estate, new Date()), { lang }) : undefined;
  return (
    <Card title={t.dropTitle} id="windows-estate">
      <div lang={lang}>
        <LangSwitch lang={lang} onChange={switchLang} name="windowsLang" />
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
function ProbeCell(props: { probe: ObservedProbe | undefined; listed: boolean; lang: Lang }) {
  const p = props.probe;
  const t = DIAGNOSER_PAGE[props.lang].probe;
  if (!props.listed) return <span class="hint">{t.notListed}</span>;
  if (!p) return <span class="badge warning">{t.notAsked}</span>;
  if (p.outcome === 'would-issue') return <span class="badge ok" data-outcome={p.outcome}>{t.cal(p.issue ?? '')}</span>;
  return (
    <span class="badge error" data-outcome={p.outcome} data-code={p.code ?? ''} title={p.message ?? ''}>
      {p.outcome === 'unreachable' ? t.unreachable : p.outcome === 'not-enrolled' ? t.notEnrolled : t.refused(p.code ?? '')}
    </span>
  );
}

export function Diagnoser(props: PageProps) {
  const [snapshot, setSnapshot] = useState<DiagnosisSnapshot>();
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  // The page speaks the console's language (chosen before, else the browser's); its switch changes it everywhere.
  // The findings and the plan are words of the rules: a new language words them again from the same snapshot.
  const lang = useLang();
  const t = DIAGNOSER_PAGE[lang];
  const result = useMemo<Result | undefined>(() => {
    if (!snapshot) return undefined;
    const now = new Date(snapshot.takenAt);
    return { snapshot, findings: diagnose(snapshot, now, lang), plan: planRecovery(snapshot, { textLang: lang }) };
  }, [snapshot, lang]);
  const run = async () => {
    setBusy(true);
    setError(undefined);
    const g = await gatherInBrowser(props.keyring, window.location.origin);
    setBusy(false);
    if (!g.ok) {
      setError(g.error);
      return;
    }
    setSnapshot(g.snapshot);
  };
  const relang = (l: Lang) => setLang(l);
  useEffect(() => {
    void run();
  }, []);
  const s = result?.snapshot;
  return (
    <>
      <WindowsEstateCard lang={lang} onLang={relang} />
      <Card title={t.title} id="diagnosis">
        <div lang={lang}>
        <LangSwitch lang={lang} onChange={relang} name="diagnosisLang" />
        <p class="hint">{t.hint}</p>
        <button type="button" onClick={() => void run()} disabled={busy}>
          {busy ? t.running : t.again}
        </button>
        <Refusal error={error} />
        {busy && !s ? (
          <p class="hint loading" role="status" data-state="loading">
            {t.running}
          </p>
        ) : null}
        {s && result ? (
          <>
            <p data-testid="diagnosis-summary" data-blocking={hasBlocking(result.findings) ? 'true' : 'false'}>
              {t.summary(s.sessionHost.name, s.sessionHost.mode, s.sessionHost.modeSource, s.sessionHost.licenseServers.length, s.sessionHost.graceDaysLeft)}
              {s.events.some((e) => e.id === 9211 && Date.parse(e.at) >= Date.parse(s.takenAt) - 3_600_000) ? (
                <>
                  {' '}
                  (<span class="badge warning" data-testid="grace-only-admissions">{t.graceOnly}</span>)
                </>
              ) : null}
              {t.counts(
                result.findings.filter((f) => f.severity === 'blocking').length,
                result.findings.filter((f) => f.severity === 'warning').length,
                result.findings.filter((f) => f.severity === 'info').length,
                formatDate(s.takenAt),
              )}
            </p>
            <Findings findings={result.findings} lang={lang} plan={result.plan} keyring={props.keyring} />
            <h3>{t.licenseServers}</h3>
            <table>
              <TableHead columns={[...t.columns]} />
              <tbody>
                {s.licenseServers.map((l) => (
                  <tr>
                    <td>
                      {l.url} {l.serverId ? <div class="mono small">{l.serverId}</div> : null}
                    </td>
                    <td>{l.listed ? t.yes : t.no}</td>
                    <td>{l.reachable ? (l.inspected ? t.yes : t.notInspected(l.problem?.message ?? '')) : t.notReachable(l.problem?.message ?? '')}</td>
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
                      <ProbeCell probe={s.sessionHost.probes?.find((p) => sameUrl(p.url, l.url))} listed={l.listed} lang={lang} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        ) : null}
        </div>
      </Card>
      {result ? (
        <Card title={UI_TEXT[lang].plan} id="recovery-plan">
          <div lang={lang}>
            <Plan steps={result.plan} lang={lang} keyring={props.keyring} />
          </div>
        </Card>
      ) : null}
      {s ? (
        <Card title={UI_TEXT[lang].phoneScript} id="phone-script">
          <PhoneScript snapshot={s} lang={lang} />
        </Card>
      ) : null}
      {s ? (
        <Card title={t.recentEvents} id="diag-events">
          {s.events.length === 0 ? (
            <Empty>{t.noEvents}</Empty>
          ) : (
            <EventTable withComponent events={s.events.slice(0, 40).map((e, i) => ({ id: e.seq ?? i, eventId: e.id, level: e.level, message: e.message ?? '', at: e.at, component: e.component }))} />
          )}
        </Card>
      ) : null}
    </>
  );
}

/**
 * The agent desk (the clearinghouse's phone agents): the review queue with each case's evidence, approve or
 * reject with a reason; phone activation and phone reissue, reading back the codes group by group.
 */
import type { CaseAnswer, CaseView, ConfirmationAnswer, OrganizationList } from '../../core/wire/clearinghouse';
import { useState } from 'preact/hooks';
import { CAL_VERSIONS, MIGRATION_REASONS, type CalType, type CalVersion, type MigrationReason } from '../../core/vocabulary';
import { caseEvidenceSentences } from '../../core/case-evidence-texts';
import type { DemoClock } from '../../core/wire/demo';
import { api, call } from '../api';
import { defineTexts, fill, useLang, useTexts } from '../i18n';
import type { PageProps } from '../app';
import { carry } from '../carry';
import { NextStep } from '../guided';
import { Card, CodeField, Copyable, Empty, formatDate, Refusal, Select, TextInput, useId, useLoad, type TypedCode } from '../ui';
import { CasesList, PendingCasesList } from './list-cards';
import { awaiting, CalInputs, CaseOutcome, emptyProgramFields, ProgramInputs, useWrite, packRequestFields } from './shared';

/** A code to read over the phone: numbered groups, large and monospaced, plus a copy button. */
export function ReadBack(props: { label: string; code: string; testId?: string }) {
  const d = useTexts(D);
  const groups = props.code.split('-');
  return (
    <div class="readback">
      <div>{fill(d.readBack, { label: props.label })}</div>
      <ol class="groups" aria-label={fill(d.groupsAria, { label: props.label, n: groups.length })}>
        {groups.map((g) => (
          <li class="mono">{g}</li>
        ))}
      </ol>
      <Copyable value={props.code} label={props.label} testId={props.testId} />
    </div>
  );
}

const T = defineTexts({
  en: {
    evidence: 'Evidence',
    noEvidence: 'No evidence recorded.',
    noSentence: 'This evidence has no sentence yet: open the recorded evidence below.',
    raw: 'Recorded evidence (as stored)',
    forMove: 'speaks for the move',
    againstMove: 'speaks against the move',
    caseTitle: 'Case {case} — {kind} of pack {pack} ({channel}), opened {date}',
    toServer: 'To license server',
    fromServer: 'from',
    reasonLabel: 'reason',
    waits: 'Why it waits for an agent:',
    decisionReason: 'Reason for the decision',
    approve: 'Approve and reissue',
    reject: 'Reject',
    queue: 'Review queue',
    queueEmpty: 'No case waits for review.',
    queueLoading: 'Loading the review queue…',
    refresh: 'Refresh the queue',
  },
  fr: {
    evidence: 'Éléments du dossier',
    noEvidence: 'Aucun élément enregistré.',
    noSentence: 'Ces éléments n’ont pas encore de phrase : ouvrez les éléments enregistrés ci-dessous.',
    raw: 'Éléments enregistrés (tels que stockés)',
    forMove: 'plaide pour le transfert',
    againstMove: 'plaide contre le transfert',
    caseTitle: 'Dossier {case} — {kind} du pack {pack} ({channel}), ouvert le {date}',
    toServer: 'Vers le serveur de licences',
    fromServer: 'depuis',
    reasonLabel: 'motif',
    waits: 'Pourquoi il attend un agent :',
    decisionReason: 'Motif de la décision',
    approve: 'Approuver et réattribuer',
    reject: 'Refuser',
    queue: 'File d’examen',
    queueEmpty: 'Aucun dossier n’attend d’examen.',
    queueLoading: 'Chargement de la file d’examen…',
    refresh: 'Actualiser la file',
  },
});

const D = defineTexts({
  en: {
    readBack: '{label} — read it back group by group:',
    groupsAria: '{label}, {n} groups',
    phoneActivation: 'Phone activation',
    productId: 'Product ID the caller reads',
    organization: 'Organization',
    serverVersion: 'Server version',
    firstName: 'First name',
    lastName: 'Last name',
    company: 'Company',
    country: 'Country',
    activate: 'Activate',
    activated: 'License server {id} is activated.',
    confirmation: 'Activation confirmation',
    phoneReissue: 'Phone reissue',
    reissueHint: 'The caller reinstalled their license server: reissue the pack to the new license server and invalidate the old activation.',
    target: 'Migration code or new license server ID',
    targetHint: '45-character migration code, or the 35-character license server ID the caller reads.',
    migrationReason: 'Migration reason',
    packKey: 'Pack key',
    optionalEvidence: 'Optional evidence',
    receipt: 'Deactivation receipt',
    proof: 'Proof of purchase',
    note: 'Reason (kept with the case and in the audit log)',
    reissue: 'Reissue',
    keyPackId: 'Key pack ID',
    allCases: 'All cases',
    noCases: 'No cases.',
    casesLoading: 'Loading the cases…',
  },
  fr: {
    readBack: '{label} — relisez-le groupe par groupe :',
    groupsAria: '{label}, {n} groupes',
    phoneActivation: 'Activation par téléphone',
    productId: 'ID de produit que lit l’appelant',
    organization: 'Organisation',
    serverVersion: 'Version du serveur',
    firstName: 'Prénom',
    lastName: 'Nom',
    company: 'Société',
    country: 'Pays',
    activate: 'Activer',
    activated: 'Le serveur de licences {id} est activé.',
    confirmation: 'Confirmation d’activation',
    phoneReissue: 'Réattribution par téléphone',
    reissueHint: 'L’appelant a réinstallé son serveur de licences : réattribuez le pack au nouveau serveur de licences et invalidez l’ancienne activation.',
    target: 'Code de migration ou ID du nouveau serveur de licences',
    targetHint: 'Code de migration de 45 caractères, ou l’ID de serveur de licences de 35 caractères que lit l’appelant.',
    migrationReason: 'Motif de la migration',
    packKey: 'Clé de pack',
    optionalEvidence: 'Éléments facultatifs',
    receipt: 'Reçu de désactivation',
    proof: 'Preuve d’achat',
    note: 'Motif (gardé avec le dossier et dans le journal d’audit)',
    reissue: 'Réattribuer',
    keyPackId: 'ID du pack de clés',
    allCases: 'Tous les dossiers',
    noCases: 'Aucun dossier.',
    casesLoading: 'Chargement des dossiers…',
  },
});

/** The clearinghouse's time: the demo clock when the server runs one, else this browser's (for "3 days ago"). */
function useServerNow(): Date {
  const demo = useLoad(() => call<DemoClock>('GET', '/demo/clock'));
  return demo.data?.now ? new Date(demo.data.now) : new Date();
}

/** A case's evidence as sentences (src/core/case-evidence-texts.ts), the stored keys behind a disclosure. */
function Evidence(props: { c: CaseView; now: Date }) {
  const lang = useLang();
  const t = T[lang];
  const sentences = caseEvidenceSentences(props.c, props.now, lang);
  const rows: [string, string][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) walk(prefix ? `${prefix}.${k}` : k, x);
    } else rows.push([prefix, v === null || v === undefined ? '—' : Array.isArray(v) ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') || '—' : String(v)]);
  };
  walk('', props.c.evidence);
  if (rows.length === 0) return <Empty>{t.noEvidence}</Empty>;
  return (
    <>
      {sentences.length === 0 ? (
        <p class="hint">{t.noSentence}</p>
      ) : (
        <ul class="evidence-sentences" data-testid="evidence-sentences">
          {sentences.map((s) => (
            <li class={`tone-${s.tone}`}>
              {s.text}
              {s.tone === 'neutral' ? null : <span class="sr-only"> ({s.tone === 'for' ? t.forMove : t.againstMove})</span>}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>{t.raw}</summary>
        <dl class="facts evidence">
          {rows.map(([k, v]) => (
            <>
              <dt>{k}</dt>
              <dd class={/ServerId|serverId|target|source/.test(k) ? 'mono small' : undefined}>{v}</dd>
            </>
          ))}
        </dl>
      </details>
    </>
  );
}

function ReviewItem(props: PageProps & { c: CaseView; now: Date; onDecided: () => void }) {
  const c = props.c;
  const t = useTexts(T);
  const id = useId('reason');
  const [reason, setReason] = useState('');
  const decide = useWrite(props, 'ch', (d: 'approve' | 'reject') => api<CaseAnswer>(props.keyring, 'ch', 'POST', `/cases/${encodeURIComponent(c.caseNumber)}/${d}`, { reason: reason.trim() }), (a) => {
    // the key pack ID read back goes on to the license manager's install form, in this tab
    if (a.case.keyPackId) carry({ keyPackId: a.case.keyPackId, keyPackMethod: 'phone' }, 'agent-desk');
    props.onDecided();
  });
  return (
    <article class="case" data-case={c.caseNumber} aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{fill(t.caseTitle, { case: c.caseNumber, kind: c.kind, pack: c.pack ?? '—', channel: c.channel, date: formatDate(c.createdAt) })}</h3>
      <p>
        {t.toServer} <span class="mono small">{c.targetServerId ?? '—'}</span>
        {c.sourceServerId ? (
          <>
            {' '}
            {t.fromServer} <span class="mono small">{c.sourceServerId}</span>
          </>
        ) : null}
        {c.reason ? ` — ${t.reasonLabel}: ${c.reason}` : ''}
      </p>
      <div>
        <strong>{t.waits}</strong>
        <ul>
          {awaiting(c).map((w) => (
            <li>{w}</li>
          ))}
        </ul>
      </div>
      <h4>{t.evidence}</h4>
      <Evidence c={c} now={props.now} />
      {decide.result ? (
        <>
          <CaseOutcome c={decide.result.case} />
          {decide.result.case.keyPackId ? <NextStep target="ls-install" keyring={props.keyring} /> : null}
        </>
      ) : (
        <form onSubmit={(e) => e.preventDefault()}>
          <label for={id}>{t.decisionReason}</label>
          <textarea id={id} name="reason" rows={2} value={reason} onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)} required />
          <div>
            <button type="button" disabled={!reason.trim() || decide.busy} onClick={() => void decide.go('approve')}>
              {t.approve}
            </button>
            <button type="button" class="danger" disabled={!reason.trim() || decide.busy} onClick={() => void decide.go('reject')}>
              {t.reject}
            </button>
          </div>
        </form>
      )}
      <Refusal error={decide.error} />
    </article>
  );
}

function PhoneActivation(props: PageProps) {
  const orgs = useLoad(() => api<OrganizationList>(props.keyring, 'ch', 'GET', '/orgs'));
  const orgList = orgs.data?.organizations ?? [];
  const [productId, setProductId] = useState<TypedCode>({ value: '' });
  const [orgId, setOrgId] = useState('');
  const [company, setCompany] = useState({ firstName: '', lastName: '', company: '', country: '' });
  const [version, setVersion] = useState<CalVersion>(2019);
  const org = orgId || orgList[0]?.id || '';
  const act = useWrite(props, 'ch', () =>
    api<ConfirmationAnswer>(props.keyring, 'ch', 'POST', '/phone/activate', { productId: productId.value, orgId: org, company, serverVersion: version }),
  );
  const set = (k: keyof typeof company) => (v: string) => setCompany({ ...company, [k]: v });
  const ready = productId.check?.state === 'valid' && org !== '';
  const d = useTexts(D);
  return (
    <Card title={d.phoneActivation} id="phone-activation">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void act.go();
        }}
      >
        <CodeField label={d.productId} kinds="productId" name="productId" code={productId} onChange={setProductId} />
        <div class="row">
          <Select label={d.organization} name="orgId" value={org} options={orgList.map((o) => ({ value: o.id, label: `${o.name} (${o.id})` }))} onChange={setOrgId} />
          <Select label={d.serverVersion} name="serverVersion" value={version} options={CAL_VERSIONS} onChange={setVersion} />
        </div>
        <div class="row">
          <TextInput label={d.firstName} value={company.firstName} onInput={set('firstName')} required />
          <TextInput label={d.lastName} value={company.lastName} onInput={set('lastName')} required />
          <TextInput label={d.company} value={company.company} onInput={set('company')} required />
          <TextInput label={d.country} value={company.country} onInput={set('country')} required />
        </div>
        <button type="submit" disabled={!ready || act.busy}>
          {d.activate}
        </button>
      </form>
      <Refusal error={orgs.error} />
      <Refusal error={act.error} />
      {act.result ? (
        <div class="alert ok" role="status">
          {fill(d.activated, { id: act.result.licenseServerId })}
          <ReadBack label={d.confirmation} code={act.result.confirmation} testId="phone-confirmation" />
        </div>
      ) : null}
    </Card>
  );
}

function PhoneReissue(props: PageProps & { onDone: () => void }) {
  const [target, setTarget] = useState<TypedCode>({ value: '' });
  const [migrationReason, setMigrationReason] = useState<MigrationReason>('reinstalled');
  const [packKey, setPackKey] = useState<TypedCode>({ value: '' });
  const [program, setProgram] = useState(emptyProgramFields('select'));
  const [cal, setCal] = useState<{ calType: CalType; calVersion: CalVersion }>({ calType: 'device', calVersion: 2019 });
  const [receipt, setReceipt] = useState<TypedCode>({ value: '' });
  const [proof, setProof] = useState('');
  const [note, setNote] = useState('');
  const noteId = useId('note');
  const byServerId = target.value.replace(/[\s-]/g, '').length === 35;
  const go = useWrite(
    props,
    'ch',
    () =>
      api<CaseAnswer>(props.keyring, 'ch', 'POST', '/phone/reissue', {
        ...(byServerId ? { serverId: target.value, migrationReason } : { migrationCode: target.value }),
        ...packRequestFields({ packKey, program, cal, receipt, proof }),
        reason: note.trim(),
      }),
    props.onDone,
  );
  const ready = target.check?.state === 'valid' && packKey.check?.state === 'valid' && note.trim() !== '' && (receipt.value.trim() === '' || receipt.check?.state === 'valid');
  const d = useTexts(D);
  return (
    <Card title={d.phoneReissue} id="phone-reissue">
      <p class="hint">{d.reissueHint}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) void go.go();
        }}
      >
        <CodeField
          label={d.target}
          kinds={['migrationCode', 'licenseServerId']}
          name="target"
          code={target}
          onChange={setTarget}
          hint={d.targetHint}
        />
        {byServerId ? (
          <Select
            label={d.migrationReason}
            name="migrationReason"
            value={migrationReason}
            options={MIGRATION_REASONS.map((r) => ({ value: r, label: r }))}
            onChange={setMigrationReason}
          />
        ) : null}
        <CodeField label={d.packKey} kinds="packKey" name="packKey" code={packKey} onChange={setPackKey} />
        <CalInputs calType={cal.calType} calVersion={cal.calVersion} onChange={setCal} />
        <ProgramInputs value={program} onChange={setProgram} />
        <details>
          <summary>{d.optionalEvidence}</summary>
          <CodeField label={d.receipt} kinds="deactivationReceipt" name="receipt" code={receipt} onChange={setReceipt} />
          <TextInput label={d.proof} name="proofOfPurchase" value={proof} onInput={setProof} />
        </details>
        <label for={noteId}>{d.note}</label>
        <textarea id={noteId} name="note" rows={2} value={note} onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)} required />
        <div>
          <button type="submit" disabled={!ready || go.busy}>
            {d.reissue}
          </button>
        </div>
      </form>
      <Refusal error={go.error} />
      {go.result ? (
        <>
          <CaseOutcome c={go.result.case} />
          {go.result.keyPackId ? <ReadBack label={d.keyPackId} code={go.result.keyPackId} testId="reissue-key-pack-id" /> : null}
        </>
      ) : null}
    </Card>
  );
}

export function AgentDesk(props: PageProps) {
  // the pending cases of the page the queue's table shows, each with its evidence and decision form below
  const [queue, setQueue] = useState<CaseView[]>();
  const [queueKey, setQueueKey] = useState(0);
  const [allKey, setAllKey] = useState(0);
  const reload = () => {
    setQueueKey((n) => n + 1);
    setAllKey((n) => n + 1);
  };
  const [decided, setDecided] = useState<string[]>([]);
  // a decided case stays shown with its outcome until the queue is read again
  const [kept, setKept] = useState<CaseView[]>([]);
  const t = useTexts(T);
  const d = useTexts(D);
  const now = useServerNow();
  const shown = [...(queue ?? []), ...kept.filter((k) => !(queue ?? []).some((c) => c.caseNumber === k.caseNumber))];
  return (
    <>
      <Card title={t.queue} id="review-queue">
        <PendingCasesList
          keyring={props.keyring}
          label={t.queue}
          reloadKey={queueKey}
          onRows={(rows) => {
            setQueue(rows);
            setKept([]);
          }}
        />
        {queue === undefined ? <p class="hint" role="status">{t.queueLoading}</p> : null}
        {queue && shown.length === 0 && decided.length === 0 ? <Empty>{t.queueEmpty}</Empty> : null}
        {shown.map((c) => (
          <ReviewItem
            key={c.caseNumber}
            {...props}
            c={c}
            now={now}
            onDecided={() => {
              setDecided((d) => [...d, c.caseNumber]);
              setKept((k) => [...k, c]);
              setAllKey((n) => n + 1);
            }}
          />
        ))}
        <button type="button" class="secondary" onClick={reload}>
          {t.refresh}
        </button>
      </Card>
      <PhoneActivation {...props} />
      <PhoneReissue {...props} onDone={reload} />
      <Card title={d.allCases} id="all-cases">
        <CasesList keyring={props.keyring} reloadKey={allKey} name="all-cases" />
      </Card>
    </>
  );
}

/** Views of the API answers that several pages show, and form pieces they share. */
import type { CaseView, TokenList, TokenView } from '../../core/wire/clearinghouse';
import { sourceSeenPhrase } from '../../core/diagnosis-snapshot';
import { AGREEMENT_PROGRAMS, CAL_TYPES, CAL_VERSIONS, PROGRAMS, type CalType, type CalVersion, type Program } from '../../core/vocabulary';
import { api, scopeFromRefusal, type ApiResult, type Component, type KeyringEntry } from '../api';
import { defineTexts, fill, useTexts } from '../i18n';
import { ListTable, type ListColumn } from '../list-table';
import type { PageProps } from '../app';
import { useState } from 'preact/hooks';
import { useLoss } from '../guided';
import { Badge, ConfirmLoss, Card, Loading, Copyable, formatDate, Refusal, Select, TableHead, TextInput, useAction, useLoad, type TypedCode } from '../ui';

const T = defineTexts({
  en: {
    program: 'Program',
    licenseNumber: 'License number',
    licenseNumberHint: '8 digits',
    authorizationNumber: 'Authorization number',
    authorizationNumberHint: '15 letters and digits',
    agreementNumber: 'Agreement number',
    agreementNumberHint: '7 digits',
    calType: 'CAL type',
    calVersion: 'CAL version',
    perDevice: 'Per Device',
    perUser: 'Per User',
    approved: 'Approved',
    approvedCase: 'case',
    approvedText: '. Type this key pack ID in the license manager (Install licenses → key pack ID):',
    keyPackIdLabel: 'key pack ID',
    grantAutomatic: 'the grant is delivered automatically at the next check-in',
    rejected: 'Rejected',
    rejectedReason: '. Reason: ',
    noneGiven: 'none given',
    pending: 'Pending',
    caseNumber: 'case number',
    pendingText: '. An agent reviews it; quote the case number on the phone.',
    awaited: 'Awaited:',
    colCase: 'Case',
    colKind: 'Kind',
    colStatus: 'Status',
    colPack: 'Pack',
    colTarget: 'Target license server',
    colAwaited: 'Awaited / decision',
    colKeyPackId: 'Key pack ID',
    colOpened: 'Opened',
    colTime: 'Time',
    colComponent: 'Component',
    colEvent: 'Event',
    colLevel: 'Level',
    colMessage: 'Message',
    tokens: 'Tokens',
    noToken: 'No live token.',
    colToken: 'Token',
    colFor: 'For',
    colCreated: 'Created',
    joinUnused: 'join token (unused)',
    revokeLabel: 'Revoke token {id}',
    revoke: 'Revoke',
    revoked: 'Token {id} ({kind}) revoked: it is refused from now on.',
  },
  fr: {
    program: 'Programme',
    licenseNumber: 'Numéro de licence',
    licenseNumberHint: '8 chiffres',
    authorizationNumber: 'Numéro d’autorisation',
    authorizationNumberHint: '15 lettres et chiffres',
    agreementNumber: 'Numéro de contrat',
    agreementNumberHint: '7 chiffres',
    calType: 'Type de CAL',
    calVersion: 'Version de CAL',
    perDevice: 'Par appareil',
    perUser: 'Par utilisateur',
    approved: 'Approuvé',
    approvedCase: 'dossier',
    approvedText: '. Tapez cet ID de pack de licences dans le gestionnaire de licences (Installer des licences → ID de pack de licences) :',
    keyPackIdLabel: 'ID de pack de licences',
    grantAutomatic: 'l’octroi est remis automatiquement au prochain contact',
    rejected: 'Refusé',
    rejectedReason: '. Motif : ',
    noneGiven: 'aucun donné',
    pending: 'En attente',
    caseNumber: 'numéro de dossier',
    pendingText: '. Un agent l’examine ; donnez le numéro de dossier au téléphone.',
    awaited: 'Attendu :',
    colCase: 'Dossier',
    colKind: 'Nature',
    colStatus: 'État',
    colPack: 'Pack',
    colTarget: 'Serveur de licences cible',
    colAwaited: 'Attendu / décision',
    colKeyPackId: 'ID de pack de licences',
    colOpened: 'Ouvert le',
    colTime: 'Heure',
    colComponent: 'Composant',
    colEvent: 'Événement',
    colLevel: 'Niveau',
    colMessage: 'Message',
    tokens: 'Jetons',
    noToken: 'Aucun jeton valide.',
    colToken: 'Jeton',
    colFor: 'Pour',
    colCreated: 'Créé le',
    joinUnused: 'jeton d’adhésion (inutilisé)',
    revokeLabel: 'Révoquer le jeton {id}',
    revoke: 'Révoquer',
    revoked: 'Jeton {id} ({kind}) révoqué : il est refusé désormais.',
  },
});

/** useAction for a write: a refusal that names the scope it wanted teaches the keyring that token's scope. */
export function useWrite<T, A extends unknown[]>(props: Pick<PageProps, 'learnScope'>, component: Component, run: (...a: A) => Promise<ApiResult<T>>, onDone?: (v: T) => void) {
  return useAction(async (...a: A) => {
    const r = await run(...a);
    if (!r.ok) {
      const s = scopeFromRefusal(r.error);
      if (s) props.learnScope(component, s);
    }
    return r;
  }, onDone);
}

/** The pack part of a migration or reissue request: pack key, program and its data, CAL type and version, evidence. */
export function packRequestFields(f: { packKey: TypedCode; program: ProgramFields; cal: { calType: CalType; calVersion: CalVersion }; receipt: TypedCode; proof: string }) {
  return {
    packKey: f.packKey.value,
    program: f.program.program,
    calType: f.cal.calType,
    calVersion: f.cal.calVersion,
    ...programData(f.program),
    ...(f.receipt.value.trim() ? { receipt: f.receipt.value } : {}),
    ...(f.proof.trim() ? { proofOfPurchase: f.proof.trim() } : {}),
  };
}

export interface ProgramFields {
  program: Program;
  licenseNumber: string;
  authorizationNumber: string;
  agreementNumber: string;
}

export const emptyProgramFields = (program: Program = 'select'): ProgramFields => ({ program, licenseNumber: '', authorizationNumber: '', agreementNumber: '' });

/** The program data the API takes, for the program chosen (Open: license + authorization; agreements: the number). */
export function programData(f: ProgramFields): { licenseNumber?: string; authorizationNumber?: string; agreementNumber?: string } {
  if (f.program === 'open') return { licenseNumber: f.licenseNumber.trim(), authorizationNumber: f.authorizationNumber.trim() };
  if (AGREEMENT_PROGRAMS.includes(f.program)) return { agreementNumber: f.agreementNumber.trim() };
  return {};
}

export function ProgramInputs(props: { value: ProgramFields; onChange: (v: ProgramFields) => void; withProgram?: boolean }) {
  const v = props.value;
  const set = (patch: Partial<ProgramFields>) => props.onChange({ ...v, ...patch });
  const t = useTexts(T);
  return (
    <div class="row">
      {props.withProgram !== false ? <Select label={t.program} name="program" value={v.program} options={PROGRAMS} onChange={(program) => set({ program })} /> : null}
      {v.program === 'open' ? (
        <>
          <TextInput label={t.licenseNumber} name="licenseNumber" value={v.licenseNumber} onInput={(licenseNumber) => set({ licenseNumber })} hint={t.licenseNumberHint} />
          <TextInput label={t.authorizationNumber} name="authorizationNumber" value={v.authorizationNumber} onInput={(authorizationNumber) => set({ authorizationNumber })} hint={t.authorizationNumberHint} />
        </>
      ) : AGREEMENT_PROGRAMS.includes(v.program) ? (
        <TextInput label={t.agreementNumber} name="agreementNumber" value={v.agreementNumber} onInput={(agreementNumber) => set({ agreementNumber })} hint={t.agreementNumberHint} />
      ) : null}
    </div>
  );
}

export function CalInputs(props: { calType: CalType; calVersion: CalVersion; onChange: (v: { calType: CalType; calVersion: CalVersion }) => void }) {
  const tx = useTexts(T);
  return (
    <div class="row">
      <Select label={tx.calType} name="calType" value={props.calType} options={CAL_TYPES.map((t) => ({ value: t, label: t === 'device' ? tx.perDevice : tx.perUser }))} onChange={(calType) => props.onChange({ calType, calVersion: props.calVersion })} />
      <Select label={tx.calVersion} name="calVersion" value={props.calVersion} options={CAL_VERSIONS.map((v) => ({ value: v, label: `Windows Server ${v}` }))} onChange={(calVersion) => props.onChange({ calType: props.calType, calVersion })} />
    </div>
  );
}

/** What the user waits for, in words, from a case: the reasons it is pending and when the source was last seen. */
export function awaiting(c: CaseView): string[] {
  // The real last check-in, never the activation time the decision falls back on.
  const seen = sourceSeenPhrase(c.evidence ?? {});
  return c.decisionReasons.map((r) => (r.code === 'SOURCE_CHECKED_IN_RECENTLY' && seen ? seen : r.text));
}

/** The outcome of a migration or reissue, as the portal and the agent desk show it. */
export function CaseOutcome(props: { c: CaseView }) {
  const t = useTexts(T);
  const c = props.c;
  if (c.status === 'approved') {
    return (
      <div class="alert ok" role="status" data-testid="case-outcome" data-status="approved">
        <strong>{t.approved}</strong> — {t.approvedCase} <span class="mono">{c.caseNumber}</span>
        {t.approvedText}
        <div>{c.keyPackId ? <Copyable value={c.keyPackId} label={t.keyPackIdLabel} testId="key-pack-id" /> : <em>{t.grantAutomatic}</em>}</div>
      </div>
    );
  }
  if (c.status === 'rejected') {
    return (
      <div class="alert error" role="status" data-testid="case-outcome" data-status="rejected">
        <strong>{t.rejected}</strong> — {t.approvedCase} <span class="mono">{c.caseNumber}</span>
        {t.rejectedReason}
        {c.decisionNote ?? (c.decisionReasons.map((r) => r.text).join('; ') || t.noneGiven)}
      </div>
    );
  }
  const waits = awaiting(c);
  return (
    <div class="alert pending" role="status" data-testid="case-outcome" data-status={c.status}>
      <strong>{t.pending}</strong> — {t.caseNumber} <span class="mono" data-testid="case-number">{c.caseNumber}</span>
      {t.pendingText}
      {waits.length > 0 ? (
        <>
          <div>{t.awaited}</div>
          <ul>
            {waits.map((w) => (
              <li>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

export function CaseRow(props: { c: CaseView }) {
  const c = props.c;
  return (
    <tr data-case={c.caseNumber}>
      <td class="mono">{c.caseNumber}</td>
      <td>{c.kind}</td>
      <td>
        <Badge value={c.status} />
      </td>
      <td>{c.pack ?? '—'}</td>
      <td class="mono small">{c.targetServerId ?? '—'}</td>
      <td>{c.status === 'pending' ? awaiting(c).join('; ') : c.decisionNote ?? ''}</td>
      <td class="mono small">{c.keyPackId ?? ''}</td>
      <td>{formatDate(c.createdAt)}</td>
    </tr>
  );
}

export function CaseTable(props: { cases: CaseView[] }) {
  const t = useTexts(T);
  return (
    <table>
      <TableHead columns={[t.colCase, t.colKind, t.colStatus, t.colPack, t.colTarget, t.colAwaited, t.colKeyPackId, t.colOpened]} />
      <tbody>
        {props.cases.map((c) => (
          <CaseRow c={c} />
        ))}
      </tbody>
    </table>
  );
}

export interface EventView {
  id: number | string;
  eventId: number;
  level: string;
  channel?: string;
  message: string;
  at: string;
  /** shown in a Component column when the table mixes components (the diagnoser's). */
  component?: string;
}

const EVENT_CARD = defineTexts({
  en: { title: 'Events', refresh: 'Refresh', time: 'Time', event: 'Event', level: 'Level', message: 'Message', log: 'Events of this component' },
  fr: { title: 'Événements', refresh: 'Actualiser', time: 'Heure', event: 'Événement', level: 'Niveau', message: 'Message', log: 'Événements de ce composant' },
});

/** A component's events, newest first, paged by the server (the events page filters and follows them). */
export function EventsCard(props: { id: string; keyring: readonly KeyringEntry[]; component: Component; reloadKey: number; onRefresh: () => void }) {
  const t = useTexts(EVENT_CARD);
  const columns: ListColumn<EventView & { id: number }>[] = [
    { title: t.time, sort: 'at', cell: (e) => formatDate(e.at), class: 'time' },
    { title: t.event, sort: 'eventId', cell: (e) => e.eventId, class: 'mono' },
    { title: t.level, sort: 'level', cell: (e) => <Badge value={e.level} /> },
    { title: t.message, cell: (e) => e.message },
  ];
  return (
    <Card title={t.title} id={props.id}>
      <ListTable<EventView & { id: number }>
        keyring={props.keyring}
        component={props.component}
        path="/events"
        rowsKey="events"
        filters={{}}
        columns={columns}
        defaultSort="-at"
        rowId={(e) => e.id}
        label={t.log}
        csvName={`${props.component}-events.csv`}
        reloadKey={props.reloadKey}
      />
      <button type="button" class="secondary" onClick={props.onRefresh}>
        {t.refresh}
      </button>
    </Card>
  );
}

export function EventTable(props: { events: EventView[]; withComponent?: boolean }) {
  const t = useTexts(T);
  return (
    <table>
      <TableHead columns={[t.colTime, ...(props.withComponent ? [t.colComponent] : []), t.colEvent, t.colLevel, t.colMessage]} />
      <tbody>
        {props.events.map((e) => (
          <tr>
            <td class="time">{formatDate(e.at)}</td>
            {props.withComponent ? <td>{e.component}</td> : null}
            <td class="mono">{e.eventId}</td>
            <td>
              <Badge value={e.level} />
            </td>
            <td>{e.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The tokens of a component (DESIGN §4: every token can be listed and revoked): what each one is for, never its
 * secret, and a button to revoke it. The license manager shows its server's tokens, the portal its organization's.
 */
export function TokensCard(props: PageProps & { component: 'ch' | 'ls' }) {
  const tokens = useLoad(() => api<TokenList>(props.keyring, props.component, 'GET', '/tokens'));
  const revoke = useWrite(props, props.component, (id: string) => api<TokenView>(props.keyring, props.component, 'DELETE', `/tokens/${encodeURIComponent(id)}`), tokens.reload);
  const [confirming, setConfirming] = useState<string>();
  const loss = useLoss();
  const tx = useTexts(T);
  return (
    <Card title={tx.tokens} id="tokens">
      <Loading loaded={tokens} empty={(d) => d.tokens.length === 0} emptyText={tx.noToken}>
        {(d) => (
        <table>
          <TableHead columns={[tx.colToken, tx.colKind, tx.colFor, tx.colCreated, '']} />
          <tbody>
            {d.tokens.map((t) => (
              <tr data-token={t.id}>
                <td class="mono small">{t.id}</td>
                <td>{t.kind === 'join' ? tx.joinUnused : t.kind}</td>
                <td>{t.label ?? t.subject ?? '—'}</td>
                <td>{formatDate(t.createdAt)}</td>
                <td>
                  {confirming === t.id ? (
                    <ConfirmLoss
                      loss={loss('tokenRevoke', { id: t.id, kind: t.kind, who: t.label ?? t.subject ?? '—' })}
                      confirmLabel={loss('confirmTokenRevoke', {})}
                      busy={revoke.busy}
                      onConfirm={() => void revoke.go(t.id).then(() => setConfirming(undefined))}
                      onCancel={() => setConfirming(undefined)}
                    />
                  ) : (
                    <button type="button" class="danger" disabled={revoke.busy} onClick={() => setConfirming(t.id)} aria-label={fill(tx.revokeLabel, { id: t.id })}>
                      {tx.revoke}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        )}
      </Loading>
      <Refusal error={revoke.error} />
      {revoke.result ? (
        <div class="alert ok" role="status">
          {fill(tx.revoked, { id: revoke.result.id, kind: revoke.result.kind })}
        </div>
      ) : null}
    </Card>
  );
}

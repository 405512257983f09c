/** Views of the API answers that several pages show, and form pieces they share. */
import type { CaseView, TokenList, TokenView } from '../../core/wire/clearinghouse';
import { sourceSeenPhrase } from '../../core/diagnosis-snapshot';
import { AGREEMENT_PROGRAMS, CAL_TYPES, CAL_VERSIONS, PROGRAMS, type CalType, type CalVersion, type Program } from '../../core/vocabulary';
import { api, scopeFromRefusal, type ApiResult, type Component, type KeyringEntry } from '../api';
import { defineTexts, useTexts } from '../i18n';
import { ListTable, type ListColumn } from '../list-table';
import type { PageProps } from '../app';
import { useState } from 'preact/hooks';
import { useLoss } from '../guided';
import { Badge, ConfirmLoss, Card, Loading, Copyable, formatDate, Refusal, Select, TableHead, TextInput, useAction, useLoad, type TypedCode } from '../ui';

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
  return (
    <div class="row">
      {props.withProgram !== false ? <Select label="Program" name="program" value={v.program} options={PROGRAMS} onChange={(program) => set({ program })} /> : null}
      {v.program === 'open' ? (
        <>
          <TextInput label="License number" name="licenseNumber" value={v.licenseNumber} onInput={(licenseNumber) => set({ licenseNumber })} hint="8 digits" />
          <TextInput label="Authorization number" name="authorizationNumber" value={v.authorizationNumber} onInput={(authorizationNumber) => set({ authorizationNumber })} hint="15 letters and digits" />
        </>
      ) : AGREEMENT_PROGRAMS.includes(v.program) ? (
        <TextInput label="Agreement number" name="agreementNumber" value={v.agreementNumber} onInput={(agreementNumber) => set({ agreementNumber })} hint="7 digits" />
      ) : null}
    </div>
  );
}

export function CalInputs(props: { calType: CalType; calVersion: CalVersion; onChange: (v: { calType: CalType; calVersion: CalVersion }) => void }) {
  return (
    <div class="row">
      <Select label="CAL type" name="calType" value={props.calType} options={CAL_TYPES.map((t) => ({ value: t, label: t === 'device' ? 'Per Device' : 'Per User' }))} onChange={(calType) => props.onChange({ calType, calVersion: props.calVersion })} />
      <Select label="CAL version" name="calVersion" value={props.calVersion} options={CAL_VERSIONS.map((v) => ({ value: v, label: `Windows Server ${v}` }))} onChange={(calVersion) => props.onChange({ calType: props.calType, calVersion })} />
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
  const c = props.c;
  if (c.status === 'approved') {
    return (
      <div class="alert ok" role="status" data-testid="case-outcome" data-status="approved">
        <strong>Approved</strong> — case <span class="mono">{c.caseNumber}</span>. Type this key pack ID in the license manager (Install licenses → key pack ID):
        <div>{c.keyPackId ? <Copyable value={c.keyPackId} label="key pack ID" testId="key-pack-id" /> : <em>the grant is delivered automatically at the next check-in</em>}</div>
      </div>
    );
  }
  if (c.status === 'rejected') {
    return (
      <div class="alert error" role="status" data-testid="case-outcome" data-status="rejected">
        <strong>Rejected</strong> — case <span class="mono">{c.caseNumber}</span>. Reason: {c.decisionNote ?? (c.decisionReasons.map((r) => r.text).join('; ') || 'none given')}
      </div>
    );
  }
  const waits = awaiting(c);
  return (
    <div class="alert pending" role="status" data-testid="case-outcome" data-status={c.status}>
      <strong>Pending</strong> — case number <span class="mono" data-testid="case-number">{c.caseNumber}</span>. An agent reviews it; quote the case number on the
      phone.
      {waits.length > 0 ? (
        <>
          <div>Awaited:</div>
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
  return (
    <table>
      <TableHead columns={['Case', 'Kind', 'Status', 'Pack', 'Target license server', 'Awaited / decision', 'Key pack ID', 'Opened']} />
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
  return (
    <table>
      <TableHead columns={['Time', ...(props.withComponent ? ['Component'] : []), 'Event', 'Level', 'Message']} />
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
  return (
    <Card title="Tokens" id="tokens">
      <Loading loaded={tokens} empty={(d) => d.tokens.length === 0} emptyText="No live token.">
        {(d) => (
        <table>
          <TableHead columns={['Token', 'Kind', 'For', 'Created', '']} />
          <tbody>
            {d.tokens.map((t) => (
              <tr data-token={t.id}>
                <td class="mono small">{t.id}</td>
                <td>{t.kind === 'join' ? 'join token (unused)' : t.kind}</td>
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
                    <button type="button" class="danger" disabled={revoke.busy} onClick={() => setConfirming(t.id)} aria-label={`Revoke token ${t.id}`}>
                      Revoke
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
          Token {revoke.result.id} ({revoke.result.kind}) revoked: it is refused from now on.
        </div>
      ) : null}
    </Card>
  );
}

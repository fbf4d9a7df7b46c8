/** The audit trail, newest first, and a check of its hash chain (admins). */
import { useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, usePoll } from '../components/bits';
import { t, type StringKey } from '../i18n';
import { strings } from '../strings';
import { fmtBytes, fmtDateTime } from '../time';
import type { AuditEntry } from '../types';

/** The action in words when the app knows it; the API's code otherwise (it is what the chain holds). */
function actionText(action: string): string {
  const key = `action.${action}`;
  return key in strings ? t(key as StringKey) : action;
}

interface Chain { ok: boolean; entries: number; problem: { id: number; kind: string; message: string } | null }

export function AuditPage() {
  const [limit, setLimit] = useState(100);
  const page = usePoll(() => api<{ entries: AuditEntry[]; more: boolean }>(`/audit?limit=${limit}`), 15_000, [limit]);
  const [chain, setChain] = useState<Chain | null>(null);
  const [error, setError] = useState<unknown>(null);
  const verify = () => api<Chain>('/audit/verify').then(setChain, setError);
  return (
    <section class="audit-page">
      <div class="bar">
        <h2>{t('nav.audit')}</h2>
        <span class="spacer" />
        <button type="button" onClick={() => void verify()}>{t('audit.verify')}</button>
        {chain && <span class={chain.ok ? 'ok' : 'error'} data-chain-ok={String(chain.ok)}>{chain.ok ? t('audit.chainOk', { n: chain.entries }) : `${t('audit.chainBroken')}: ${chain.problem?.message ?? ''}`}</span>}
      </div>
      <ErrorLine error={error ?? page.error} />
      <div class="table-wrap"><table class="audit">
        <thead><tr><th>{t('audit.when')}</th><th>{t('audit.who')}</th><th>{t('audit.action')}</th><th>{t('audit.result')}</th><th>{t('audit.what')}</th></tr></thead>
        <tbody>{(page.value?.entries ?? []).map((e) => (
          <tr key={e.id} data-action={e.action} data-result={e.result}>
            <td>{fmtDateTime(e.atMs)}</td>
            <td>{e.actor}<div class="muted small">{e.address}</div></td>
            <td title={e.action}>{actionText(e.action)}</td>
            <td class={e.result === 'ok' ? '' : 'error'}>{e.result}</td>
            <td>
              {e.cameraId && <span>{e.cameraId} </span>}
              {e.fromMs !== null && <span class="muted">{fmtDateTime(e.fromMs)}{e.toMs !== null && e.toMs !== e.fromMs ? ` → ${fmtDateTime(e.toMs)}` : ''} </span>}
              {e.bytes !== null && e.bytes > 0 && <span class="muted">{fmtBytes(e.bytes)} </span>}
              {e.detail && <div class="small">{e.detail}</div>}
            </td>
          </tr>
        ))}</tbody>
      </table></div>
      {page.value?.more && <button type="button" onClick={() => setLimit(Math.min(limit * 2, 1000))}>{t('audit.more')}</button>}
    </section>
  );
}

/**
 * Evidence: holds (footage retention may not delete) and exports (packages for a case),
 * with progress, download and release. Exports are listed when the box has the export
 * service; until then the page says so instead of failing.
 */
import { api, ApiError, errorText } from '../api';
import { ErrorLine, usePoll } from '../components/bits';
import { t } from '../i18n';
import { linkClick, pathWith } from '../router';
import { fmtBytes, fmtDateTime } from '../time';
import type { ExportJob, Hold } from '../types';

function Range({ fromMs, toMs }: { fromMs: number; toMs: number }) {
  return <span>{fmtDateTime(fromMs)} → {fmtDateTime(toMs)}</span>;
}

function HoldRow({ hold, onChanged }: { hold: Hold; onChanged: () => void }) {
  const release = async () => {
    if (!window.confirm(t('ev.confirmRelease', { id: hold.id, case: hold.caseNumber }))) return;
    try {
      await api(`/holds/${hold.id}/release`, { method: 'POST' });
    } catch (err) {
      window.alert(errorText(err));
    }
    onChanged();
  };
  return (
    <tr data-hold={hold.id}>
      <td>{hold.id}</td>
      <td><strong>{hold.caseNumber}</strong><div class="muted small">{hold.reason}</div></td>
      <td>{hold.cameras.map((c) => <a key={c} href={pathWith(`/timeline/${encodeURIComponent(c)}`, { at: hold.fromMs })} onClick={linkClick}>{c} </a>)}</td>
      <td><Range fromMs={hold.fromMs} toMs={hold.toMs} /></td>
      <td>{fmtBytes(hold.bytes)}</td>
      <td>{hold.createdBy}<div class="muted small">{fmtDateTime(hold.createdMs)}</div></td>
      <td>{hold.active ? <span class="badge state-recording">{t('ev.active')}</span> : <span class="badge">{t('ev.released')}</span>}</td>
      <td>{hold.active && <button type="button" onClick={release}>{t('ev.release')}</button>}</td>
    </tr>
  );
}

function ExportRow({ job, onChanged }: { job: ExportJob; onChanged: () => void }) {
  const remove = async () => {
    if (!window.confirm(t('ev.confirmDelete', { id: job.id, case: job.caseNumber }))) return;
    try {
      await api(`/exports/${job.id}`, { method: 'DELETE' });
    } catch (err) {
      window.alert(errorText(err));
    }
    onChanged();
  };
  const percent = Math.round(job.progress * 100);
  return (
    <tr data-export={job.id} data-state={job.state}>
      <td>{job.id}</td>
      <td><strong>{job.caseNumber}</strong><div class="muted small">{job.reason}</div></td>
      <td>{job.cameras.join(', ')}</td>
      <td><Range fromMs={job.fromMs} toMs={job.toMs} /></td>
      <td>
        <span class={`badge ${job.state === 'done' ? 'state-recording' : job.state === 'failed' ? 'state-failed' : 'state-connecting'}`}>{t(`ex.${job.state}`)}</span>
        {(job.state === 'queued' || job.state === 'running') && <progress max={100} value={percent}>{percent}%</progress>}
        {job.error && <div class="error small">{job.error}</div>}
        {job.packageSha256 && <div class="muted small" title={job.packageSha256}>SHA-256 {job.packageSha256.slice(0, 16)}…</div>}
      </td>
      <td class="buttons">
        {job.downloadUrl && job.deletedMs === null && <a class="button primary" href={job.downloadUrl} download>{t('ev.download')}{job.packageBytes ? ` (${fmtBytes(job.packageBytes)})` : ''}</a>}
        {job.deletedMs === null && <button type="button" class="danger" onClick={remove}>{t('ev.delete')}</button>}
      </td>
    </tr>
  );
}

export function EvidencePage() {
  const holds = usePoll(() => api<{ holds: Hold[] }>('/holds'), 10_000, []);
  // A box without the export service answers 404: the page says so instead of failing.
  const exports = usePoll(() => api<{ exports: ExportJob[] }>('/exports').catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }), 3000, []);
  return (
    <section class="evidence-page">
      <h2>{t('ev.exports')}</h2>
      <ErrorLine error={exports.error} />
      {exports.value === null && !exports.error && <p class="note">{t('ev.noExports')}</p>}
      {exports.value && (exports.value.exports.length === 0 ? <p class="empty">{t('ev.noneYet')}</p> : (
        <div class="table-wrap"><table>
          <thead><tr><th>#</th><th>{t('act.caseNumber')}</th><th>{t('nav.cameras')}</th><th>{t('act.range')}</th><th>{t('ev.state')}</th><th /></tr></thead>
          <tbody>{exports.value.exports.map((job) => <ExportRow key={job.id} job={job} onChanged={exports.reload} />)}</tbody>
        </table></div>
      ))}
      <h2>{t('ev.holds')}</h2>
      <ErrorLine error={holds.error} />
      {holds.value && (holds.value.holds.length === 0 ? <p class="empty">{t('ev.noneYet')}</p> : (
        <div class="table-wrap"><table>
          <thead><tr><th>#</th><th>{t('act.caseNumber')}</th><th>{t('nav.cameras')}</th><th>{t('act.range')}</th><th>{t('ev.size')}</th><th>{t('ev.by')}</th><th>{t('ev.state')}</th><th /></tr></thead>
          <tbody>{holds.value.holds.map((h) => <HoldRow key={h.id} hold={h} onChanged={holds.reload} />)}</tbody>
        </table></div>
      ))}
    </section>
  );
}

/**
 * What an investigator takes out of the timeline: a range (typed, or set from the playing
 * instant) downloaded as an MP4 clip, a still of the playing instant, an evidence hold or
 * an export of the range with a case number and a reason. Only rendered for investigators
 * and admins; the API refuses these to viewers anyway.
 */
import { useState } from 'preact/hooks';
import { api, ApiError, apiUrl, errorText } from '../api';
import { t } from '../i18n';
import { linkClick } from '../router';
import { dayKey, fmtDuration, fmtTime, parseClock } from '../time';
import type { ExportJob, Hold, Span } from '../types';

interface Props {
  cameraId: string;
  day: number;
  wallMs: number | null;
  selection: Span | null;
  onSelection: (span: Span | null) => void;
}

type Kind = 'hold' | 'export';

function CaseForm({ kind, cameraId, span, onDone }: { kind: Kind; cameraId: string; span: Span; onDone: (text: string) => void }) {
  const [caseNumber, setCaseNumber] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    const body = { cameras: [cameraId], from: span.fromMs, to: span.toMs, caseNumber: caseNumber.trim(), reason: reason.trim() };
    try {
      if (kind === 'hold') {
        const hold = await api<Hold>('/holds', { method: 'POST', body });
        onDone(t('act.holdDone', { id: hold.id }));
      } else {
        const job = await api<ExportJob>('/exports', { method: 'POST', body });
        onDone(t('act.exportDone', { id: String(job.id), state: job.state }));
      }
    } catch (err) {
      setError(err instanceof ApiError && err.status === 404 && err.code === 'NOT_FOUND' ? t('act.exportMissing') : errorText(err));
    }
  };
  return (
    <form class="case-form" onSubmit={submit} data-kind={kind}>
      <label>{t('act.caseNumber')}<input name="caseNumber" required value={caseNumber} onInput={(e) => setCaseNumber(e.currentTarget.value)} /></label>
      <label>{t('act.reason')}<input name="reason" required value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></label>
      <button type="submit" class="primary">{kind === 'hold' ? t('act.hold') : t('act.export')}</button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function FootageActions({ cameraId, day, wallMs, selection, onSelection }: Props) {
  const [form, setForm] = useState<Kind | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const setEdge = (edge: 'fromMs' | 'toMs', ms: number | null) => {
    if (ms === null) return;
    const next = { fromMs: selection?.fromMs ?? ms, toMs: selection?.toMs ?? ms, [edge]: ms };
    onSelection(next);
  };
  const fromInput = (value: string) => {
    const secs = parseClock(value);
    return secs === null ? null : day + secs * 1000;
  };
  const valid = selection !== null && selection.toMs > selection.fromMs;
  const clipName = valid ? `${cameraId}-${dayKey(selection.fromMs)}-${fmtTime(selection.fromMs).replace(/:/g, '')}.mp4` : '';
  return (
    <div class="actions-panel">
      <fieldset class="range">
        <legend>{t('act.range')}</legend>
        <label>{t('act.from')}
          <input type="time" step={1} name="from" value={selection ? fmtTime(selection.fromMs) : ''} onChange={(e) => setEdge('fromMs', fromInput(e.currentTarget.value))} />
        </label>
        <button type="button" onClick={() => setEdge('fromMs', wallMs)} disabled={wallMs === null}>{t('act.setFrom')}</button>
        <label>{t('act.to')}
          <input type="time" step={1} name="to" value={selection ? fmtTime(selection.toMs) : ''} onChange={(e) => setEdge('toMs', fromInput(e.currentTarget.value))} />
        </label>
        <button type="button" onClick={() => setEdge('toMs', wallMs)} disabled={wallMs === null}>{t('act.setTo')}</button>
        {selection && <span class={valid ? 'muted' : 'error'}>{valid ? fmtDuration(selection.toMs - selection.fromMs) : t('act.badRange')}</span>}
      </fieldset>
      <div class="buttons">
        {valid
          ? <a class="button primary" data-action="clip" download={clipName} href={apiUrl(`/cameras/${encodeURIComponent(cameraId)}/clip.mp4`, { from: selection.fromMs, to: selection.toMs })}>{t('act.clip')}</a>
          : <button type="button" disabled data-action="clip">{t('act.clip')}</button>}
        {wallMs !== null
          ? <a class="button" data-action="still" target="_blank" rel="noopener" href={apiUrl(`/cameras/${encodeURIComponent(cameraId)}/still.jpg`, { at: wallMs })}>{t('act.still')}</a>
          : <button type="button" disabled data-action="still">{t('act.still')}</button>}
        <button type="button" data-action="hold" disabled={!valid} onClick={() => { setForm('hold'); setDone(null); }}>{t('act.hold')}…</button>
        <button type="button" data-action="export" disabled={!valid} onClick={() => { setForm('export'); setDone(null); }}>{t('act.export')}…</button>
      </div>
      {form && valid && !done && <CaseForm kind={form} cameraId={cameraId} span={selection} onDone={setDone} />}
      {done && <p class="ok" role="status">{done} <a href="/evidence" onClick={linkClick}>{t('nav.evidence')}</a></p>}
    </div>
  );
}

/**
 * Tracing a suspect from camera to camera: pick an instant and the cameras along a road
 * or hamlet, see their stills side by side, step back and forward by an interval, and
 * open any of them in its timeline at that instant. The state lives in the URL, so a
 * trace can be bookmarked or sent to a colleague.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, usePoll } from '../components/bits';
import { t } from '../i18n';
import { linkClick, navigate, pathWith } from '../router';
import { fmtDateTime, fromLocalInput, toLocalInput } from '../time';
import type { Camera, Still } from '../types';

const steps = [5, 10, 30, 60, 300, 600, 1800];

function stepLabel(s: number): string {
  return s < 60 ? `${s} s` : `${s / 60} min`;
}

export function TracePage({ query }: { query: URLSearchParams }) {
  const cameras = usePoll(() => api<{ cameras: Camera[] }>('/cameras'), 0, []);
  const atMs = Number(query.get('at')) || Date.now() - 60_000;
  const chosen = (query.get('cameras') ?? '').split(',').filter(Boolean);
  const step = Number(query.get('step')) || 30;
  const [draft, setDraft] = useState(toLocalInput(atMs));
  const [stills, setStills] = useState<{ atMs: number; stills: Still[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const go = (next: { at?: number; cameras?: string[]; step?: number }) =>
    navigate(pathWith('/trace', { at: next.at ?? atMs, cameras: (next.cameras ?? chosen).join(','), step: next.step ?? step }), { replace: true });

  useEffect(() => setDraft(toLocalInput(atMs)), [atMs]);
  useEffect(() => {
    if (chosen.length === 0 || !query.get('at')) return;
    let alive = true;
    setBusy(true);
    api<{ atMs: number; stills: Still[] }>(`/stills?${new URLSearchParams({ at: String(atMs), cameras: chosen.join(',') }).toString()}`)
      .then((v) => { if (alive) { setStills(v); setError(null); } }, (e: unknown) => { if (alive) setError(e); })
      .finally(() => { if (alive) setBusy(false); });
    return () => { alive = false; };
  }, [atMs, chosen.join(',')]);

  const toggle = (id: string) => go({ cameras: chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id] });
  const names = new Map((cameras.value?.cameras ?? []).map((c) => [c.id, c.name]));

  return (
    <section class="trace-page">
      <h2>{t('trace.title')}</h2>
      <form class="bar" onSubmit={(e) => { e.preventDefault(); const ms = fromLocalInput(draft); if (ms !== null) go({ at: ms }); }}>
        <label>{t('trace.at')}
          <input type="datetime-local" step={1} name="at" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
        </label>
        <label>{t('trace.step')}
          <select value={step} onChange={(e) => go({ step: Number(e.currentTarget.value) })}>
            {steps.map((s) => <option key={s} value={s}>{stepLabel(s)}</option>)}
          </select>
        </label>
        <button type="submit" class="primary" disabled={chosen.length === 0}>{t('trace.show')}</button>
      </form>
      <fieldset class="camera-picks">
        <legend>{t('trace.cameras')}</legend>
        {(cameras.value?.cameras ?? []).map((c) => (
          <label key={c.id} class="check"><input type="checkbox" name="camera" value={c.id} checked={chosen.includes(c.id)} onChange={() => toggle(c.id)} /> {c.name}</label>
        ))}
      </fieldset>
      <div class="bar step-bar">
        <button type="button" onClick={() => go({ at: atMs - step * 1000 })} disabled={chosen.length === 0}>◀ {stepLabel(step)}</button>
        <strong class="trace-time" data-at-ms={stills?.atMs ?? ''}>{stills ? fmtDateTime(stills.atMs) : ''}</strong>
        <button type="button" onClick={() => go({ at: atMs + step * 1000 })} disabled={chosen.length === 0}>{stepLabel(step)} ▶</button>
        {busy && <span class="muted">{t('app.loading')}</span>}
      </div>
      <ErrorLine error={error ?? cameras.error} />
      {chosen.length === 0 && <p class="empty">{t('trace.pick')}</p>}
      <div class="stills">
        {(stills?.stills ?? []).map((s) => (
          <figure key={s.cameraId} class="still card" data-camera={s.cameraId} data-status={s.status}>
            {s.dataUrl ? <img src={s.dataUrl} alt={names.get(s.cameraId) ?? s.cameraId} /> : <div class="no-still">{s.status === 'nothing-recorded' ? t('trace.nothing') : s.message}</div>}
            <figcaption>
              <strong>{names.get(s.cameraId) ?? s.cameraId}</strong>
              <a href={pathWith(`/timeline/${encodeURIComponent(s.cameraId)}`, { at: stills!.atMs })} onClick={linkClick}>{t('trace.open')}</a>
            </figcaption>
          </figure>
        ))}
      </div>
    </section>
  );
}

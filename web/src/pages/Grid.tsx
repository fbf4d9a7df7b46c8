/**
 * Every camera at a glance: name, recorder state, when the last segment was written, and
 * the live picture (sub-stream). A click opens it full screen; the timeline is one tap.
 */
import { api } from '../api';
import { LiveVideo } from '../components/LiveVideo';
import { ErrorLine, StateBadge, usePoll } from '../components/bits';
import { t } from '../i18n';
import { linkClick, navigate } from '../router';
import { fmtDateTime, fmtTime } from '../time';
import type { Camera } from '../types';

export function lastSegmentText(camera: Camera): string {
  if (camera.lastSegmentEndMs === null) return t('grid.noSegment');
  const sameDay = Date.now() - camera.lastSegmentEndMs < 12 * 3_600_000;
  return t('grid.lastSegment', { time: sameDay ? fmtTime(camera.lastSegmentEndMs) : fmtDateTime(camera.lastSegmentEndMs) });
}

export function GridPage() {
  const { value, error } = usePoll(() => api<{ cameras: Camera[] }>('/cameras'), 5000, []);
  const cameras = value?.cameras ?? [];
  return (
    <section>
      <h2>{t('grid.title')}</h2>
      <ErrorLine error={error} />
      {value && cameras.length === 0 && <p class="empty">{t('grid.none')}</p>}
      <div class="grid">
        {cameras.map((c) => (
          <article key={c.id} class="camera card" data-camera={c.id}>
            {c.enabled
              ? <LiveVideo cameraId={c.id} quality="sub" onOpen={() => navigate(`/live/${encodeURIComponent(c.id)}`)} />
              : <div class="live"><div class="overlay">{t('grid.disabled')}</div></div>}
            <div class="meta">
              <strong class="name">{c.name}</strong>
              <StateBadge state={c.state} />
              <span class="last-segment muted">{lastSegmentText(c)}</span>
              {c.lastError && c.state !== 'recording' && <span class="muted small" title={c.lastError}>{c.lastError.slice(0, 80)}</span>}
            </div>
            <div class="actions">
              <a href={`/live/${encodeURIComponent(c.id)}`} onClick={linkClick}>{t('grid.fullscreen')}</a>
              <a href={`/timeline/${encodeURIComponent(c.id)}`} onClick={linkClick}>{t('grid.timeline')}</a>
            </div>
          </article>
        ))}
      </div>
    </section>
  );
}

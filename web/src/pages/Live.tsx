/** One camera's main stream, large, with the browser's full screen a tap away. */
import { useRef } from 'preact/hooks';
import { api } from '../api';
import { LiveVideo } from '../components/LiveVideo';
import { ErrorLine, StateBadge, usePoll } from '../components/bits';
import { t } from '../i18n';
import { linkClick } from '../router';
import type { Camera } from '../types';
import { lastSegmentText } from './Grid';

export function LivePage({ id }: { id: string }) {
  const { value: camera, error } = usePoll(() => api<Camera>(`/cameras/${encodeURIComponent(id)}`), 5000, [id]);
  const box = useRef<HTMLDivElement>(null);
  return (
    <section class="live-page">
      <div class="bar">
        <a href="/" onClick={linkClick}>← {t('nav.cameras')}</a>
        <h2>{camera?.name ?? id}</h2>
        {camera && <StateBadge state={camera.state} />}
        {camera && <span class="muted">{lastSegmentText(camera)}</span>}
        <span class="spacer" />
        <a href={`/timeline/${encodeURIComponent(id)}`} onClick={linkClick}>{t('grid.timeline')}</a>
        <button type="button" onClick={() => void box.current?.requestFullscreen?.()}>{t('live.fullscreen')}</button>
      </div>
      <ErrorLine error={error} />
      <div ref={box} class="live-large">
        {camera && !camera.enabled ? <p class="empty">{t('grid.disabled')}</p> : <LiveVideo cameraId={id} quality="main" />}
      </div>
    </section>
  );
}

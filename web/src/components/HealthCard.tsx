/** A camera's health card: what its stream really is, and what the installer should fix. */
import { pick, t } from '../i18n';
import { fmtDateTime } from '../time';
import type { HealthCard } from '../types';

const n = (v: number | null | undefined, unit = '') => (v === null || v === undefined ? '—' : `${Math.round(v * 10) / 10}${unit}`);

export function HealthCardView({ card }: { card: HealthCard }) {
  const s = card.stream;
  return (
    <div class={`health-card ${card.status}`} data-status={card.status}>
      <p><strong>{card.status === 'ok' ? t('hc.ok') : t('hc.warning')}</strong> <span class="muted small">{t('hc.checked')} {fmtDateTime(card.checkedAtMs)}</span></p>
      {s ? (
        <dl>
          <dt>{t('hc.codec')}</dt><dd>{s.videoCodec ?? '—'} {s.width && s.height ? `${s.width}×${s.height}` : ''}</dd>
          <dt>{t('hc.fps')}</dt><dd>{n(s.declaredFps)} / {n(s.measuredFps)}</dd>
          <dt>{t('hc.keyframes')}</dt><dd>{s.keyframeIntervalMs === null ? '—' : `${s.keyframeIntervalIsLowerBound ? '≥ ' : ''}${n(s.keyframeIntervalMs / 1000, ' s')}`}</dd>
          <dt>{t('hc.audio')}</dt><dd>{s.audioCodec ?? '—'}</dd>
          <dt>{t('hc.clock')}</dt><dd>{card.clockOffsetMs === null ? '—' : n(card.clockOffsetMs / 1000, ' s')}</dd>
        </dl>
      ) : <p class="error">{card.streamError ?? t('hc.unreadable')}</p>}
      {card.warnings.length > 0 && (
        <ul class="warnings">
          {card.warnings.map((w) => <li key={w.code} data-code={w.code}><strong>{pick(w.message)}</strong><br />{pick(w.fix)}</li>)}
        </ul>
      )}
    </div>
  );
}

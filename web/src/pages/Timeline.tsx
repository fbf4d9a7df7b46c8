/**
 * One camera's recordings: a day bar and an hour bar (runs and gaps with their reasons),
 * a click plays from that instant (HLS), keyframe stepping, and, for investigators, a
 * range to download as a clip, a still of the playing instant, an evidence hold or an
 * export with a case number. Viewers see the coverage only (the API refuses footage).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorLine, usePoll } from '../components/bits';
import { FootageActions } from '../components/FootageActions';
import { TimeBar } from '../components/TimeBar';
import { t, type StringKey } from '../i18n';
import { Playback, type PlaybackStatus } from '../media/playback';
import { navigate, pathWith } from '../router';
import { can, usePrincipal } from '../session';
import { dayKey, dayMs, dayStart, fmtDate, fmtDateTime, hourMs, parseDayKey } from '../time';
import type { Camera, Coverage, Span } from '../types';

const knownReasons = ['camera-disconnected', 'stalled', 'clock-step', 'stopped', 'unclean-shutdown', 'in-progress', 'deleted', 'not-recorded'];

export function reasonText(reason: string): string {
  return knownReasons.includes(reason) ? t(`gap.${reason}` as StringKey) : reason;
}

const hourStart = (ms: number) => dayStart(ms) + Math.floor((ms - dayStart(ms)) / hourMs) * hourMs;

function statusText(status: PlaybackStatus | null): string | null {
  if (!status || status.kind === 'ready') return null;
  if (status.kind === 'loading') return t('play.loading');
  if (status.kind === 'unsupported') return t('play.unsupported');
  return status.status === 404 ? t('play.nothing') : `${t('play.error')}: ${status.message}`;
}

export function TimelinePage({ id, query }: { id: string; query: URLSearchParams }) {
  const principal = usePrincipal();
  const investigator = can(principal, 'investigator');
  const startAt = Number(query.get('at')) || null;
  const [day, setDay] = useState(() => parseDayKey(query.get('day') ?? '') ?? dayStart(startAt ?? Date.now()));
  const [hour, setHour] = useState(() => hourStart(startAt ?? Math.min(Date.now(), day + dayMs - 1)));
  const [status, setStatus] = useState<PlaybackStatus | null>(null);
  const [wallMs, setWallMs] = useState<number | null>(null);
  const [selection, setSelection] = useState<Span | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const playback = useRef<Playback | null>(null);

  const cameras = usePoll(() => api<{ cameras: Camera[] }>('/cameras'), 0, []);
  const isToday = day === dayStart(Date.now());
  const coverage = usePoll(
    () => (day > Date.now() ? Promise.resolve(null) : api<Coverage>(`/cameras/${encodeURIComponent(id)}/recordings?from=${day}&to=${isToday ? Date.now() : day + dayMs}`)),
    isToday ? 5000 : 0, [id, day],
  );

  const playAt = (ms: number) => {
    setDay(dayStart(ms));
    setHour(hourStart(ms));
    if (!investigator || !video.current) return;
    if (playback.current?.seekWall(ms)) {
      void video.current.play().catch(() => {});
      return;
    }
    playback.current?.dispose();
    // The playlist starts at the clicked instant (the API begins at the keyframe before it):
    // hls.js then needs no estimate across gaps to find the start.
    const p = new Playback({ video: video.current, cameraId: id, fromMs: ms, toMs: Math.min(ms + hourMs, Date.now() + 60_000), startAtMs: ms, onStatus: setStatus });
    playback.current = p;
    void p.start();
  };

  /** Before the playlist's first keyframe: load one starting a little earlier. */
  const stepBack = () => {
    const p = playback.current;
    const now = p?.currentWallMs() ?? null;
    if (p && !p.stepKeyframe(-1) && now !== null && now - 1000 < p.fromMs + 1000) playAt(now - 1000);
  };

  useEffect(() => {
    if (startAt !== null) playAt(startAt);
    return () => { playback.current?.dispose(); playback.current = null; };
  }, [id, startAt]);

  useEffect(() => {
    const el = video.current;
    if (!el) return;
    const update = () => setWallMs(playback.current?.currentWallMs() ?? null);
    el.addEventListener('timeupdate', update);
    el.addEventListener('seeked', update);
    return () => { el.removeEventListener('timeupdate', update); el.removeEventListener('seeked', update); };
  }, []);

  const cov = coverage.value;
  const goDay = (ms: number) => {
    setDay(ms);
    setHour(hourStart(Math.min(Date.now(), ms + 12 * hourMs)));
    navigate(pathWith(`/timeline/${encodeURIComponent(id)}`, { day: dayKey(ms) }), { replace: true });
  };

  return (
    <section class="timeline-page">
      <div class="bar">
        <select aria-label={t('tl.camera')} value={id} onChange={(e) => navigate(pathWith(`/timeline/${encodeURIComponent(e.currentTarget.value)}`, { day: dayKey(day) }))}>
          {(cameras.value?.cameras ?? [{ id, name: id } as Camera]).map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
        <button type="button" onClick={() => goDay(day - dayMs)} aria-label={t('tl.prevDay')}>◀</button>
        <input type="date" value={dayKey(day)} onChange={(e) => { const d = parseDayKey(e.currentTarget.value); if (d !== null) goDay(d); }} />
        <button type="button" onClick={() => goDay(day + dayMs)} aria-label={t('tl.nextDay')} disabled={isToday}>▶</button>
        <span class="muted">{fmtDate(day)} · UTC+7</span>
      </div>
      <ErrorLine error={coverage.error ?? cameras.error} />
      <h3>{t('tl.day')}</h3>
      <TimeBar kind="day" label={t('tl.day')} fromMs={day} toMs={day + dayMs} runs={cov?.runs ?? []} gaps={cov?.gaps ?? []} tickMs={hourMs}
        cursorMs={wallMs} selection={selection} reasonText={reasonText} onPick={(ms) => (investigator ? playAt(ms) : setHour(hourStart(ms)))} />
      <h3>{t('tl.hour')} {fmtDateTime(hour).slice(0, 5)}–{fmtDateTime(hour + hourMs).slice(0, 5)}</h3>
      <TimeBar kind="hour" label={t('tl.hour')} fromMs={hour} toMs={hour + hourMs} runs={cov?.runs ?? []} gaps={cov?.gaps ?? []} tickMs={5 * 60_000}
        cursorMs={wallMs} selection={selection} reasonText={reasonText} onPick={playAt} />
      <p class="legend muted"><span class="key run" /> {t('tl.recorded')} <span class="key gap" /> {t('tl.gap')}</p>
      {investigator ? (
        <div class="player">
          <div class="bar">
            <button type="button" onClick={stepBack} title={t('play.prevKey')}>« {t('play.prevKey')}</button>
            <button type="button" onClick={() => playback.current?.stepKeyframe(1)} title={t('play.nextKey')}>{t('play.nextKey')} »</button>
            <span class="playing-at" data-wall-ms={wallMs ?? ''}>{wallMs !== null ? `${t('play.at')} ${fmtDateTime(wallMs)}` : ''}</span>
          </div>
          <div class="video-box">
            <video ref={video} controls muted playsInline autoplay />
            {statusText(status) && <div class="overlay" role="status">{statusText(status)}</div>}
            {!status && <div class="overlay">{t('play.pick')}</div>}
          </div>
          <FootageActions cameraId={id} day={day} wallMs={wallMs} selection={selection} onSelection={setSelection} />
        </div>
      ) : <p class="note">{t('tl.viewerNote')}</p>}
    </section>
  );
}

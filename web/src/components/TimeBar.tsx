/**
 * A stretch of time drawn as a bar: recorded runs in green, gaps hatched with their
 * reason on hover, an optional selected range and a cursor at the playing time. A click
 * (or tap) picks the instant under the pointer.
 */
import type { Span } from '../types';
import { fmtTime, hourMs } from '../time';

interface Props {
  fromMs: number;
  toMs: number;
  runs: readonly Span[];
  gaps: readonly (Span & { reason: string })[];
  /** Tick every this many ms, labelled with the local time. */
  tickMs: number;
  cursorMs?: number | null;
  selection?: Span | null;
  kind: 'day' | 'hour';
  label: string;
  onPick: (ms: number) => void;
  /** Reason codes to words (gap tooltips). */
  reasonText: (reason: string) => string;
}

export function TimeBar({ fromMs, toMs, runs, gaps, tickMs, cursorMs, selection, kind, label, onPick, reasonText }: Props) {
  const span = toMs - fromMs;
  const pos = (ms: number) => `${(Math.min(Math.max(ms - fromMs, 0), span) / span) * 100}%`;
  const width = (s: Span) => `${((Math.min(s.toMs, toMs) - Math.max(s.fromMs, fromMs)) / span) * 100}%`;
  const inside = (s: Span) => s.toMs > fromMs && s.fromMs < toMs;
  const ticks: number[] = [];
  for (let ms = fromMs; ms <= toMs; ms += tickMs) ticks.push(ms);
  const pick = (event: MouseEvent) => {
    const bar = event.currentTarget as HTMLElement;
    const rect = bar.getBoundingClientRect();
    const fraction = Math.min(Math.max((event.clientX - rect.left) / rect.width, 0), 0.9999);
    const ms = Math.round(fromMs + fraction * span);
    // One pixel of the hour bar is seconds of time: say which instant the click meant.
    bar.dataset['picked'] = String(ms);
    onPick(ms);
  };
  const every = tickMs >= hourMs ? (span > 12 * hourMs ? 3 : 1) : 1;
  // Keyboard: arrows move the playing instant by 10 s (hour bar) or 5 min (day bar).
  const stepMs = kind === 'hour' ? 10_000 : 300_000;
  const key = (event: KeyboardEvent) => {
    const sign = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    if (sign === 0) return;
    event.preventDefault();
    onPick(Math.min(Math.max((cursorMs ?? fromMs) + sign * stepMs, fromMs), toMs - 1));
  };
  return (
    <div class={`timebar-wrap ${kind}`}>
      <div class="timebar" data-kind={kind} role="slider" tabIndex={0} aria-label={label} aria-valuemin={fromMs} aria-valuemax={toMs}
        aria-valuenow={cursorMs ?? fromMs} aria-valuetext={cursorMs ? fmtTime(cursorMs) : undefined} onClick={pick} onKeyDown={key}>
        {runs.filter(inside).map((r) => (
          <div key={`r${r.fromMs}`} class="run" data-from={r.fromMs} data-to={r.toMs} style={{ left: pos(r.fromMs), width: width(r) }} title={`${fmtTime(r.fromMs)} – ${fmtTime(r.toMs)}`} />
        ))}
        {gaps.filter(inside).map((g) => (
          <div key={`g${g.fromMs}`} class="gap" data-from={g.fromMs} data-to={g.toMs} data-reason={g.reason} style={{ left: pos(g.fromMs), width: width(g) }} title={`${fmtTime(g.fromMs)} – ${fmtTime(g.toMs)}: ${reasonText(g.reason)}`} />
        ))}
        {selection && inside(selection) && <div class="selection" style={{ left: pos(selection.fromMs), width: width(selection) }} />}
        {cursorMs !== null && cursorMs !== undefined && cursorMs >= fromMs && cursorMs < toMs && <div class="cursor" style={{ left: pos(cursorMs) }} />}
      </div>
      <div class="ticks" aria-hidden="true">
        {ticks.map((ms, i) => (
          <span key={ms} style={{ left: pos(ms) }} class={i % every === 0 && i !== ticks.length - 1 ? '' : 'minor'}>{fmtTime(ms).slice(0, 5)}</span>
        ))}
      </div>
    </div>
  );
}

/**
 * A live camera picture with its status always in words: connecting, the stream ended
 * (and when it retries), or a codec this browser cannot play. Full screen asks for the
 * main stream and falls back to the sub-stream when the main codec does not play.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n';
import { LivePlayer, type LiveQuality, type LiveStatus } from '../media/live-player';

interface Props {
  cameraId: string;
  quality: LiveQuality;
  /** Clicking the picture (grid: open full screen). */
  onOpen?: () => void;
}

function statusText(status: LiveStatus): string | null {
  switch (status.kind) {
    case 'connecting': return t('live.connecting');
    case 'playing': return null;
    case 'unsupported': return t('live.unsupported', { codec: status.codec });
    case 'ended': return `${status.message ? `${t('live.ended')}: ${status.message}` : t('live.ended')}. ${t('live.retrying', { s: Math.round(status.retryInMs / 1000) })}`;
  }
}

export function LiveVideo({ cameraId, quality, onOpen }: Props) {
  const video = useRef<HTMLVideoElement>(null);
  const [shown, setShown] = useState<LiveQuality>(quality);
  const [status, setStatus] = useState<LiveStatus>({ kind: 'connecting' });
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    setShown(quality);
    setNotice(null);
  }, [cameraId, quality]);

  useEffect(() => {
    const player = new LivePlayer({
      video: video.current!, cameraId, quality: shown,
      onStatus: (s) => {
        if (s.kind === 'unsupported' && s.quality === 'main' && s.hasSubStream) {
          setNotice(t('live.mainUnsupported', { codec: s.codec }));
          setShown('sub');
          return;
        }
        setStatus(s);
      },
    });
    player.start();
    return () => player.dispose();
  }, [cameraId, shown]);

  const text = statusText(status);
  return (
    <div class="live" data-live-status={status.kind} data-quality={status.kind === 'playing' ? status.quality : shown}>
      <video ref={video} muted playsInline autoplay onClick={onOpen} />
      {text && <div class={`overlay ${status.kind}`} role="status">{text}</div>}
      {notice && status.kind === 'playing' && <div class="notice">{notice}</div>}
    </div>
  );
}

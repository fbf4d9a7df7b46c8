/**
 * The camera health card: what the ONVIF answers and a short probe of the main stream say,
 * and what an installer should fix, in Vietnamese and English. Pure: the checks that feed
 * it (ONVIF, ffprobe) happen elsewhere. Thresholds follow field-notes.md: keyframes more
 * than 4 s apart ("H.264+/Smart Codec") make segments and clip cuts long and uneven;
 * G.711 cannot go into MP4; browsers play H.265 badly; a camera clock off by more than
 * 5 s makes its overlay and metadata disagree with the recordings.
 */
import type { MediaProfile } from '../discovery/types.js';
import type { HealthCard, HealthWarning, StreamFacts } from './types.js';

export const keyframeLimitMs = 4000;
export const clockLimitMs = 5000;

export interface HealthInputs {
  readonly checkedAtMs: number;
  readonly stream: StreamFacts | null;
  readonly streamError: string | null;
  readonly main: MediaProfile | null;
  readonly sub: MediaProfile | null;
  readonly clockOffsetMs: number | null;
}

export function buildHealthCard(x: HealthInputs): HealthCard {
  return {
    checkedAtMs: x.checkedAtMs,
    stream: x.stream,
    streamError: x.streamError,
    mainEncoding: x.main?.encoding ?? null,
    subEncoding: x.sub?.encoding ?? null,
    onvifFps: x.main?.fps ?? null,
    onvifGovLength: x.main?.govLength ?? null,
    clockOffsetMs: x.clockOffsetMs,
    warnings: warningsFor(x),
  };
}

function warningsFor(x: HealthInputs): HealthWarning[] {
  const out: HealthWarning[] = [];
  if (x.stream === null) out.push(unreadable(x.streamError ?? 'unknown error'));
  const gopMs = keyframeGapMs(x);
  if (gopMs !== null && gopMs > keyframeLimitMs) out.push(keyframes(gopMs, x.stream?.keyframeIntervalIsLowerBound ?? false));
  const audio = x.stream?.audioCodec ?? (x.stream === null ? x.main?.audioEncoding ?? null : null);
  if (audio !== null && /^(pcm_alaw|pcm_mulaw|g711|pcma|pcmu)/i.test(audio)) out.push(g711(audio));
  if (isHevc(x.stream?.videoCodec) || (x.stream === null && isHevc(x.main?.encoding))) out.push(hevc(x.sub));
  if (x.clockOffsetMs !== null && Math.abs(x.clockOffsetMs) > clockLimitMs) out.push(clock(x.clockOffsetMs));
  return out;
}

/** Measured spacing first; the ONVIF GovLength / frame rate when the stream was not read. */
function keyframeGapMs(x: HealthInputs): number | null {
  if (x.stream?.keyframeIntervalMs != null) return x.stream.keyframeIntervalMs;
  const gov = x.main?.govLength;
  const fps = x.main?.fps;
  return gov && fps ? Math.round((gov / fps) * 1000) : null;
}

const isHevc = (codec: string | null | undefined) => codec != null && /^(hevc|h\.?265)$/i.test(codec);

function seconds(ms: number, lang: 'vi' | 'en'): string {
  const s = (ms / 1000).toFixed(1);
  return lang === 'vi' ? s.replace('.', ',') : s;
}

function unreadable(reason: string): HealthWarning {
  return {
    code: 'stream-unreadable',
    message: {
      vi: `Không đọc được luồng video của camera (${reason}): chưa kiểm tra được mã hóa, khung hình chính và âm thanh.`,
      en: `The camera's video stream could not be read (${reason}): codec, keyframes and audio are unchecked.`,
    },
    fix: {
      vi: 'Kiểm tra camera đã bật, đúng địa chỉ và cổng RTSP (thường là 554), đúng tên đăng nhập và mật khẩu; sau đó kiểm tra lại.',
      en: 'Check that the camera is on, the RTSP address and port (usually 554) and the username and password are right; then check again.',
    },
  };
}

function keyframes(gopMs: number, lowerBound: boolean): HealthWarning {
  const atLeast = lowerBound ? { vi: 'ít nhất ', en: 'at least ' } : { vi: '', en: '' };
  return {
    code: 'keyframe-interval',
    message: {
      vi: `Khung hình chính (keyframe) cách nhau ${atLeast.vi}${seconds(gopMs, 'vi')} giây (H.264+/Smart Codec?): đoạn ghi và điểm cắt clip chỉ rơi vào khung hình chính nên sẽ dài và không đều.`,
      en: `Keyframes come ${atLeast.en}${seconds(gopMs, 'en')} s apart (H.264+/Smart Codec?): segments and clip cuts can only fall on keyframes, so they will be long and uneven.`,
    },
    fix: {
      vi: 'Trong trang cấu hình camera, tắt H.264+/H.265+/Smart Codec và đặt khoảng I-frame (GOP) tối đa 2 giây (ví dụ 50 khi 25 khung hình/giây).',
      en: "In the camera's web page turn off H.264+/H.265+/Smart Codec and set the I-frame interval (GOP) to 2 s at most (e.g. 50 at 25 fps).",
    },
  };
}

function g711(codec: string): HealthWarning {
  return {
    code: 'g711-audio',
    message: {
      vi: `Camera gửi âm thanh G.711 (${codec}): tệp MP4 không chứa được, nên đầu ghi sẽ chuyển sang AAC (tốn thêm một ít CPU cho mỗi camera).`,
      en: `The camera sends G.711 audio (${codec}): MP4 cannot hold it, so the recorder converts it to AAC (a little CPU per camera).`,
    },
    fix: {
      vi: 'Không bắt buộc. Để tiết kiệm CPU, đặt mã hóa âm thanh của camera là AAC, hoặc tắt âm thanh nếu không cần.',
      en: "Nothing is required. To save CPU, set the camera's audio encoding to AAC, or turn audio off if it is not needed.",
    },
  };
}

function hevc(sub: MediaProfile | null): HealthWarning {
  const subOk = sub !== null && /^h\.?264$/i.test(sub.encoding ?? '');
  return {
    code: 'h265-main',
    message: subOk
      ? {
          vi: 'Luồng chính là H.265 (HEVC): vẫn được ghi bình thường, nhưng đa số trình duyệt không phát được, nên xem trực tiếp sẽ dùng luồng phụ H.264.',
          en: 'The main stream is H.265 (HEVC): it is recorded as is, but most browsers cannot play it, so live view uses the H.264 sub-stream.',
        }
      : {
          vi: 'Luồng chính là H.265 (HEVC) và không có luồng phụ H.264: bản ghi vẫn đúng, nhưng trình duyệt sẽ không xem trực tiếp được camera này.',
          en: 'The main stream is H.265 (HEVC) and there is no H.264 sub-stream: recording works, but browsers will not show this camera live.',
        },
    fix: {
      vi: 'Đặt luồng phụ của camera là H.264 để xem trực tiếp, hoặc chuyển luồng chính sang H.264 nếu cần xem độ phân giải đầy đủ trên trình duyệt.',
      en: "Set the camera's sub-stream to H.264 for live view, or switch the main stream to H.264 if officers must watch it full size in a browser.",
    },
  };
}

function clock(offsetMs: number): HealthWarning {
  const ahead = offsetMs > 0;
  const span = { vi: duration(Math.abs(offsetMs), 'vi'), en: duration(Math.abs(offsetMs), 'en') };
  return {
    code: 'clock-offset',
    message: {
      vi: `Đồng hồ camera ${ahead ? 'nhanh' : 'chậm'} ${span.vi} so với đầu ghi: giờ in trên hình và dữ liệu của camera sai (bản ghi vẫn dùng giờ của đầu ghi).`,
      en: `The camera's clock is ${span.en} ${ahead ? 'ahead of' : 'behind'} the box: its on-screen time and its own metadata are wrong (recordings use the box's clock).`,
    },
    fix: {
      vi: 'Bật NTP trên camera và trỏ về địa chỉ của đầu ghi (hoặc máy chủ NTP của mạng), hoặc chỉnh giờ trong trang cấu hình camera; kiểm tra múi giờ UTC+7.',
      en: "Turn on NTP in the camera pointing at the box (or the network's NTP server), or set its time in the camera's web page; check the time zone is UTC+7.",
    },
  };
}

/** 12 s, 3 min 5 s, 2 h 10 min, 365 days — rounded to the last unit shown: this is for people. */
export function duration(ms: number, lang: 'vi' | 'en'): string {
  const w = lang === 'vi' ? { d: 'ngày', day: 'ngày', h: 'giờ', m: 'phút', s: 'giây' } : { d: 'days', day: 'day', h: 'h', m: 'min', s: 's' };
  const two = (big: number, bigWord: string, small: number, smallWord: string) => `${big} ${bigWord}${small > 0 ? ` ${small} ${smallWord}` : ''}`;
  const hours = Math.round(ms / 3_600_000);
  if (hours >= 24) return two(Math.floor(hours / 24), hours >= 48 ? w.d : w.day, hours % 24, w.h);
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 60) return two(Math.floor(minutes / 60), w.h, minutes % 60, w.m);
  const seconds = Math.round(ms / 1000);
  if (seconds >= 60) return two(Math.floor(seconds / 60), w.m, seconds % 60, w.s);
  return `${seconds} ${w.s}`;
}

/**
 * The officers' web app end to end, in Debian's chromium, against the real daemon
 * (`node bin/nvr.js serve`) recording real RTSP cameras (GStreamer): log in; the grid
 * shows the cameras recording and plays them live; an H.265 camera says why it does not
 * play instead of showing a black box; the timeline shows the gap made by stopping the
 * camera; playback starts at the clicked instant and steps by keyframe; a clip download
 * is a playable MP4 of the chosen length; trace shows two cameras' stills at the chosen
 * instant; holds and exports; admin pages; a viewer sees no footage buttons and the API
 * refuses them anyway. Screenshots go to $SCREENSHOTS_DIR (docs/screenshots via
 * `npm run screenshots`), else a temp folder.
 *
 * Each `it` builds on the previous ones (one daemon, one recording), as an officer's day does.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { tempDir, waitFor } from './helpers/daemon.js';
import { ffprobeJson } from './helpers/ffprobe.js';
import { hasChromium, launchBrowser, loginAs, type TestBrowser } from './helpers/browser.js';
import { startUiFixture, type Span, type UiFixture } from './helpers/ui-fixture.js';

const shotsDir = process.env['SCREENSHOTS_DIR'] ?? path.join(tempDir('nvr-shots-'), 'screenshots');
mkdirSync(shotsDir, { recursive: true });
const vn = (ms: number) => new Date(ms + 7 * 3_600_000).toISOString().slice(11, 19);

let fx: UiFixture;
let base: string;
let browser: TestBrowser;
let page: Page;
const figures: Record<string, number> = {};
const coverage = (id: string) => fx.coverage(id);

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`) });
}

/** Clicks a time bar at wall time ms. */
async function clickBar(kind: 'day' | 'hour', ms: number): Promise<void> {
  const bar = page.locator(`.timebar[data-kind=${kind}]`);
  const box = (await bar.boundingBox())!;
  const from = Number(await bar.getAttribute('aria-valuemin'));
  const to = Number(await bar.getAttribute('aria-valuemax'));
  await page.mouse.click(box.x + ((ms - from) / (to - from)) * box.width, box.y + box.height / 2);
}

/** The DOM as these checks read it (the test itself is compiled without DOM types). */
interface Shown { dataset: Record<string, string | undefined>; currentTime: number }
const wallMs = () => page.$eval('.playing-at', (e) => Number((e as unknown as Shown).dataset['wallMs'] || 'NaN'));
const currentTime = (selector: string) => page.$eval(selector, (v) => (v as unknown as Shown).currentTime);
const firstFrameMs = (selector: string) => page.$eval(selector, (v) => Number((v as unknown as Shown).dataset['firstFrameMs']));

describe.skipIf(!hasChromium())('web app in chromium against the real daemon', () => {
  beforeAll(async () => {
    fx = await startUiFixture();
    base = fx.base;
    browser = await launchBrowser();
    page = browser.page;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await fx?.close();
    console.log('web app figures', JSON.stringify(figures), 'screenshots in', shotsDir);
  });

  it('logs in and shows every camera with its state and last segment time', async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector('input[name=username]');
    expect(await page.getAttribute('html', 'lang')).toBe('vi');
    await shot('login');
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.error')).toMatch(/Sai tên đăng nhập/);
    await page.fill('input[name=password]', fx.adminPassword);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-camera=gate] [data-state=recording]', { timeout: 20_000 });
    await page.waitForSelector('[data-camera=road] [data-state=recording]');
    expect(await page.textContent('[data-camera=gate] .last-segment')).toMatch(/^Ghi lần cuối: \d\d:\d\d:\d\d$/);
  });

  it('plays the cameras live (the video advances), and says why an H.265 camera does not play', async () => {
    await page.waitForSelector('[data-camera=gate] [data-live-status=playing]', { timeout: 20_000 });
    const t1 = await currentTime('[data-camera=gate] video');
    await page.waitForTimeout(1500);
    expect(await currentTime('[data-camera=gate] video')).toBeGreaterThan(t1 + 0.8);
    figures['firstLiveFrameColdMs'] = await firstFrameMs('[data-camera=gate] video');
    // Chromium on Linux has no HEVC decoder: a clear message, not a black box.
    await page.waitForSelector('[data-camera=market] [data-live-status=unsupported]', { timeout: 20_000 });
    expect(await page.textContent('[data-camera=market] .overlay')).toMatch(/H\.265/);
    await page.waitForSelector('[data-camera=road] [data-live-status=playing]');
    // An H.265 camera with an H.264 sub-stream plays that sub-stream in the grid.
    await page.waitForSelector('[data-camera=plaza] [data-live-status=playing][data-quality=sub]', { timeout: 20_000 });
    await shot('grid');

    // Full screen asks for the main stream; H.265 does not play here, so it falls back to the sub-stream and says so.
    await page.goto(`${base}/live/plaza`);
    await page.waitForSelector('.live-large [data-live-status=playing][data-quality=sub]', { timeout: 20_000 });
    expect(await page.textContent('.live-large .notice')).toMatch(/Luồng chính \(hev1|Luồng chính \(hvc1/);
    await shot('live-h265-fallback');
    await page.goto(`${base}/`);

    // Full screen reuses the running stream (same camera, main = the only stream here).
    await page.click('[data-camera=gate] a[href="/live/gate"]');
    await page.waitForSelector('.live-large [data-live-status=playing]', { timeout: 20_000 });
    figures['firstLiveFrameWarmMs'] = await firstFrameMs('.live-large video');
    await shot('live');
  });

  it('shows the gap made by stopping the camera on the timeline, with its reason', async () => {
    const before = (await coverage('gate')).runs.length;
    await page.goto(`${base}/`);
    await fx.camera.stop();
    await page.waitForSelector('[data-camera=gate] [data-live-status=ended]', { timeout: 20_000 });
    await shot('grid-camera-lost');
    await new Promise((r) => setTimeout(r, 4000));
    await fx.camera.restart();
    const runs = await waitFor('a second run of 3+ segments', async () => {
      const cov = await coverage('gate');
      const last = cov.runs.at(-1);
      return cov.runs.length > before && last && last.toMs - last.fromMs > 6000 ? cov.runs : null;
    }, 40_000);
    const [run1, run2] = runs.slice(-2) as [Span, Span];
    await page.goto(`${base}/timeline/gate`);
    await page.waitForSelector('.timebar[data-kind=hour] .run');
    const gaps = await page.$$eval('.timebar[data-kind=hour] .gap', (els) => els.map((e) => ({ ...(e as unknown as Shown).dataset })));
    const between = gaps.find((g) => Number(g['from']) >= run1.toMs - 1 && Number(g['to']) <= run2.fromMs + 1);
    expect(between, JSON.stringify({ gaps, run1, run2 })).toBeDefined();
    // The recorder saw the camera close (or stall, if the socket hung): said in Vietnamese on hover.
    const words: Record<string, RegExp> = { 'camera-disconnected': /Mất kết nối camera/, stalled: /Camera bị treo/ };
    expect(Object.keys(words)).toContain(between!['reason']);
    expect(Number(between!['to']) - Number(between!['from'])).toBeGreaterThan(3000);
    expect(await page.getAttribute(`.timebar[data-kind=hour] .gap[data-from="${between!['from']}"]`, 'title')).toMatch(words[between!['reason']!]!);
  });

  it('plays from the clicked instant, and steps keyframe by keyframe', async () => {
    const [run1] = (await coverage('gate')).runs.slice(-2) as [Span];
    await clickBar('hour', run1.toMs - 7000);
    // A pixel of the hour bar is ~2.7 s: the bar records the instant the click meant.
    const picked = Number(await page.getAttribute('.timebar[data-kind=hour]', 'data-picked'));
    expect(Math.abs(picked - (run1.toMs - 7000))).toBeLessThan(3000);
    await waitFor('the playing time', async () => Number.isFinite(await wallMs()), 20_000);
    // Starts on the picked instant (the keyframe before it, then seeks to it).
    expect(Math.abs((await wallMs()) - picked)).toBeLessThan(500);
    const t1 = await currentTime('.video-box video');
    await page.waitForTimeout(1500);
    expect(await currentTime('.video-box video')).toBeGreaterThan(t1 + 0.8);
    await shot('timeline');
    // Keyframes every second (GOP 25 at 25 fps): each step moves by one second, forward and back.
    await page.click('button:has-text("Khung sau")');
    await page.waitForTimeout(400);
    const k1 = await wallMs();
    await page.click('button:has-text("Khung sau")');
    await page.waitForTimeout(400);
    const k2 = await wallMs();
    await page.click('button:has-text("Khung trước")');
    await page.waitForTimeout(400);
    const k3 = await wallMs();
    expect(Math.abs(k2 - k1 - 1000)).toBeLessThan(150);
    expect(Math.abs(k3 - k1)).toBeLessThan(60);
  });

  it('downloads the chosen range as a playable MP4 of that length, and takes a still', async () => {
    const run2 = (await coverage('gate')).runs.at(-1)!;
    const from = run2.fromMs + 2000;
    await page.fill('input[name=from]', vn(from));
    await page.fill('input[name=to]', vn(from + 6000));
    const link = page.locator('a[data-action=clip]');
    await link.waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = path.join(tempDir('nvr-clip-'), 'clip.mp4');
    await download.saveAs(file);
    const probe = await ffprobeJson(file, { countPackets: true });
    const duration = Number(probe.format.duration);
    // Stream copy: from the keyframe at or before `from` to the fragment holding `to` (GOP 1 s).
    expect(duration).toBeGreaterThan(5.5);
    expect(duration).toBeLessThan(8.5);
    expect(probe.streams[0]).toMatchObject({ codec_name: 'h264', width: 640, height: 360 });
    expect(Number(probe.streams[0]!.nb_read_packets)).toBeGreaterThan(130);
    figures['clipSeconds'] = duration;

    const still = await page.request.get(`${base}${await page.getAttribute('a[data-action=still]', 'href')}`);
    expect(still.status()).toBe(200);
    expect(still.headers()['content-type']).toBe('image/jpeg');
    expect((await still.body()).length).toBeGreaterThan(5000);
  });

  it('traces two cameras: stills side by side at the chosen instant, stepping by the interval', async () => {
    const run = await waitFor('12 s recorded since the restart', async () => {
      const last = (await coverage('road')).runs.at(-1);
      return last && last.toMs - last.fromMs > 14_000 ? last : null;
    }, 30_000);
    const at = run.fromMs + 1500;
    await page.goto(`${base}/trace?at=${at}&cameras=gate,road&step=10`);
    await page.waitForSelector('.still[data-camera=gate][data-status=ok] img', { timeout: 20_000 });
    await page.waitForSelector('.still[data-camera=road][data-status=ok] img');
    expect(Number(await page.getAttribute('.trace-time', 'data-at-ms'))).toBe(at);
    await shot('trace');
    await page.click('button:has-text("10 s ▶")');
    await expect.poll(() => page.getAttribute('.trace-time', 'data-at-ms'), { timeout: 20_000 }).toBe(String(at + 10_000));
    await page.waitForSelector('.still[data-camera=road][data-status=ok] img');
    await page.click('.still[data-camera=road] a');
    await page.waitForURL(/\/timeline\/road\?at=/);
    await waitFor('the timeline to play at the traced instant', async () => Number.isFinite(await wallMs()), 20_000);
    expect(Math.abs((await wallMs()) - (at + 10_000))).toBeLessThan(1500);
  });

  it('holds a range as evidence, exports another with a case number, lists both, downloads and releases', async () => {
    const run2 = (await coverage('road')).runs.at(-1)!;
    await page.fill('input[name=from]', vn(run2.fromMs + 1000));
    await page.fill('input[name=to]', vn(run2.fromMs + 5000));
    await page.click('button[data-action=hold]');
    await page.fill('form[data-kind=hold] input[name=caseNumber]', '123/2026/CAX');
    await page.fill('form[data-kind=hold] input[name=reason]', 'Trộm xe máy trước chợ');
    await page.click('form[data-kind=hold] button[type=submit]');
    await expect.poll(() => page.textContent('.actions-panel .ok')).toMatch(/Đã giữ chứng cứ/);

    await page.click('button[data-action=export]');
    await page.fill('form[data-kind=export] input[name=caseNumber]', '124/2026/CAX');
    await page.fill('form[data-kind=export] input[name=reason]', 'Gửi cơ quan điều tra');
    await page.click('form[data-kind=export] button[type=submit]');
    await expect.poll(() => page.textContent('.actions-panel .ok')).toMatch(/Đã tạo yêu cầu xuất/);

    await page.goto(`${base}/evidence`);
    const ours = page.locator('tr[data-hold]', { hasText: 'Trộm xe máy trước chợ' });
    await ours.waitFor();
    expect(await ours.textContent()).toContain('123/2026/CAX');
    const exported = page.locator('tr[data-export]', { hasText: '124/2026/CAX' });
    await exported.locator('a[download]').waitFor({ timeout: 60_000 });
    expect(await exported.getAttribute('data-state')).toBe('done');
    const pkg = await page.request.head(`${base}${await exported.locator('a[download]').getAttribute('href')}`);
    expect(pkg.status()).toBe(200);
    await shot('evidence');
    page.once('dialog', (d) => void d.accept());
    await ours.locator('button:has-text("Giải phóng")').click();
    await expect.poll(() => ours.textContent()).toMatch(/Đã giải phóng/);
  });

  it('shows the admin pages: cameras with health cards, users, and an intact audit trail', async () => {
    await page.goto(`${base}/admin/cameras`);
    await page.click('tr[data-camera=gate] button:has-text("Kiểm tra")');
    // The health card measures the stream itself (a few seconds of ffprobe).
    await page.waitForSelector('tr[data-camera=gate] .health-card dl', { timeout: 30_000 });
    expect(await page.textContent('tr[data-camera=gate] .health-card')).toMatch(/h264 640×360/);
    await shot('cameras');
    await page.goto(`${base}/admin/users`);
    await page.waitForSelector('tr[data-user=officer]');
    await shot('users');
    await page.goto(`${base}/admin/audit`);
    await page.waitForSelector('tr[data-action=clip]');
    await page.click('button:has-text("Kiểm tra tính toàn vẹn")');
    await page.waitForSelector('[data-chain-ok=true]');
    await shot('audit');
  });

  it('switches to English and back, and fits a phone screen', async () => {
    await page.goto(`${base}/`);
    await page.click('button:has-text("English")');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.textContent('header nav')).toContain('Trace');
    await page.waitForSelector('[data-camera=gate] [data-live-status=playing]', { timeout: 20_000 });
    await shot('grid-english');
    await page.click('button:has-text("Tiếng Việt")');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('vi');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForSelector('[data-camera=gate] [data-live-status=playing]', { timeout: 20_000 });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('grid-phone');
    await page.setViewportSize({ width: 1366, height: 768 });
  });

  it('a viewer watches live and sees coverage but no footage buttons; the API refuses footage anyway', async () => {
    const viewer = await launchBrowser();
    try {
      const vp = viewer.page;
      await loginAs(vp, base, fx.viewer.username, fx.viewer.password);
      expect(await vp.textContent('header nav')).not.toMatch(/Truy vết|Chứng cứ|Quản lý/);
      await vp.waitForSelector('[data-camera=gate] [data-live-status=playing]', { timeout: 20_000 });
      await vp.goto(`${base}/timeline/gate`);
      await vp.waitForSelector('.timebar[data-kind=hour] .run');
      expect(await vp.locator('[data-action]').count()).toBe(0);
      expect(await vp.textContent('.note')).toMatch(/cần quyền Điều tra viên/);
      await vp.screenshot({ path: path.join(shotsDir, 'timeline-viewer.png') });
      const run = (await coverage('gate')).runs.at(-1)!;
      const range = `from=${run.fromMs}&to=${run.fromMs + 4000}`;
      for (const url of [`/api/v1/cameras/gate/clip.mp4?${range}`, `/api/v1/cameras/gate/playlist.m3u8?${range}`, `/api/v1/cameras/gate/still.jpg?at=${run.fromMs + 1000}`]) {
        const res = await vp.request.get(`${base}${url}`);
        expect(res.status(), url).toBe(403);
        expect(await res.json()).toMatchObject({ code: 'FORBIDDEN' });
      }
      const body = { cameras: ['gate'], from: run.fromMs, to: run.fromMs + 4000, caseNumber: 'x', reason: 'y' };
      for (const endpoint of ['/api/v1/holds', '/api/v1/exports']) {
        const res = await vp.request.post(`${base}${endpoint}`, { data: body, headers: { origin: base } });
        expect(res.status(), endpoint).toBe(403);
      }
      expect(viewer.pageErrors.join('\n')).toBe('');
    } finally {
      await viewer.close();
    }
  });

  it('fetched nothing from outside the box and raised no script error', () => {
    expect([...browser.requestedHosts]).toEqual([new URL(base).host]);
    expect(browser.pageErrors.join('\n')).toBe('');
  });
});

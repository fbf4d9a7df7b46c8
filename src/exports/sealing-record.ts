/**
 * The printable sealing record (biên bản niêm phong) of an export, in Vietnamese, as one
 * self-contained HTML page (no scripts, no outside resources): printed and signed by the
 * officers who seal the storage medium, as article 107 of the Criminal Procedure Code asks
 * for electronic data. It lists every file of the package with its SHA-256 and states the
 * box key's fingerprint, so the paper alone ties the seal to the bytes.
 */
import { groupFingerprint } from '../identity/box-identity.js';
import type { Manifest, ManifestFile } from './manifest.js';

const gapReasons: Record<string, string> = {
  'camera-disconnected': 'mất kết nối camera',
  stalled: 'luồng hình bị treo',
  'clock-step': 'đồng hồ đầu ghi bị chỉnh',
  stopped: 'dừng ghi',
  'unclean-shutdown': 'đầu ghi tắt đột ngột',
  'in-progress': 'đang ghi, chưa khép đoạn',
  deleted: 'đã bị xoá',
  'not-recorded': 'không có ghi hình',
  unreadable: 'tệp không đọc được',
};

const clockStatus: Record<string, string> = {
  synchronized: 'đã đồng bộ', unsynchronized: 'CHƯA đồng bộ', unknown: 'không xác định được',
};

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const vn = (iso: string) => esc(iso.replace('T', ' ').replace(/\.\d{3}\+07:00$/, ''));
const rows = (cells: string[][]) => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');

/** `files`: what the record lists (the clips and the verifier; it cannot list itself or the manifest). */
export function sealingRecordHtml(m: Omit<Manifest, 'files'>, files: readonly ManifestFile[]): string {
  const atExport = m.clock.atExport;
  const offset = atExport?.offsetUs == null ? '' : `, độ lệch ${(atExport.offsetUs / 1000).toFixed(3)} ms`;
  const cameras = m.cameras.map((c) => [
    esc(c.id), esc(c.name), esc(c.onvif.serialNumber ?? 'không rõ'),
    c.clockOffset.ms === null ? 'không rõ' : `${c.clockOffset.ms} ms`,
    c.actual ? `${vn(c.actual.from.vietnam)} → ${vn(c.actual.to.vietnam)}` : 'không có ghi hình',
    c.gaps.length === 0 ? 'không' : c.gaps.map((g) => `${vn(g.from.vietnam)} → ${vn(g.to.vietnam)} (${esc(gapReasons[g.reason] ?? g.reason)})`).join('<br>'),
  ]);
  const fileRows = files.map((f, i) => [String(i + 1), `<code>${esc(f.path)}</code>`, f.sizeBytes.toLocaleString('vi-VN'), `<code class="h">${f.sha256}</code>`]);
  const notes = notesVi(m);
  const warnings = notes.length === 0 ? '' : `<h2>IV. Lưu ý</h2><ul>${notes.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Biên bản niêm phong dữ liệu điện tử — ${esc(m.request.caseNumber)}</title>
<style>body{font-family:"Times New Roman",serif;max-width:60rem;margin:2rem auto;line-height:1.45}h1,h2{margin:.8em 0 .3em}
.c{text-align:center}table{border-collapse:collapse;width:100%;font-size:.92em}td,th{border:1px solid #444;padding:.25em .4em;vertical-align:top}
code.h{word-break:break-all;font-size:.85em}code.fp{font-size:1.1em}.dots{border-bottom:1px dotted #000;display:inline-block;min-width:18em}
.sign{display:flex;justify-content:space-around;margin-top:2.5em;text-align:center}.sign div{min-height:7em}@media print{body{margin:0}}</style></head>
<body>
<p class="c"><b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b><br><b>Độc lập - Tự do - Hạnh phúc</b></p>
<h1 class="c">BIÊN BẢN NIÊM PHONG DỮ LIỆU ĐIỆN TỬ</h1>
<p class="c">(dữ liệu hình ảnh trích xuất từ đầu ghi hình camera, gói số ${m.exportId})</p>
<p>Số hồ sơ vụ việc: <b>${esc(m.request.caseNumber)}</b><br>Lý do trích xuất: ${esc(m.request.reason)}</p>
<p>Hồi <span class="dots" style="min-width:4em"></span> giờ, ngày <span class="dots" style="min-width:8em"></span>, tại <span class="dots"></span></p>
<p>Chúng tôi gồm: <span class="dots" style="min-width:40em"></span><br><span class="dots" style="min-width:48em"></span></p>
<h2>I. Thiết bị nguồn (đầu ghi hình)</h2>
<p>Mã thiết bị: <b>${esc(m.box.id)}</b> (tên máy ${esc(m.box.hostname)}); phần mềm ${esc(m.software.name)} ${esc(m.software.version)}<br>
Dấu vân tay khoá công khai của đầu ghi (SHA-256, Ed25519):<br><code class="fp"><b>${groupFingerprint(m.box.fingerprint)}</b></code><br>
Đồng hồ đầu ghi lúc trích xuất: ${esc(clockStatus[atExport?.status ?? 'unknown'] ?? 'không xác định được')}${offset}</p>
<h2>II. Dữ liệu trích xuất</h2>
<p>Người trích xuất: <b>${esc(m.request.exportedBy)}</b> (từ địa chỉ ${esc(m.request.address)}); gói được tạo lúc ${vn(m.createdAt.vietnam)} giờ Việt Nam (${esc(m.createdAt.utc)} UTC)<br>
Khoảng thời gian yêu cầu: từ ${vn(m.request.range.from.vietnam)} đến ${vn(m.request.range.to.vietnam)} (giờ Việt Nam, UTC+7)</p>
<table><tr><th>Mã camera</th><th>Tên</th><th>Số sê-ri (ONVIF)</th><th>Độ lệch đồng hồ camera</th><th>Thời gian thực tế của đoạn trích</th><th>Khoảng trống</th></tr>
${rows(cameras)}</table>
<h2>III. Danh sách tệp và mã băm SHA-256</h2>
<table><tr><th>STT</th><th>Tệp</th><th>Dung lượng (byte)</th><th>SHA-256</th></tr>
${rows(fileRows)}</table>
<p>Ngoài các tệp trên, gói có <code>manifest.json</code> (mô tả đầy đủ gói, gồm mã băm của biên bản này) và <code>manifest.sig</code> (chữ ký Ed25519 của đầu ghi trên manifest.json).</p>
${warnings}
<h2>${notes.length === 0 ? 'IV' : 'V'}. Cách kiểm tra</h2>
<p>Trên máy tính có Node.js: <code>node verify-export.mjs &lt;tệp .tar hoặc thư mục&gt; --fingerprint ${m.box.fingerprint}</code>.
Chương trình kiểm tra chữ ký, mã băm của từng tệp và báo chính xác tệp nào bị thay đổi. Nên dùng bản <code>verify-export.mjs</code> lấy từ nguồn tin cậy và đối chiếu dấu vân tay với biên bản này.</p>
<p>Dữ liệu được lưu vào thiết bị: <span class="dots"></span>, niêm phong bằng: <span class="dots"></span></p>
<div class="sign"><div><b>NGƯỜI THỰC HIỆN</b><br><i>(ký, ghi rõ họ tên)</i></div><div><b>NGƯỜI CHỨNG KIẾN</b><br><i>(ký, ghi rõ họ tên)</i></div><div><b>THỦ TRƯỞNG ĐƠN VỊ</b><br><i>(ký, ghi rõ họ tên)</i></div></div>
</body></html>
`;
}

/** What a reader must not miss (the manifest's warnings, in Vietnamese). */
function notesVi(m: Omit<Manifest, 'files'>): string[] {
  const out: string[] = [];
  for (const c of m.cameras) {
    for (const s of c.segments.filter((x) => x.check !== 'ok')) {
      out.push(`Camera ${c.id}: đoạn ghi nguồn ${s.relPath} ${s.check === 'unsealed' ? 'chưa được niêm phong mã băm' : `không khớp khi kiểm tra lúc trích xuất (${s.check})`}.`);
    }
    if (c.clip === null) out.push(`Camera ${c.id}: không có ghi hình trong khoảng thời gian yêu cầu.`);
    else if (c.gaps.length > 0) out.push(`Camera ${c.id}: có ${c.gaps.length} khoảng trống không có ghi hình (xem bảng mục II).`);
  }
  const states = [...m.clock.duringRange, ...(m.clock.atExport ? [m.clock.atExport] : [])];
  if (states.some((x) => x.status !== 'synchronized')) out.push('Đồng hồ đầu ghi không được xác nhận là đã đồng bộ trong suốt khoảng thời gian này (chi tiết trong manifest.json, mục clock).');
  return out;
}

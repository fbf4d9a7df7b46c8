/**
 * Build of the officers' web app: Preact (JSX through Vite's own Oxc transform, no
 * plugin), output to web/dist, which the daemon serves at /. Every asset also gets a
 * brotli and a gzip copy next to it, sent by @fastify/static to browsers that accept
 * them: the box's CPU compresses once at build time instead of per request, and an old
 * laptop on slow Wi-Fi loads a fraction of the bytes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

const compressible = /\.(js|css|html|svg|json)$/;

function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'nvr-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      for (const file of [...Object.keys(bundle), 'index.html']) {
        if (!compressible.test(file)) continue;
        const abs = path.join(outDir, file);
        const data = readFileSync(abs);
        writeFileSync(`${abs}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(`${abs}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Chromium, Firefox and Safari of the last few years; old laptops run these.
    target: 'es2020',
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    // The brotli pass of precompress() takes a second or two: not worth a timing report.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  plugins: [precompress()],
});

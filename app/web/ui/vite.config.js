// Builds the page that `ingress-lab serve` embeds and serves at `/` on its admin listener.
// `npm run dev` proxies the API to a running lab (ILAB_API, default the admin default).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 900,
  },
  server: {
    proxy: {
      '/api': { target: process.env.ILAB_API || 'http://127.0.0.1:9090', ws: true },
    },
  },
});

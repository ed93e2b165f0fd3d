import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console's front end: plain TypeScript and DOM, built into dist/client, which the server
// serves. The library is taken from its TypeScript sources (the `ccsds-source` condition) so
// that the browser runs the same portable decoding code as the server and the CLI.
export default defineConfig({
  root: fileURLToPath(new URL('./src/client', import.meta.url)),
  base: './',
  resolve: { conditions: ['ccsds-source', 'module', 'browser', 'development|production'] },
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1500,
  },
  logLevel: 'warn',
});

/**
 * Without WebAssembly the decoder falls back to the TypeScript engine (this file runs in its own
 * process, so removing the global does not affect the other tests).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

test('no WebAssembly: auto picks TypeScript, wasm is refused, decoding still works', async () => {
  const g = globalThis as { WebAssembly?: unknown };
  const saved = g.WebAssembly;
  delete g.WebAssembly;
  try {
    const c = await import('ccsds/coding');
    assert.equal(c.viterbiWasmAvailable(), false);
    assert.equal(await c.loadViterbiWasm(), false);
    const dec = new c.ViterbiDecoder();
    assert.equal(dec.engine, 'ts');
    assert.throws(
      () => new c.ViterbiDecoder({ engine: 'wasm' }),
      (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'UNSUPPORTED',
    );
    const data = Uint8Array.of(1, 2, 3, 250, 7);
    const enc = c.convEncode(data, { tail: true });
    const soft = c.hardToSoft(enc.symbols, enc.symbolCount);
    assert.deepEqual(c.decodeViterbiBlock(soft, { infoBits: 40 }), data);
    assert.deepEqual(
      Uint8Array.from([...dec.push(soft), ...dec.finish({ terminated: true })]),
      data,
    );
  } finally {
    g.WebAssembly = saved;
  }
});

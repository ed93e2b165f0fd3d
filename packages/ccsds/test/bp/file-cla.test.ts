import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SimulatedClock, fromHex, toHex } from 'ccsds/core';
import { encodeFileClaFrame, readFileClaStream, type FileClaReadResult } from 'ccsds/bp';
import { FileClaReader, FileClaWriter } from 'ccsds/bp/node';
import { loadVectors } from '../support/vectors.js';

interface Trace {
  offset: number;
  result: 'bundle' | 'error' | 'waiting_at_eof';
  bundle?: number;
  next_offset: number;
}
interface FileCla {
  vectors: { name: string; hex: string; fields: { bundle_vector: string } }[];
  streams: {
    name: string;
    hex: string;
    fields: { ion_reader_trace: Trace[]; ion_delivered_bundles: number[] };
  }[];
}
const file = loadVectors<FileCla>('bp/file-cla.json');
const bundles = new Map(
  loadVectors<{ vectors: { name: string; hex: string }[] }>('bp/bundles.json').vectors.map((v) => [
    v.name,
    v.hex,
  ]),
);
const frameBundles = file.vectors.map((v) => bundles.get(v.fields.bundle_vector)!);

function asTrace(r: FileClaReadResult[]): Omit<Trace, 'bundle'>[] {
  return r.map((x) => ({
    offset: x.offset,
    result: x.result === 'waiting' ? 'waiting_at_eof' : x.result,
    next_offset: x.next,
  }));
}

test('File CLA frames are byte-identical to ION', () => {
  assert.equal(file.vectors.length, 5);
  file.vectors.forEach((v, i) =>
    assert.equal(toHex(encodeFileClaFrame(fromHex(frameBundles[i]!))), v.hex, v.name),
  );
});

test("the reader reproduces ION's reader trace for every stream", () => {
  assert.equal(file.streams.length, 7);
  for (const s of file.streams) {
    const r = readFileClaStream(fromHex(s.hex));
    assert.deepEqual(
      asTrace(r),
      s.fields.ion_reader_trace.map((t) => ({
        offset: t.offset,
        result: t.result,
        next_offset: t.next_offset,
      })),
      s.name,
    );
    const delivered = r.flatMap((x) => (x.result === 'bundle' ? [toHex(x.bundle)] : []));
    assert.deepEqual(
      delivered,
      s.fields.ion_delivered_bundles.map((n) => frameBundles[n - 1]),
      s.name,
    );
  }
});

test('the polling reader on a real file: partial frames, bad frames, restarts resume', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-filecla-'));
  try {
    const path = join(dir, 'in.bundles');
    const clock = new SimulatedClock();
    const stream = fromHex(
      file.streams.find((s) => s.name === 'file-cla-stream-corrupt-data')!.hex,
    );
    writeFileSync(path, stream.subarray(0, 300)); // frame 1, frame 2 (bad), part of frame 3
    const got: string[] = [];
    const errors: number[] = [];
    const reader = new FileClaReader(path, { clock, pollIntervalMs: 50 });
    reader.events.on('bundle', (b) => got.push(toHex(b)));
    reader.events.on('error', (_e, off) => errors.push(off));
    reader.start();
    assert.deepEqual(got, [frameBundles[0]]);
    assert.deepEqual(errors, [86]);
    assert.equal(reader.position, 272);
    appendFileSync(path, stream.subarray(300, 400));
    clock.advance(50);
    assert.equal(got.length, 2);
    reader.stop();
    assert.equal(readFileSync(`${path}.pos`, 'utf8').trim(), '391');
    // A new reader (a restart) carries on from the saved position.
    appendFileSync(path, stream.subarray(400));
    const again = new FileClaReader(path, { clock });
    const more: string[] = [];
    again.events.on('bundle', (b) => more.push(toHex(b)));
    again.readAvailable();
    assert.deepEqual(more, [frameBundles[3], frameBundles[4]]);
    // The writer appends frames a reader reads.
    new FileClaWriter(path).write(fromHex(frameBundles[0]!));
    again.readAvailable();
    assert.equal(more.length, 3);
    assert.equal(again.position, stream.length + 86);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

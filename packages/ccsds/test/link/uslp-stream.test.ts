/**
 * USLP receiver fed a byte stream: variable-length and truncated frames cut by the core framed
 * stream reader across any chunk boundaries, garbage between frames skipped and reported once per
 * run, a partial frame at the end reported, and SDUs cut off by the end of the stream reported on
 * their own MAP.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { concatBytes, SeededRandom, toHex } from 'ccsds/core';
import { encodeUslpFrame, UslpReceiver, type UslpReceivedSdu, UslpSender } from 'ccsds/link';
import { randomPacket } from './helpers.js';

/** Random octets none of which starts a USLP header (version nibble 1100). */
function garbage(rng: SeededRandom, n: number): Uint8Array {
  const g = rng.bytes(n);
  for (let i = 0; i < n; i++) if (g[i]! >> 4 === 12) g[i] = g[i]! ^ 0x80;
  return g;
}

test('USLP variable-length stream: garbage between frames and any chunking lose no frame', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1e9 }), (seed) => {
      const rng = new SeededRandom(seed);
      const tx = new UslpSender({
        spacecraftId: 77,
        frameType: 'variable',
        frameLength: 40 + rng.nextInt(300),
        fecfPresent: true,
        channels: [{ virtualChannelId: 2 }],
      });
      const packets = Array.from({ length: 1 + rng.nextInt(25) }, () => randomPacket(rng, 1, 200));
      for (const p of packets) tx.send(2, 0, p);
      const frames = tx.flush();
      const parts: Uint8Array[] = [];
      let bursts = 0;
      for (const f of frames) {
        if (rng.chance(0.3)) {
          parts.push(garbage(rng, 1 + rng.nextInt(40)));
          bursts++;
        }
        parts.push(f);
      }
      const stream = concatBytes(parts);
      const got: string[] = [];
      const rx = new UslpReceiver({
        frameType: 'variable',
        fecfPresent: true,
        onPacket: (p) => got.push(toHex(p.data)),
      });
      for (let i = 0; i < stream.length; ) {
        const n = 1 + rng.nextInt(200);
        rx.push(stream.subarray(i, i + n));
        i += n;
      }
      rx.end();
      assert.deepEqual(got, packets.map(toHex));
      assert.equal(rx.counters.accepted, frames.length);
      assert.equal(rx.counters.badHeader, bursts);
      assert.equal(rx.counters.frames, frames.length + bursts);
    }),
    { numRuns: 150 },
  );
});

test('USLP stream: truncated frames between full ones; a partial frame at the end is one bad frame', () => {
  const full = encodeUslpFrame({
    spacecraftId: 5,
    virtualChannelId: 1,
    tfdzConstructionRules: 3,
    uslpProtocolId: 4,
    tfdz: Uint8Array.of(1, 2, 3, 4, 5),
  });
  const trunc = encodeUslpFrame({
    spacecraftId: 5,
    virtualChannelId: 1,
    truncated: true,
    tfdzConstructionRules: 3,
    uslpProtocolId: 4,
    tfdz: Uint8Array.of(9, 9, 9),
  });
  assert.equal(trunc.length, 8);
  const sdus: string[] = [];
  const rx = new UslpReceiver({
    frameType: 'variable',
    truncatedFrameLength: 8,
    onSdu: (s) => sdus.push(toHex(s.data)),
  });
  const stream = concatBytes([full, trunc, full, trunc, full.subarray(0, 7)]);
  for (const b of stream) rx.push(Uint8Array.of(b)); // one octet at a time
  rx.end();
  assert.deepEqual(sdus, ['0102030405', '090909', '0102030405', '090909']);
  assert.equal(rx.counters.accepted, 4);
  assert.equal(rx.counters.badHeader, 1);
  // The receiver starts again after end().
  rx.push(full);
  rx.end();
  assert.equal(rx.counters.accepted, 5);
});

test('USLP: an SDU cut off by the end of the stream is reported on its own MAP', () => {
  const tx = new UslpSender({
    spacecraftId: 9,
    frameType: 'variable',
    frameLength: 60,
    channels: [{ virtualChannelId: 3, mapId: 7 }],
  });
  tx.sendSdu(3, 7, new Uint8Array(200).fill(3));
  const frames = tx.flush();
  assert.ok(frames.length > 2);
  const seen: UslpReceivedSdu[] = [];
  const rx = new UslpReceiver({
    frameType: 'variable',
    gapPolicy: 'flag',
    onSdu: (s) => seen.push(s),
  });
  for (const f of frames.slice(0, -1)) rx.pushFrame(f);
  rx.end();
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.mapId, 7);
  assert.equal(seen[0]!.quality, 'incomplete');
  assert.ok(seen[0]!.data.length < 200);
});

/**
 * Robustness: random and mutated octets into every frame decoder and receiver (>= 100,000 inputs
 * each). Decoders may only throw CcsdsError; receivers never throw at all and never deliver a
 * packet that was not sent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, toHex } from 'ccsds/core';
import {
  AosReceiver,
  AosSender,
  correctAosHeader,
  decodeAosFrame,
  decodeClcw,
  decodeTmFrame,
  decodeUslpFrame,
  hasValidFecf,
  TmReceiver,
  TmSender,
  UslpReceiver,
  UslpSender,
} from 'ccsds/link';
import { fuzzDecoder } from '../support/fuzz.js';
import { randomPacket } from './helpers.js';

const rng = new SeededRandom(99);
const packets = Array.from({ length: 60 }, () => randomPacket(rng, 1, 150));
const sent = new Set(packets.map(toHex));

function tmFrames(frameLength: number, fecfPresent: boolean): Uint8Array[] {
  const tx = new TmSender({
    spacecraftId: 5,
    frameLength,
    fecfPresent,
    ocfPresent: true,
    virtualChannels: [{ virtualChannelId: 2 }, { virtualChannelId: 3, secondaryHeaderLength: 4 }],
  });
  packets.forEach((p, i) => tx.send(i % 2 === 0 ? 2 : 3, p));
  return tx.flush();
}
function aosFrames(): Uint8Array[] {
  const tx = new AosSender({
    spacecraftId: 5,
    frameLength: 96,
    fhecPresent: true,
    insertZoneLength: 2,
    fecfPresent: true,
    virtualChannels: [{ virtualChannelId: 4 }],
  });
  for (const p of packets) tx.send(4, p);
  return [...tx.flush(), tx.nextFrame()];
}
function uslpFrames(frameType: 'fixed' | 'variable'): Uint8Array[] {
  const tx = new UslpSender({
    spacecraftId: 5,
    frameType,
    frameLength: 90,
    fecfPresent: true,
    vcFrameCountLength: 2,
    channels: [{ virtualChannelId: 4 }, { virtualChannelId: 4, mapId: 1 }],
  });
  packets.forEach((p, i) => tx.send(4, i % 2, p));
  return [...tx.flush(), tx.nextFrame()];
}

const tmSeeds = tmFrames(120, true);
const tmPlain = tmFrames(80, false);
const aosSeeds = aosFrames();
const uslpFixed = uslpFrames('fixed');
const uslpVar = uslpFrames('variable');

test('fuzz: TM frame decoder', () => {
  const s = fuzzDecoder((b) => decodeTmFrame(b, { fecfPresent: true }), {
    seeds: tmSeeds,
    seed: 1,
    maxRandomLength: 160,
  });
  assert.ok(s.accepted > 0 && s.rejected > 0);
  const t = fuzzDecoder((b) => decodeTmFrame(b, { frameLength: 80 }), {
    seeds: tmPlain,
    seed: 2,
    maxRandomLength: 160,
  });
  assert.ok(t.accepted > 0 && t.rejected > 0);
});

test('fuzz: AOS frame decoder and FHEC corrector', () => {
  const s = fuzzDecoder(
    (b) =>
      decodeAosFrame(b, {
        frameLength: 96,
        fhecPresent: true,
        insertZoneLength: 2,
        fecfPresent: true,
        userDataType: 'M_PDU',
      }),
    { seeds: aosSeeds, seed: 3, maxRandomLength: 120 },
  );
  assert.ok(s.accepted > 0 && s.rejected > 0);
  fuzzDecoder((b) => correctAosHeader(b), {
    seeds: aosSeeds.map((f) => f.subarray(0, 8)),
    seed: 4,
    runs: 100_000,
  });
});

test('fuzz: USLP frame decoder (fixed, variable, truncated) and CLCW', () => {
  const s = fuzzDecoder(
    (b) => decodeUslpFrame(b, { fecfPresent: true, truncatedFrameLength: 20 }),
    {
      seeds: [...uslpFixed, ...uslpVar],
      seed: 5,
      maxRandomLength: 120,
    },
  );
  assert.ok(s.accepted > 0 && s.rejected > 0);
  fuzzDecoder((b) => decodeClcw(b), {
    seeds: [new Uint8Array([1, 2, 3, 4])],
    seed: 6,
    runs: 100_000,
  });
});

/** Frame lengths used by the receivers under test (other lengths are rejected before the CRC). */
function frameLike(b: Uint8Array): boolean {
  return (
    b.length === 120 || b.length === 96 || b.length === 90 || b.length === 20 || b.length <= 90
  );
}

/** Feeds each mutated input as a frame to a long-lived receiver; any exception fails. */
function fuzzReceiver(
  name: string,
  seeds: Uint8Array[],
  make: (onPacket: (d: Uint8Array, good: boolean) => void) => {
    pushFrame(f: Uint8Array): void;
    push(c: Uint8Array): void;
  },
  seed: number,
) {
  let good = 0;
  let wrong = 0;
  const rx = make((d, ok) => {
    if (!ok) return;
    good++;
    if (!sent.has(toHex(d))) wrong++;
  });
  const seedSet = new Set(seeds.map(toHex));
  let collisions = 0;
  const stats = fuzzDecoder(
    (b) => {
      // A mutation whose FECF still matches (a CRC-16 collision, about 1 in 65,536) is a valid
      // frame as far as any receiver can tell: leave it out of the "never invent" property.
      if (!seedSet.has(toHex(b)) && b.length >= 8 && hasValidFecf(b) && frameLike(b)) {
        collisions++;
        return;
      }
      try {
        rx.pushFrame(b);
        rx.push(b);
      } catch (e) {
        assert.fail(`${name} receiver threw ${String(e)}`);
      }
    },
    { seeds, seed, maxRandomLength: 130 },
  );
  assert.equal(stats.rejected, 0);
  assert.ok(collisions < stats.runs / 1000, `${name}: ${collisions} CRC collisions`);
  assert.ok(good > 0, `${name}: some packets came through`);
  // Corruption the frame checks cannot see (no FECF on random frames that happen to pass) could
  // only produce foreign packets through a bad CRC collision; with FECF none may appear.
  assert.equal(wrong, 0, `${name}: ${wrong} packets that were never sent`);
}

test('fuzz: receivers never throw and never invent packets (>= 100,000 frames each)', () => {
  fuzzReceiver(
    'TM',
    tmSeeds,
    (cb) =>
      new TmReceiver({
        frameLength: 120,
        fecfPresent: true,
        onPacket: (p) => cb(p.data, p.quality === 'good'),
      }),
    7,
  );
  fuzzReceiver(
    'AOS',
    aosSeeds,
    (cb) =>
      new AosReceiver({
        frameLength: 96,
        fhecPresent: true,
        insertZoneLength: 2,
        fecfPresent: true,
        onPacket: (p) => cb(p.data, p.quality === 'good'),
      }),
    8,
  );
  fuzzReceiver(
    'USLP fixed',
    uslpFixed,
    (cb) =>
      new UslpReceiver({
        frameType: 'fixed',
        frameLength: 90,
        fecfPresent: true,
        onPacket: (p) => cb(p.data, p.quality === 'good'),
      }),
    9,
  );
  fuzzReceiver(
    'USLP variable',
    uslpVar,
    (cb) =>
      new UslpReceiver({
        frameType: 'variable',
        fecfPresent: true,
        truncatedFrameLength: 20,
        onPacket: (p) => cb(p.data, p.quality === 'good'),
      }),
    10,
  );
});

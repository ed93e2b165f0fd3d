import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { SeededRandom, SimulatedClock } from 'ccsds/core';
import { type ContactWindow, PhysicalChannel } from 'ccsds/mission';

function bitAt(packed: Uint8Array, k: number): number {
  return (packed[k >> 3]! >> (7 - (k & 7))) & 1;
}

test('property: noiseless, any transmits and pass plan: exactly the in-contact symbols arrive, in order', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.uint8Array({ minLength: 0, maxLength: 40 }), fc.nat(7), fc.nat(50)), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.array(fc.tuple(fc.nat(3000), fc.integer({ min: 1, max: 400 })), { maxLength: 6 }),
      fc.integer({ min: 8, max: 100 }),
      fc.constantFrom('soft' as const, 'hard' as const),
      (sends, windows, maxChunkSymbols, output) => {
        const clock = new SimulatedClock();
        const contacts: ContactWindow[] = windows.map(([s, d]) => ({ startMs: s, endMs: s + d }));
        const got: number[] = [];
        const ch = new PhysicalChannel(
          clock,
          { lightTimeMs: 7, symbolRate: 1000, output, contacts, maxChunkSymbols },
          (symbols, count) => {
            assert.ok(count <= maxChunkSymbols);
            for (let k = 0; k < count; k++) {
              got.push(
                output === 'soft'
                  ? symbols[k] === 255
                    ? 1
                    : symbols[k] === 0
                      ? 0
                      : 9
                  : bitAt(symbols, k),
              );
            }
          },
        );
        const inContact = (t: number): boolean =>
          contacts.some((w) => w.startMs <= t && t < w.endMs);
        const expected: number[] = [];
        let sent = 0;
        for (const [bytes, trim, pause] of sends) {
          clock.advance(pause);
          const count = Math.max(0, bytes.length * 8 - trim);
          const start = Math.max(clock.now(), ch.idleAt);
          const end = ch.transmit(bytes, count);
          assert.equal(end, start + count);
          for (let k = 0; k < count; k++) if (inContact(start + k)) expected.push(bitAt(bytes, k));
          sent += count;
        }
        clock.runUntilIdle();
        assert.deepEqual(got, expected);
        const s = ch.stats;
        assert.equal(s.symbolsSent, sent);
        assert.equal(s.symbolsDelivered, expected.length);
        assert.equal(s.symbolsLostToOutage, sent - expected.length);
      },
    ),
    { numRuns: 200 },
  );
});

test('no signal (Eb/N0 = -Infinity): soft symbols centred on 127.5, half the decisions wrong', () => {
  const clock = new SimulatedClock();
  const out: Uint8Array[] = [];
  const ch = new PhysicalChannel(
    clock,
    { lightTimeMs: 0, symbolRate: 1e6, ebN0Db: -Infinity, output: 'soft', seed: 12 },
    (s) => out.push(s),
  );
  const data = new SeededRandom(4).bytes(25_000);
  ch.transmit(data);
  clock.runUntilIdle();
  let sum = 0;
  let n = 0;
  for (const s of out) {
    for (const v of s) sum += v;
    n += s.length;
  }
  assert.ok(Math.abs(sum / n - 127.5) < 0.5, `mean ${sum / n}`);
  const ber = ch.stats.hardSymbolErrors / n;
  assert.ok(Math.abs(ber - 0.5) < 0.005, `BER ${ber}`);
});

test('transmit checks its input: wrong types and counts throw CcsdsError only', () => {
  const clock = new SimulatedClock();
  const ch = new PhysicalChannel(
    clock,
    { lightTimeMs: 0, symbolRate: 10, output: 'hard' },
    () => {},
  );
  for (const [bits, count] of [
    [new Uint8Array(1), 9],
    [new Uint8Array(1), -1],
    [new Uint8Array(1), 1.5],
    ['abc', 3],
    [null, 0],
  ] as const) {
    assert.throws(
      () => ch.transmit(bits as unknown as Uint8Array, count),
      (e: unknown) => (e as { name?: string }).name === 'CcsdsError',
    );
  }
  assert.equal(ch.transmit(new Uint8Array(0)), 0, 'nothing to send: idle now');
});

/**
 * A Mars downlink from its link budget: the budget's Eb/N0 drives the physical channel
 * (20-minute light time, AWGN BPSK soft symbols, a fade burst now and then), and the TM coding
 * chain (RS(255,223) I=5 + convolutional r=1/2) brings every frame back. Virtual time: runs in
 * about a second of real time.
 * Run: `node --import tsx --conditions=ccsds-source examples/mission-link.ts`
 */
import { SeededRandom, SimulatedClock } from 'ccsds/core';
import { TmChainDecoder, TmChainEncoder, type TmChainFrame } from 'ccsds/coding';
import { CODING_SCHEMES, LINK_BUDGET_PRESETS, linkBudget, PhysicalChannel } from 'ccsds/mission';

const input = { ...LINK_BUDGET_PRESETS.mars.downlink, dataRateBps: 1_000_000 };
const budget = linkBudget(input);
console.log(
  `Mars X-band at 1 Mbit/s: C/N0 ${budget.cOverN0DbHz.toFixed(1)} dB-Hz, ` +
    `Eb/N0 ${budget.ebN0Db.toFixed(2)} dB, margin ${budget.marginDb.toFixed(2)} dB`,
);

const chain = { frameLength: 1115, rs: { interleave: 5 }, conv: '1/2' } as const;
const codeRate = CODING_SCHEMES['rs-255-223+conv-1/2'].codeRate;
const clock = new SimulatedClock();
const decoder = new TmChainDecoder({ ...chain, input: 'soft8' });
const received: TmChainFrame[] = [];
const channel = new PhysicalChannel(
  clock,
  {
    lightTimeMs: (2.25e11 / 299_792_458) * 1000, // 12.5 minutes
    symbolRate: input.dataRateBps / codeRate,
    codeRate,
    ebN0Db: budget.ebN0Db,
    bursts: { meanGapMs: 200, meanDurationMs: 0.05, ebN0Db: -Infinity },
    output: 'soft',
    seed: 3,
  },
  (symbols) => received.push(...decoder.push(symbols)),
);

const rng = new SeededRandom(1);
const frames = Array.from({ length: 100 }, () => rng.bytes(chain.frameLength));
const encoder = new TmChainEncoder({ ...chain, output: 'bits' });
for (const f of frames) channel.transmit(encoder.encode(f));
const lastSymbolOut = channel.transmit(encoder.finish());
clock.runUntilIdle();
received.push(...decoder.finish());

const intact = received.filter(
  (f, i) => f.ok && f.data.every((b, j) => b === frames[i]![j]),
).length;
const s = channel.stats;
console.log(
  `${frames.length} frames on air for ${(lastSymbolOut / 1000).toFixed(2)} s, ` +
    `last one in at ${(clock.now() / 60_000).toFixed(2)} min: ${intact} intact, ` +
    `${decoder.stats.correctedSymbols} RS symbols corrected, ` +
    `${s.hardSymbolErrors} channel symbol errors (${s.burstCount} fades)`,
);
if (intact !== frames.length) process.exit(1);

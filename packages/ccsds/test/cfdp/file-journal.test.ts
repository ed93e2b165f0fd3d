import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JournalRecord, replayJournal } from 'ccsds/cfdp';
import { FileJournal, frameJournalRecord, readJournalRecords } from 'ccsds/cfdp/node';
import { fuzzDecoder } from '../support/fuzz.js';

const header = {
  version: 1,
  pduType: 0 as const,
  direction: 0 as const,
  transmissionMode: 0 as const,
  crcFlag: false,
  largeFileFlag: false,
  segmentationControl: false,
  segmentMetadataFlag: false,
  entityIdLength: 1,
  transactionSeqNumLength: 2,
  sourceEntityId: '1',
  destinationEntityId: '2',
  transactionSequenceNumber: '7',
};

const RECORDS: JournalRecord[] = [
  { t: 'seq', next: '8' },
  {
    t: 'tx',
    k: '1:7',
    remote: '2',
    header,
    request: { destinationEntityId: '2', sourceFileName: 'a.bin', destinationFileName: 'b.bin' },
    fileSize: 5_000_000,
  },
  {
    t: 'txp',
    k: '1:7',
    next: 1 << 20,
    checksum: { type: 3, value: 123, crcOffset: 1 << 20, inOrder: true },
  },
  { t: 'rx', k: '2:3', remote: '2', header: { ...header, sourceEntityId: '2' } },
  { t: 'rxtmp', k: '2:3', path: '.ccsds-tmp/rx-2_3-1' },
  {
    t: 'rxr',
    k: '2:3',
    ranges: [
      [0, 4096],
      [8192, 9000],
    ],
  },
];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ccsds-journal-'));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a journal cut at any byte of its last record recovers every record before it, and appends go on', async () => {
  await withDir(async (dir) => {
    const whole = new Uint8Array(RECORDS.flatMap((r) => [...frameJournalRecord(r)]));
    const lastLength = frameJournalRecord(RECORDS[RECORDS.length - 1]!).length;
    const lastStart = whole.length - lastLength;
    const before = replayJournal(RECORDS.slice(0, -1));
    for (let cut = lastStart; cut <= whole.length; cut++) {
      const state = join(dir, `cut-${cut}`);
      const j0 = FileJournal.open(state);
      j0.close();
      writeFileSync(join(state, 'cfdp.journal'), whole.subarray(0, cut));
      const j = FileJournal.open(state);
      const loaded = await j.load();
      const want = cut === whole.length ? replayJournal(RECORDS) : before;
      assert.deepEqual(replayJournal(loaded), want, `cut at ${cut}`);
      // The torn tail is gone: a record appended now is read back after a reopen.
      j.append({ t: 'end', k: '2:3' });
      j.close();
      const again = FileJournal.open(state);
      const s = replayJournal(await again.load());
      again.close();
      assert.deepEqual(
        s.receivers.map((r) => r.key),
        [],
        `cut at ${cut}: the appended end record counts`,
      );
      assert.deepEqual(
        s.senders.map((x) => [x.key, x.next]),
        [['1:7', 1 << 20]],
      );
      rmSync(state, { recursive: true, force: true });
    }
  });
});

test('a damaged record (CRC) ends what is read; opening compacts to the live records', async () => {
  await withDir(async (dir) => {
    const frames = RECORDS.map(frameJournalRecord);
    const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let o = 0;
    for (const f of frames) {
      bytes.set(f, o);
      o += f.length;
    }
    const damagedAt = frames[0]!.length + frames[1]!.length + 12; // inside the third payload
    bytes[damagedAt]! ^= 0x40;
    const r = readJournalRecords(bytes);
    assert.equal(r.records.length, 2);
    assert.equal(r.goodLength, frames[0]!.length + frames[1]!.length);
    writeFileSync(join(dir, 'cfdp.journal'), bytes);
    const j = FileJournal.open(dir);
    assert.deepEqual(
      (await j.load()).map((x) => x.t),
      ['seq', 'tx'],
    );
    j.close();
    // Compacted: the file now holds exactly the live records, whole.
    const after = readJournalRecords(new Uint8Array(readFileSync(join(dir, 'cfdp.journal'))));
    assert.equal(after.goodLength, readFileSync(join(dir, 'cfdp.journal')).length);
  });
});

test('fuzz: readJournalRecords never throws on random or mutated journals', () => {
  const valid = RECORDS.map(frameJournalRecord);
  valid.push(new Uint8Array(valid.flatMap((f) => [...f])));
  const stats = fuzzDecoder(
    (b) => {
      const r = readJournalRecords(b);
      assert.ok(r.goodLength <= b.length);
      return r.records;
    },
    { seeds: valid, runs: 20_000, seed: 99 },
  );
  assert.ok(stats.runs >= 20_000);
});

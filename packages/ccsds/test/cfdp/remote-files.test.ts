import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CcsdsError } from 'ccsds/core';
import {
  escapeListingName,
  encodeStatusReportFile,
  formatDirectoryListing,
  isFilestoreActionAllowed,
  isOperationAllowed,
  parseDirectoryListing,
  parseStatusReportFile,
  unescapeListingName,
  unknownOperations,
  writeDirectoryListing,
} from 'ccsds/cfdp';
import { type DirectoryEntry, MemoryFileStore } from 'ccsds/filestore';

const enc = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

/** True for a string without lone surrogates (it survives a UTF-8 round trip). */
function wellFormed(s: string): boolean {
  try {
    return strict.decode(enc.encode(s)) === s;
  } catch {
    return false;
  }
}

test('directory listing file: the documented format, byte for byte', () => {
  const text = formatDirectoryListing('data/img', [
    { name: 'raw', isDirectory: true, size: 0, modifiedMs: Date.UTC(2024, 4, 1, 12) },
    {
      name: 'a\tb%\n.bin',
      isDirectory: false,
      size: 1048576,
      modifiedMs: Date.UTC(2024, 4, 1, 12, 3, 10, 250),
    },
    { name: 'ünï', isDirectory: false, size: 3, modifiedMs: NaN },
  ]);
  assert.equal(
    text,
    '# cfdp-directory-listing 1\n# directory data/img\n' +
      'd\t0\t2024-05-01T12:00:00.000Z\traw\n' +
      'f\t1048576\t2024-05-01T12:03:10.250Z\ta%09b%25%0A.bin\n' +
      'f\t3\t-\tünï\n',
  );
  const back = parseDirectoryListing(enc.encode(text));
  assert.equal(back.directoryName, 'data/img');
  assert.deepEqual(
    back.entries.map((e) => [e.name, e.isDirectory, e.size]),
    [
      ['raw', true, 0],
      ['a\tb%\n.bin', false, 1048576],
      ['ünï', false, 3],
    ],
  );
  assert.ok(Number.isNaN(back.entries[2]!.modifiedMs));
  // CRLF line ends and unknown header lines are accepted.
  const crlf = parseDirectoryListing(
    enc.encode('# cfdp-directory-listing 1\r\n# later: x\r\nf\t1\t-\tx\r\n'),
  );
  assert.deepEqual(
    crlf.entries.map((e) => e.name),
    ['x'],
  );
});

test('directory listing round trip for any names, through a file handle in chunks', async () => {
  const fs = new MemoryFileStore();
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          name: fc
            .string({ minLength: 1, maxLength: 40, unit: 'binary' })
            .filter((n) => !n.includes('/') && wellFormed(n)),
          isDirectory: fc.boolean(),
          size: fc.nat(),
          modifiedMs: fc.integer({ min: 0, max: 4102444800000 }),
        }),
        { maxLength: 3000 },
      ),
      fc.string({ maxLength: 30 }).filter((n) => wellFormed(n)),
      async (entries: DirectoryEntry[], dir: string) => {
        const h = await fs.openWrite('l', { truncate: true });
        const n = await writeDirectoryListing(h, dir, entries);
        await h.close();
        const r = await fs.openRead('l');
        const bytes = await r.read(0, n);
        await r.close();
        assert.equal(new TextDecoder().decode(bytes), formatDirectoryListing(dir, entries));
        const back = parseDirectoryListing(bytes);
        assert.equal(back.directoryName, dir);
        assert.deepEqual(
          back.entries,
          entries.map((e) => ({ ...e, size: e.isDirectory ? 0 : e.size })),
        );
      },
    ),
    { numRuns: 60 },
  );
});

test('directory listing parser: malformed input and limits throw CcsdsError only', () => {
  const cases: [string, string][] = [
    ['', 'INVALID_FIELD'],
    ['not a listing\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 2\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nx\t1\t-\tname\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t-1\t-\tname\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t99999999999999999\t-\tname\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\tyesterday\tname\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\t-\ta/b\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\t-\t\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\t-\tbad%zz\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\t-\tlatin%E9\n', 'INVALID_FIELD'],
    ['# cfdp-directory-listing 1\nf\t1\t-\tname\textra\n', 'INVALID_FIELD'],
  ];
  for (const [text, code] of cases) {
    assert.throws(
      () => parseDirectoryListing(enc.encode(text)),
      (e: unknown) => e instanceof CcsdsError && e.code === code,
      JSON.stringify(text),
    );
  }
  const bad = parseDirectoryListingError(
    new Uint8Array([...enc.encode('# cfdp-directory-listing 1\nf\t1\t-\t'), 0xff, 0x0a]),
  );
  assert.equal(bad.code, 'INVALID_FIELD');
  assert.equal(bad.offset, 27, 'the offset of the bad line');
  const many = enc.encode(
    formatDirectoryListing(
      '',
      Array.from({ length: 11 }, (_, i) => ({
        name: `n${i}`,
        isDirectory: false,
        size: 0,
        modifiedMs: 0,
      })),
    ),
  );
  assert.throws(() => parseDirectoryListing(many, { maxEntries: 10 }), /more than 10 entries/);
  assert.throws(
    () => parseDirectoryListing(many, { maxOctets: 100 }),
    (e: unknown) => e instanceof CcsdsError && e.code === 'LIMIT_EXCEEDED',
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (junk, prefixed) => {
      const input = prefixed
        ? new Uint8Array([...enc.encode('# cfdp-directory-listing 1\n'), ...junk])
        : junk;
      try {
        parseDirectoryListing(input);
      } catch (e) {
        assert.ok(e instanceof CcsdsError, String(e));
      }
    }),
    { numRuns: 3000 },
  );
  assert.equal(unescapeListingName(escapeListingName('%%\u0000\u007f')), '%%\u0000\u007f');
});

function parseDirectoryListingError(bytes: Uint8Array): CcsdsError {
  try {
    parseDirectoryListing(bytes);
  } catch (e) {
    if (e instanceof CcsdsError) return e;
    throw e;
  }
  throw new Error('no error');
}

test('status report file: round trip, unknown transactions, and hostile input', () => {
  const id = { sourceEntityId: 18446744073709551615n, sequenceNumber: 7n };
  const report = {
    transactionId: id,
    role: 'receiver' as const,
    state: 'suspended' as const,
    remoteEntityId: 3n,
    transmissionClass: 2 as const,
    sourceFileName: 'a',
    destinationFileName: 'b',
    fileSize: 100,
    progress: 40,
    conditionCode: 0,
    startedAt: 1234,
  };
  assert.deepEqual(parseStatusReportFile(encodeStatusReportFile(id, report)), {
    transactionId: id,
    known: true,
    report,
  });
  const noSize = parseStatusReportFile(
    encodeStatusReportFile(id, { ...report, fileSize: undefined }),
  );
  assert.equal(noSize.report?.fileSize, undefined);
  assert.deepEqual(parseStatusReportFile(encodeStatusReportFile(id, undefined)), {
    transactionId: id,
    known: false,
  });
  for (const text of [
    '',
    '[]',
    'null',
    '{"format":"x","version":1}',
    '{"format":"cfdp-status-report","version":1,"transactionId":"1","known":false}',
    '{"format":"cfdp-status-report","version":1,"transactionId":"1:2","known":true}',
    '{"format":"cfdp-status-report","version":1,"transactionId":"1:2","known":true,"role":"sender","state":"gone"}',
  ]) {
    assert.throws(
      () => parseStatusReportFile(enc.encode(text)),
      (e: unknown) => e instanceof CcsdsError && e.code === 'INVALID_FIELD',
      text,
    );
  }
  assert.throws(
    () => parseStatusReportFile(new Uint8Array(70_000)),
    (e: unknown) => e instanceof CcsdsError && e.code === 'LIMIT_EXCEEDED',
  );
});

test('policy names: grants, implied grants, filestore actions by name or code, unknown names', () => {
  assert.equal(isOperationAllowed([], 'get'), false);
  assert.equal(isOperationAllowed(['proxy-put'], 'get'), true);
  assert.equal(isOperationAllowed(['get'], 'proxy-put'), false);
  assert.equal(isOperationAllowed(['remote-suspend'], 'remote-resume'), true);
  assert.equal(isOperationAllowed(['remote-resume'], 'remote-suspend'), false);
  assert.equal(isFilestoreActionAllowed(['filestore'], 1), true);
  assert.equal(isFilestoreActionAllowed(['filestore:delete-file'], 1), true);
  assert.equal(isFilestoreActionAllowed(['filestore:1'], 1), true);
  assert.equal(isFilestoreActionAllowed(['filestore:1'], 2), false);
  assert.equal(isFilestoreActionAllowed(['filestore:delete-file'], 99), false);
  assert.deepEqual(
    unknownOperations(['get', 'filestore:rename-file', 'filestore:6', 'gett', 'filestore:rm']),
    ['gett', 'filestore:rm'],
  );
});

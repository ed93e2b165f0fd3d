import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteReader, ByteWriter, CcsdsError, fromHex, toHex } from 'ccsds/core';
import {
  type ReservedMessage,
  type ReservedTransactionId,
  ReservedMessageType,
  decodePdu,
  decodeReservedMessage,
  encodeReservedMessage,
  isReservedMessageValue,
  readTlv,
  reservedMessageFromTlv,
  reservedMessageToTlv,
  reservedMessageType,
  writeTlv,
} from 'ccsds/cfdp';
import fc from 'fast-check';
import { fuzzDecoder } from '../support/fuzz.js';
import { loadVectors } from '../support/vectors.js';

interface Vector {
  name: string;
  hex: string;
  non_standard?: boolean;
  fields: {
    type: number;
    length: number;
    message: string;
    reserved_cfdp_message: Record<string, unknown>;
  };
}
interface VectorFile {
  vectors: Vector[];
}
interface PduVector {
  name: string;
  hex: string;
  fields: { options?: { message?: string; reserved_cfdp_message?: Record<string, unknown> }[] };
}

const file = loadVectors<VectorFile>('cfdp/user-messages.json');
const standard = file.vectors.filter((v) => v.non_standard !== true);

const hexOf = (v: bigint, width: number): string => v.toString(16).padStart(2 * width, '0');
const utf8 = (s: string): string => toHex(new TextEncoder().encode(s));

/** Renders a decoded message in the vector files' field names and conventions. */
function toVectorFields(m: ReservedMessage): Record<string, unknown> {
  const tid = (t: ReservedTransactionId): Record<string, unknown> => ({
    entity_id_length: t.entityIdLength,
    transaction_seq_num_length: t.transactionSeqNumLength,
    source_entity_id: hexOf(t.sourceEntityId, t.entityIdLength),
    transaction_seq_num: hexOf(t.transactionSequenceNumber, t.transactionSeqNumLength),
  });
  const base = { message_type: reservedMessageType(m) };
  switch (m.kind) {
    case 'proxyPutRequest':
      return {
        ...base,
        destination_entity_id: hexOf(m.destinationEntityId, m.destinationEntityIdLength),
        source_file_name: m.sourceFileName,
        destination_file_name: m.destinationFileName,
      };
    case 'proxyMessageToUser':
      return { ...base, message: toHex(m.message) };
    case 'proxyFilestoreRequest':
      return {
        ...base,
        action_code: m.actionCode,
        first_file_name: m.firstFileName,
        second_file_name: m.secondFileName,
      };
    case 'proxyFaultHandlerOverride':
      return { ...base, condition_code: m.conditionCode, handler_code: m.handlerCode };
    case 'proxyTransmissionMode':
      return { ...base, transmission_mode: m.transmissionMode };
    case 'proxyFlowLabel':
      return { ...base, flow_label: toHex(m.flowLabel) };
    case 'proxySegmentationControl':
      return { ...base, segmentation_control: m.segmentationControl ? 1 : 0 };
    case 'proxyPutResponse':
      return {
        ...base,
        condition_code: m.conditionCode,
        delivery_code: m.deliveryCode,
        file_status: m.fileStatus,
      };
    case 'proxyFilestoreResponse':
      return {
        ...base,
        action_code: m.actionCode,
        status_code: m.statusCode,
        first_file_name: m.firstFileName,
        second_file_name: m.secondFileName,
        filestore_message: m.filestoreMessage,
      };
    case 'proxyPutCancel':
      return base;
    case 'originatingTransactionId':
    case 'remoteSuspendRequest':
    case 'remoteResumeRequest':
      return { ...base, ...tid(m) };
    case 'proxyClosureRequest':
      return { ...base, closure_requested: m.closureRequested ? 1 : 0 };
    case 'directoryListingRequest':
      return {
        ...base,
        directory_name: m.directoryName,
        directory_file_name: m.directoryFileName,
      };
    case 'directoryListingResponse':
      return {
        ...base,
        listing_response_code: m.listingResponseCode,
        directory_name: m.directoryName,
        directory_file_name: m.directoryFileName,
      };
    case 'remoteStatusReportRequest':
      return { ...base, ...tid(m), report_file_name: m.reportFileName };
    case 'remoteStatusReportResponse':
      return {
        ...base,
        transaction_status: m.transactionStatus,
        response_code: m.responseCode,
        ...tid(m),
      };
    case 'remoteSuspendResponse':
    case 'remoteResumeResponse':
      return {
        ...base,
        suspension_indicator: m.suspensionIndicator ? 1 : 0,
        transaction_status: m.transactionStatus,
        ...tid(m),
      };
    case 'unknown':
      return { ...base, parameters: toHex(m.parameters) };
  }
}

function tlvHex(m: ReservedMessage): string {
  const w = new ByteWriter();
  writeTlv(w, reservedMessageToTlv(m));
  return toHex(w.finish());
}

function decodeTlvHex(hex: string): ReservedMessage | undefined {
  const bytes = fromHex(hex);
  const r = new ByteReader(bytes, 'TLV');
  const tlv = readTlv(r);
  assert.equal(r.pos, bytes.length, 'the TLV fills the vector');
  return reservedMessageFromTlv(tlv);
}

const isCode =
  (code: string, offset?: number) =>
  (e: unknown): boolean => {
    assert.ok(e instanceof CcsdsError, `expected a CcsdsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (offset !== undefined) assert.equal(e.offset, offset, e.message);
    return true;
  };

const value = (hex: string): Uint8Array => fromHex(`63666470${hex}`);

// ---------------------------------------------------------------------------------------------
// Known answers

test('user-messages.json: 38 vectors, every standard message type, one non-standard', () => {
  assert.equal(file.vectors.length, 38);
  const kinds = new Set(file.vectors.map((v) => decodeTlvHex(v.hex)?.kind));
  for (const [name, code] of Object.entries(ReservedMessageType)) {
    assert.ok(
      standard.some((v) => v.fields.reserved_cfdp_message['message_type'] === code),
      `no vector for ${name}`,
    );
  }
  assert.equal(kinds.size, 21, [...kinds].join(', '));
  assert.equal(file.vectors.length - standard.length, 1);
});

for (const v of file.vectors) {
  test(`vector ${v.name}: decodes to its fields and re-encodes to the same octets`, () => {
    const m = decodeTlvHex(v.hex);
    assert.ok(m !== undefined, 'is a reserved message');
    assert.deepEqual(toVectorFields(m), v.fields.reserved_cfdp_message);
    if (v.non_standard === true) assert.equal(m.kind, 'unknown');
    else assert.notEqual(m.kind, 'unknown');
    const encoded = encodeReservedMessage(m);
    assert.equal(toHex(encoded), v.fields.message);
    assert.equal(encoded.length, v.fields.length);
    assert.equal(tlvHex(m), v.hex);
    assert.deepEqual(decodeReservedMessage(fromHex(v.fields.message)), m);
  });
}

test('pdus.json metadata_message_only: reserved messages in a Metadata PDU', () => {
  const pdus = loadVectors<{ vectors: PduVector[] }>('cfdp/pdus.json');
  const v = pdus.vectors.find((x) => x.name === 'metadata_message_only');
  assert.ok(v !== undefined);
  const pdu = decodePdu(fromHex(v.hex));
  assert.equal(pdu.kind, 'metadata');
  if (pdu.kind !== 'metadata') return;
  const expected = v.fields.options ?? [];
  assert.equal(pdu.options.length, expected.length);
  assert.equal(expected.length, 3);
  pdu.options.forEach((tlv, i) => {
    const m = reservedMessageFromTlv(tlv);
    const want = expected[i]!.reserved_cfdp_message;
    if (want === undefined) assert.equal(m, undefined, 'plain message to user');
    else {
      assert.ok(m !== undefined);
      assert.deepEqual(toVectorFields(m), want);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Decoding edge cases

test('values that do not start with cfdp are not reserved messages', () => {
  for (const hex of ['', '63', '636664', '43464450', '4346445000', '68656c6c6f', '0063666470']) {
    assert.equal(isReservedMessageValue(fromHex(hex)), false, hex);
    assert.equal(decodeReservedMessage(fromHex(hex)), undefined, hex);
  }
  assert.equal(reservedMessageFromTlv({ kind: 'flowLabel', flowLabel: value('09') }), undefined);
  assert.equal(
    reservedMessageFromTlv({ kind: 'messageToUser', message: fromHex('61') }),
    undefined,
  );
  assert.equal(isReservedMessageValue(value('')), true);
});

test("'cfdp' without a message type is truncated", () => {
  assert.throws(() => decodeReservedMessage(value('')), isCode('TRUNCATED', 4));
});

test('every strict prefix of a standard vector is rejected with CcsdsError', () => {
  for (const v of standard) {
    const full = fromHex(v.fields.message);
    for (let n = 4; n < full.length; n++) {
      assert.throws(
        () => decodeReservedMessage(full.subarray(0, n)),
        isCode('TRUNCATED'),
        `${v.name} cut to ${n}`,
      );
    }
  }
});

test('an octet after the parameters is rejected (standard types) or kept (unknown)', () => {
  for (const v of standard) {
    const longer = fromHex(`${v.fields.message}00`);
    assert.throws(
      () => decodeReservedMessage(longer),
      isCode('INVALID_FIELD', longer.length - 1),
      v.name,
    );
  }
  const m = decodeReservedMessage(value('150203'));
  assert.deepEqual(m, { kind: 'unknown', messageType: 0x15, parameters: fromHex('0203') });
  const none = decodeReservedMessage(value('7f'));
  assert.deepEqual(none, { kind: 'unknown', messageType: 0x7f, parameters: new Uint8Array() });
});

test('proxy put request: the destination entity ID LV holds 1..8 octets', () => {
  assert.throws(() => decodeReservedMessage(value('00000000')), isCode('INVALID_FIELD', 5));
  assert.throws(
    () => decodeReservedMessage(value('0009010203040506070809' + '0000')),
    isCode('INVALID_FIELD', 5),
  );
  const m = decodeReservedMessage(value('0003abcdef0000'));
  assert.deepEqual(m, {
    kind: 'proxyPutRequest',
    destinationEntityId: 0xabcdefn,
    destinationEntityIdLength: 3,
    sourceFileName: '',
    destinationFileName: '',
  });
});

test('file names that are not UTF-8 are rejected', () => {
  assert.throws(() => decodeReservedMessage(value('1001ff00')), isCode('INVALID_FIELD', 6));
  assert.throws(() => decodeReservedMessage(value('0001070180c00100')), isCode('INVALID_FIELD'));
});

test('proxy filestore request/response: absent and empty second file name are kept apart', () => {
  const junk = utf8('junk.bin');
  const absent = decodeReservedMessage(value(`020a1008${junk}`));
  const empty = decodeReservedMessage(value(`020b1008${junk}00`));
  assert.deepEqual(absent, {
    kind: 'proxyFilestoreRequest',
    actionCode: 1,
    firstFileName: 'junk.bin',
    secondFileName: null,
  });
  assert.deepEqual(empty, { ...absent, secondFileName: '' });
  assert.equal(toHex(encodeReservedMessage(empty!)), `63666470020b1008${junk}00`);

  const msg = utf8('not found');
  const rAbsent = decodeReservedMessage(value(`08141108${junk}09${msg}`));
  const rEmpty = decodeReservedMessage(value(`08151108${junk}0009${msg}`));
  assert.deepEqual(rAbsent, {
    kind: 'proxyFilestoreResponse',
    actionCode: 1,
    statusCode: 1,
    firstFileName: 'junk.bin',
    secondFileName: null,
    filestoreMessage: 'not found',
  });
  assert.deepEqual(rEmpty, { ...rAbsent, secondFileName: '' });
  assert.equal(toHex(encodeReservedMessage(rEmpty!)), `6366647008151108${junk}0009${msg}`);
});

test('proxy filestore request/response: LVs that do not fill the parameter are rejected', () => {
  const bad = [
    '0200', // empty filestore request
    '020110', // action code only
    '0203100561', // first name LV runs past the parameter
    '0206100161016200', // three LVs in a request
    '0803110161', // response without a filestore message LV
    '080611016100000000', // four LVs in a response
  ];
  for (const hex of bad) {
    assert.throws(() => decodeReservedMessage(value(hex)), isCode('INVALID_FIELD', 5), hex);
  }
  // The outer LV claims more than the value holds.
  assert.throws(() => decodeReservedMessage(value('02091001610162')), isCode('TRUNCATED', 6));
});

test('spare and reserved bits are ignored and re-encoded as zero', () => {
  const cases: [string, string, Partial<Record<string, unknown>>][] = [
    ['04fe', '0400', { transmissionMode: 0 }],
    ['04ff', '0401', { transmissionMode: 1 }],
    ['06fe', '0600', { segmentationControl: false }],
    ['0bff', '0b01', { closureRequested: true }],
    ['075a', '0752', { conditionCode: 5, deliveryCode: 0, fileStatus: 2 }],
    ['117f0000', '11000000', { listingResponseCode: 0 }],
    ['0a99abcd0102', '0a11abcd0102', { entityIdLength: 2, transactionSeqNumLength: 2 }],
    ['217e0005ff', '21400005ff', { transactionStatus: 1, responseCode: 0 }],
    ['31bf0005ff', '31a00005ff', { suspensionIndicator: true, transactionStatus: 1 }],
    ['391f0005ff', '39000005ff', { suspensionIndicator: false, transactionStatus: 0 }],
  ];
  for (const [input, clean, fields] of cases) {
    const m = decodeReservedMessage(value(input));
    assert.ok(m !== undefined);
    for (const [k, want] of Object.entries(fields)) {
      assert.equal((m as unknown as Record<string, unknown>)[k], want, `${input} ${k}`);
    }
    assert.equal(toHex(encodeReservedMessage(m)), `63666470${clean}`, input);
  }
});

test('values over 255 octets are rejected', () => {
  const big = new Uint8Array(256);
  big.set(value('15'));
  assert.throws(() => decodeReservedMessage(big), isCode('INVALID_FIELD'));
  assert.equal(decodeReservedMessage(big.subarray(0, 255))?.kind, 'unknown');
});

// ---------------------------------------------------------------------------------------------
// Encoding errors

test('encoding refuses values out of range with INVALID_ARGUMENT', () => {
  const tid: ReservedTransactionId = {
    entityIdLength: 1,
    transactionSeqNumLength: 1,
    sourceEntityId: 1n,
    transactionSequenceNumber: 1n,
  };
  const long = 'x'.repeat(200);
  const bad: ReservedMessage[] = [
    { kind: 'originatingTransactionId', ...tid, sourceEntityId: 256n },
    { kind: 'originatingTransactionId', ...tid, transactionSequenceNumber: -1n },
    { kind: 'remoteSuspendRequest', ...tid, entityIdLength: 0 },
    { kind: 'remoteResumeRequest', ...tid, transactionSeqNumLength: 9 },
    {
      kind: 'proxyPutRequest',
      destinationEntityId: 1n,
      destinationEntityIdLength: 9,
      sourceFileName: '',
      destinationFileName: '',
    },
    {
      kind: 'proxyPutRequest',
      destinationEntityId: 0x10000n,
      destinationEntityIdLength: 2,
      sourceFileName: '',
      destinationFileName: '',
    },
    { kind: 'proxyFaultHandlerOverride', conditionCode: 16, handlerCode: 1 },
    { kind: 'proxyFaultHandlerOverride', conditionCode: 1, handlerCode: -1 },
    { kind: 'proxyTransmissionMode', transmissionMode: 2 as 0 },
    { kind: 'proxyPutResponse', conditionCode: 0, deliveryCode: 0, fileStatus: 4 as 0 },
    { kind: 'proxyPutResponse', conditionCode: 0.5, deliveryCode: 0, fileStatus: 0 },
    { kind: 'proxyFilestoreRequest', actionCode: 16, firstFileName: 'a', secondFileName: null },
    {
      kind: 'proxyFilestoreResponse',
      actionCode: 0,
      statusCode: 16,
      firstFileName: 'a',
      secondFileName: null,
      filestoreMessage: '',
    },
    {
      kind: 'proxyFilestoreRequest',
      actionCode: 2,
      firstFileName: long,
      secondFileName: 'y'.repeat(100),
    },
    {
      kind: 'directoryListingResponse',
      listingResponseCode: 2 as 0,
      directoryName: '',
      directoryFileName: '',
    },
    { kind: 'remoteStatusReportResponse', ...tid, transactionStatus: 4 as 0, responseCode: 0 },
    { kind: 'remoteStatusReportResponse', ...tid, transactionStatus: 0, responseCode: 2 as 0 },
    { kind: 'remoteSuspendResponse', ...tid, suspensionIndicator: true, transactionStatus: 5 as 0 },
    { kind: 'proxyMessageToUser', message: new Uint8Array(250) },
    { kind: 'proxyFlowLabel', flowLabel: new Uint8Array(256) },
    { kind: 'directoryListingRequest', directoryName: long, directoryFileName: long },
    { kind: 'remoteStatusReportRequest', ...tid, reportFileName: 'z'.repeat(256) },
    { kind: 'unknown', messageType: ReservedMessageType.PROXY_PUT_CANCEL, parameters: fromHex('') },
    { kind: 'unknown', messageType: 256, parameters: fromHex('') },
    { kind: 'unknown', messageType: 0x15, parameters: new Uint8Array(251) },
  ];
  for (const m of bad) {
    assert.throws(
      () => encodeReservedMessage(m),
      isCode('INVALID_ARGUMENT'),
      JSON.stringify(m, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
    );
  }
  // The largest values that fit.
  assert.equal(
    encodeReservedMessage({ kind: 'proxyMessageToUser', message: new Uint8Array(249) }).length,
    255,
  );
  assert.equal(
    encodeReservedMessage({ kind: 'unknown', messageType: 0xff, parameters: new Uint8Array(250) })
      .length,
    255,
  );
});

// ---------------------------------------------------------------------------------------------
// Round trips

const name = fc.string({ unit: 'binary', maxLength: 12 });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });
const nibble = fc.integer({ min: 0, max: 15 });
const bit = fc.constantFrom(0 as const, 1 as const);
const status = fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const);
const idOfWidth = (w: number): fc.Arbitrary<bigint> =>
  fc.bigInt({ min: 0n, max: (1n << BigInt(8 * w)) - 1n });
const width = fc.integer({ min: 1, max: 8 });
const tidArb: fc.Arbitrary<ReservedTransactionId> = fc.tuple(width, width).chain(([e, s]) =>
  fc.record({
    entityIdLength: fc.constant(e),
    transactionSeqNumLength: fc.constant(s),
    sourceEntityId: idOfWidth(e),
    transactionSequenceNumber: idOfWidth(s),
  }),
);
const knownTypes = new Set<number>(Object.values(ReservedMessageType));

const arbitraries: { [K in ReservedMessage['kind']]: fc.Arbitrary<ReservedMessage> } = {
  proxyPutRequest: width.chain((w) =>
    fc.record({
      kind: fc.constant('proxyPutRequest' as const),
      destinationEntityId: idOfWidth(w),
      destinationEntityIdLength: fc.constant(w),
      sourceFileName: name,
      destinationFileName: name,
    }),
  ),
  proxyMessageToUser: fc.record({
    kind: fc.constant('proxyMessageToUser' as const),
    message: bytes(249),
  }),
  proxyFilestoreRequest: fc.record({
    kind: fc.constant('proxyFilestoreRequest' as const),
    actionCode: nibble,
    firstFileName: name,
    secondFileName: fc.option(name, { nil: null }),
  }),
  proxyFaultHandlerOverride: fc.record({
    kind: fc.constant('proxyFaultHandlerOverride' as const),
    conditionCode: nibble,
    handlerCode: nibble,
  }),
  proxyTransmissionMode: fc.record({
    kind: fc.constant('proxyTransmissionMode' as const),
    transmissionMode: bit,
  }),
  proxyFlowLabel: fc.record({
    kind: fc.constant('proxyFlowLabel' as const),
    flowLabel: bytes(249),
  }),
  proxySegmentationControl: fc.record({
    kind: fc.constant('proxySegmentationControl' as const),
    segmentationControl: fc.boolean(),
  }),
  proxyPutResponse: fc.record({
    kind: fc.constant('proxyPutResponse' as const),
    conditionCode: nibble,
    deliveryCode: bit,
    fileStatus: status,
  }),
  proxyFilestoreResponse: fc.record({
    kind: fc.constant('proxyFilestoreResponse' as const),
    actionCode: nibble,
    statusCode: nibble,
    firstFileName: name,
    secondFileName: fc.option(name, { nil: null }),
    filestoreMessage: name,
  }),
  proxyPutCancel: fc.constant({ kind: 'proxyPutCancel' as const }),
  originatingTransactionId: tidArb.map((t) => ({
    kind: 'originatingTransactionId' as const,
    ...t,
  })),
  proxyClosureRequest: fc.record({
    kind: fc.constant('proxyClosureRequest' as const),
    closureRequested: fc.boolean(),
  }),
  directoryListingRequest: fc.record({
    kind: fc.constant('directoryListingRequest' as const),
    directoryName: name,
    directoryFileName: name,
  }),
  directoryListingResponse: fc.record({
    kind: fc.constant('directoryListingResponse' as const),
    listingResponseCode: bit,
    directoryName: name,
    directoryFileName: name,
  }),
  remoteStatusReportRequest: fc.tuple(tidArb, name).map(([t, reportFileName]) => ({
    kind: 'remoteStatusReportRequest' as const,
    ...t,
    reportFileName,
  })),
  remoteStatusReportResponse: fc
    .tuple(tidArb, status, bit)
    .map(([t, transactionStatus, responseCode]) => ({
      kind: 'remoteStatusReportResponse' as const,
      ...t,
      transactionStatus,
      responseCode,
    })),
  remoteSuspendRequest: tidArb.map((t) => ({ kind: 'remoteSuspendRequest' as const, ...t })),
  remoteSuspendResponse: fc
    .tuple(tidArb, fc.boolean(), status)
    .map(([t, suspensionIndicator, transactionStatus]) => ({
      kind: 'remoteSuspendResponse' as const,
      ...t,
      suspensionIndicator,
      transactionStatus,
    })),
  remoteResumeRequest: tidArb.map((t) => ({ kind: 'remoteResumeRequest' as const, ...t })),
  remoteResumeResponse: fc
    .tuple(tidArb, fc.boolean(), status)
    .map(([t, suspensionIndicator, transactionStatus]) => ({
      kind: 'remoteResumeResponse' as const,
      ...t,
      suspensionIndicator,
      transactionStatus,
    })),
  unknown: fc.record({
    kind: fc.constant('unknown' as const),
    messageType: fc.integer({ min: 0, max: 255 }).filter((t) => !knownTypes.has(t)),
    parameters: bytes(250),
  }),
};

for (const [kind, arb] of Object.entries(arbitraries)) {
  test(`round trip: ${kind}`, () => {
    fc.assert(
      fc.property(arb, (m) => {
        assert.equal(m.kind, kind);
        const encoded = encodeReservedMessage(m);
        assert.ok(encoded.length <= 255);
        assert.equal(toHex(encoded.subarray(0, 4)), '63666470');
        assert.equal(encoded[4], reservedMessageType(m));
        const decoded = decodeReservedMessage(encoded);
        // fast-check builds records without a prototype; compare with a plain copy.
        const want = { ...m };
        assert.deepEqual(decoded, want);
        assert.equal(toHex(encodeReservedMessage(decoded!)), toHex(encoded));
        // Through a Message To User TLV.
        assert.deepEqual(decodeTlvHex(tlvHex(m)), want);
      }),
      { numRuns: 300 },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile input

test('fuzz: decodeReservedMessage (100,000 inputs seeded with the vectors)', () => {
  const seeds = file.vectors.map((v) => fromHex(v.fields.message));
  // Kinds without spare bits must re-encode to exactly the input.
  const exact = new Set<string>([
    'proxyPutRequest',
    'proxyMessageToUser',
    'proxyFaultHandlerOverride',
    'proxyFlowLabel',
    'proxyPutCancel',
    'directoryListingRequest',
    'unknown',
  ]);
  let reserved = 0;
  let plain = 0;
  const s = fuzzDecoder(
    (b) => {
      const m = decodeReservedMessage(b);
      if (m === undefined) {
        plain++;
        return;
      }
      reserved++;
      const re = encodeReservedMessage(m);
      if (re.length !== b.length) throw new Error(`re-encoded length differs for ${toHex(b)}`);
      if (exact.has(m.kind) && toHex(re) !== toHex(b)) {
        throw new Error(`re-encoding differs for ${toHex(b)}`);
      }
      const again = encodeReservedMessage(decodeReservedMessage(re)!);
      if (toHex(again) !== toHex(re)) throw new Error(`re-encode is not stable for ${toHex(b)}`);
    },
    { seeds, seed: 727 },
  );
  assert.ok(s.runs >= 100_000);
  assert.ok(
    reserved > 5000 && s.rejected > 5000 && plain > 1000,
    JSON.stringify({ ...s, reserved, plain }),
  );
});

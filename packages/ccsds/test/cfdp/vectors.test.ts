import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex, toHex } from 'ccsds/core';
import { type Pdu, type Tlv, decodePdu, encodePdu } from 'ccsds/cfdp';
import { loadVectors } from '../support/vectors.js';

type Json = Record<string, unknown>;
interface Vector {
  name: string;
  hex: string;
  fields: Json;
}

function idHex(v: bigint, width: number): string {
  return v.toString(16).padStart(width * 2, '0');
}

function fss(v: number | bigint): number | string {
  return typeof v === 'bigint' ? v.toString() : v;
}

function tlvFields(t: Tlv): Json {
  switch (t.kind) {
    case 'filestoreRequest':
      return {
        action_code: t.actionCode,
        first_file_name: t.firstFileName,
        second_file_name: t.secondFileName,
      };
    case 'filestoreResponse':
      return {
        action_code: t.actionCode,
        status_code: t.statusCode,
        first_file_name: t.firstFileName,
        second_file_name: t.secondFileName,
        filestore_message: t.filestoreMessage,
      };
    case 'messageToUser':
      return { message: toHex(t.message) };
    case 'faultHandlerOverride':
      return { condition_code: t.conditionCode, handler_code: t.handlerCode };
    case 'flowLabel':
      return { flow_label: toHex(t.flowLabel) };
    case 'entityId':
      return { entity_id: idHex(t.entityId, t.length) };
    default:
      return { type: t.type, value: toHex(t.value) };
  }
}

/** Our decoded PDU, in the vector's field vocabulary (only keys the vector has are compared). */
function pduFields(p: Pdu): Json {
  const h = p.header;
  const header = {
    version: h.version,
    pdu_type: h.pduType,
    direction: h.direction,
    transmission_mode: h.transmissionMode,
    crc_flag: h.crcFlag ? 1 : 0,
    large_file_flag: h.largeFileFlag ? 1 : 0,
    segmentation_control: h.segmentationControl ? 1 : 0,
    entity_id_length: h.entityIdLength,
    segment_metadata_flag: h.segmentMetadataFlag ? 1 : 0,
    transaction_seq_num_length: h.transactionSeqNumLength,
    source_entity_id: idHex(h.sourceEntityId, h.entityIdLength),
    transaction_seq_num: idHex(h.transactionSequenceNumber, h.transactionSeqNumLength),
    destination_entity_id: idHex(h.destinationEntityId, h.entityIdLength),
    header_length: 4 + 2 * h.entityIdLength + h.transactionSeqNumLength,
  };
  const f: Json = { header };
  switch (p.kind) {
    case 'fileData':
      f['offset'] = fss(p.offset);
      f['file_data'] = toHex(p.data);
      if (p.recordContinuationState !== undefined)
        f['record_continuation_state'] = p.recordContinuationState;
      if (p.segmentMetadata !== undefined) f['segment_metadata'] = toHex(p.segmentMetadata);
      break;
    case 'metadata':
      Object.assign(f, {
        directive_code: 7,
        closure_requested: p.closureRequested ? 1 : 0,
        checksum_type: p.checksumType,
        file_size: fss(p.fileSize),
        source_file_name: p.sourceFileName,
        destination_file_name: p.destinationFileName,
        options: p.options.map(tlvFields),
      });
      break;
    case 'eof':
      Object.assign(f, {
        directive_code: 4,
        condition_code: p.conditionCode,
        file_checksum: p.fileChecksum.toString(16).padStart(8, '0'),
        file_size: fss(p.fileSize),
      });
      if (p.faultLocation)
        f['fault_location'] = idHex(p.faultLocation.entityId, p.faultLocation.length);
      break;
    case 'finished':
      Object.assign(f, {
        directive_code: 5,
        condition_code: p.conditionCode,
        delivery_code: p.deliveryCode,
        file_status: p.fileStatus,
        filestore_responses: p.filestoreResponses.map(tlvFields),
      });
      if (p.faultLocation)
        f['fault_location'] = idHex(p.faultLocation.entityId, p.faultLocation.length);
      break;
    case 'ack':
      Object.assign(f, {
        directive_code: 6,
        acked_directive_code: p.ackedDirectiveCode,
        directive_subtype_code: p.directiveSubtypeCode,
        condition_code: p.conditionCode,
        transaction_status: p.transactionStatus,
      });
      break;
    case 'nak':
      Object.assign(f, {
        directive_code: 8,
        start_of_scope: fss(p.startOfScope),
        end_of_scope: fss(p.endOfScope),
        segment_requests: p.segmentRequests.map(([s, e]) => [fss(s), fss(e)]),
      });
      break;
    case 'prompt':
      Object.assign(f, { directive_code: 9, response_required: p.responseRequired });
      break;
    case 'keepAlive':
      Object.assign(f, { directive_code: 12, progress: fss(p.progress) });
      break;
  }
  return f;
}

/** Compares the vector's fields that we model (names present in ours), recursively. */
function compare(ours: unknown, theirs: unknown, path: string): void {
  if (Array.isArray(theirs)) {
    assert.ok(Array.isArray(ours), `${path}: expected an array`);
    assert.equal((ours as unknown[]).length, theirs.length, `${path}: length`);
    theirs.forEach((t, i) => compare((ours as unknown[])[i], t, `${path}[${i}]`));
    return;
  }
  if (theirs !== null && typeof theirs === 'object') {
    for (const [k, v] of Object.entries(theirs as Json)) {
      if (ours === null || typeof ours !== 'object' || !(k in (ours as Json))) continue;
      compare((ours as Json)[k], v, `${path}.${k}`);
    }
    return;
  }
  assert.deepEqual(ours, theirs, path);
}

// Keys a vector lists that we must model (so that compare() cannot skip them silently).
const REQUIRED = [
  'header',
  'offset',
  'file_data',
  'condition_code',
  'file_size',
  'file_checksum',
  'segment_requests',
  'options',
  'filestore_responses',
  'fault_location',
  'progress',
  'transaction_status',
  'segment_metadata',
];

for (const file of ['cfdp/header.json', 'cfdp/pdus.json']) {
  const { vectors } = loadVectors<{ vectors: Vector[] }>(file);
  test(`every ${file} vector decodes to its fields and re-encodes identically`, () => {
    assert.ok(vectors.length >= 30);
    for (const v of vectors) {
      const bytes = fromHex(v.hex);
      const pdu = decodePdu(bytes);
      const ours = pduFields(pdu);
      for (const k of REQUIRED)
        if (k in v.fields) assert.ok(k in ours, `${v.name}: ${k} not modelled`);
      compare(ours, v.fields, v.name);
      assert.equal(toHex(encodePdu(pdu)), v.hex, `${v.name}: re-encode`);
    }
  });
}

test('pdus.json messages to user keep their octets', () => {
  const { vectors } = loadVectors<{ vectors: Vector[] }>('cfdp/pdus.json');
  const withMsgs = vectors.filter(
    (v) => JSON.stringify(v.fields).includes('"type": 2') || v.hex.includes('63666470'),
  );
  assert.ok(withMsgs.length > 0);
  for (const v of withMsgs) assert.equal(toHex(encodePdu(decodePdu(fromHex(v.hex)))), v.hex);
});

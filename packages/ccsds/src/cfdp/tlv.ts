/**
 * Type-Length-Value parameters of CCSDS 727.0-B-5 §5.4: filestore request (type 0) and
 * response (1), message to user (2), fault handler override (4), flow label (5) and entity ID
 * (6). Unknown types are kept as raw values so that they survive a decode/encode round trip.
 *
 * File names are length-value (LV) strings of 0..255 octets in UTF-8 (octets that are not valid
 * UTF-8 are refused, so that a decoded name always re-encodes to the same octets). For filestore
 * requests and responses of single-name actions, implementations disagree on whether the second
 * file name LV is present (empty) or absent: both are decoded, and `secondFileName` is `null`
 * when absent and `''` when present but empty, so that re-encoding gives the same octets.
 */
import {
  ByteReader,
  type ByteWriter,
  CcsdsError,
  CcsdsErrorCode,
  checkInteger,
  minimalWidth,
} from '../core/index.js';
import { TlvType } from './constants.js';

/** Filestore Request TLV (type 0). */
export interface FilestoreRequestTlv {
  kind: 'filestoreRequest';
  /** Action code (FilestoreAction, 0..8). */
  actionCode: number;
  firstFileName: string;
  /** `null` when the LV is absent, `''` when present and empty. */
  secondFileName: string | null;
}

/** Filestore Response TLV (type 1). */
export interface FilestoreResponseTlv {
  kind: 'filestoreResponse';
  actionCode: number;
  statusCode: number;
  firstFileName: string;
  secondFileName: string | null;
  filestoreMessage: string;
}

/** Message To User TLV (type 2). */
export interface MessageToUserTlv {
  kind: 'messageToUser';
  message: Uint8Array;
}

/** Fault Handler Override TLV (type 4). */
export interface FaultHandlerOverrideTlv {
  kind: 'faultHandlerOverride';
  conditionCode: number;
  handlerCode: number;
}

/** Flow Label TLV (type 5). */
export interface FlowLabelTlv {
  kind: 'flowLabel';
  flowLabel: Uint8Array;
}

/** Entity ID TLV (type 6), e.g. a fault location. */
export interface EntityIdTlv {
  kind: 'entityId';
  entityId: bigint;
  /** Octets used to encode the ID (1..8). */
  length: number;
}

/** A TLV of a type this implementation does not interpret. */
export interface UnknownTlv {
  kind: 'unknown';
  type: number;
  value: Uint8Array;
}

/** Any TLV. */
export type Tlv =
  | FilestoreRequestTlv
  | FilestoreResponseTlv
  | MessageToUserTlv
  | FaultHandlerOverrideTlv
  | FlowLabelTlv
  | EntityIdTlv
  | UnknownTlv;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Encodes a string as an LV. Throws INVALID_ARGUMENT above 255 octets. */
export function writeLv(w: ByteWriter, text: string | Uint8Array, what = 'LV'): void {
  const b = typeof text === 'string' ? enc.encode(text) : text;
  if (b.length > 255) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `${what} is ${b.length} octets; at most 255 fit`,
    );
  }
  w.u8(b.length).bytes(b);
}

/** Reads an LV as a string. Octets that are not valid UTF-8 are refused (`INVALID_FIELD`). */
export function readLv(r: ByteReader, what = 'LV'): string {
  const n = r.u8(what);
  const at = r.pos;
  const b = r.take(n, what);
  try {
    return dec.decode(b);
  } catch {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `${what} is not valid UTF-8`, {
      offset: at,
    });
  }
}

/** Encodes an Entity ID TLV value helper: the fault location of the local entity. */
export function entityIdTlv(entityId: bigint | number, length?: number): EntityIdTlv {
  const id = BigInt(entityId);
  return { kind: 'entityId', entityId: id, length: length ?? minimalWidth(id) };
}

/** Writes one TLV. */
export function writeTlv(w: ByteWriter, tlv: Tlv): void {
  const start = w.length;
  const typeOf = (): number => {
    switch (tlv.kind) {
      case 'filestoreRequest':
        return TlvType.FILESTORE_REQUEST;
      case 'filestoreResponse':
        return TlvType.FILESTORE_RESPONSE;
      case 'messageToUser':
        return TlvType.MESSAGE_TO_USER;
      case 'faultHandlerOverride':
        return TlvType.FAULT_HANDLER_OVERRIDE;
      case 'flowLabel':
        return TlvType.FLOW_LABEL;
      case 'entityId':
        return TlvType.ENTITY_ID;
      default:
        return tlv.type;
    }
  };
  w.u8(typeOf()).u8(0);
  switch (tlv.kind) {
    case 'filestoreRequest':
      checkInteger(tlv.actionCode, 0, 15, 'actionCode');
      w.u8(tlv.actionCode << 4);
      writeLv(w, tlv.firstFileName, 'first file name');
      if (tlv.secondFileName !== null) writeLv(w, tlv.secondFileName, 'second file name');
      break;
    case 'filestoreResponse':
      checkInteger(tlv.actionCode, 0, 15, 'actionCode');
      checkInteger(tlv.statusCode, 0, 15, 'statusCode');
      w.u8((tlv.actionCode << 4) | tlv.statusCode);
      writeLv(w, tlv.firstFileName, 'first file name');
      if (tlv.secondFileName !== null) writeLv(w, tlv.secondFileName, 'second file name');
      writeLv(w, tlv.filestoreMessage, 'filestore message');
      break;
    case 'messageToUser':
      w.bytes(tlv.message);
      break;
    case 'faultHandlerOverride':
      checkInteger(tlv.conditionCode, 0, 15, 'conditionCode');
      checkInteger(tlv.handlerCode, 0, 15, 'handlerCode');
      w.u8((tlv.conditionCode << 4) | tlv.handlerCode);
      break;
    case 'flowLabel':
      w.bytes(tlv.flowLabel);
      break;
    case 'entityId':
      checkInteger(tlv.length, 1, 8, 'entity ID length');
      w.uint(tlv.length, tlv.entityId);
      break;
    default:
      checkInteger(tlv.type, 0, 255, 'TLV type');
      w.bytes(tlv.value);
  }
  const len = w.length - start - 2;
  if (len > 255) {
    throw new CcsdsError(
      CcsdsErrorCode.INVALID_ARGUMENT,
      `TLV value is ${len} octets; at most 255 fit`,
    );
  }
  w.patchU8(start + 1, len);
}

/** Counts the LVs that exactly fill `value` (or -1 if they do not). */
function countLvs(value: Uint8Array, from: number): number {
  let p = from;
  let n = 0;
  while (p < value.length) {
    p += 1 + value[p]!;
    n++;
  }
  return p === value.length ? n : -1;
}

/** Reads one TLV at the reader's position. */
export function readTlv(r: ByteReader): Tlv {
  const at = r.pos;
  const type = r.u8('TLV type');
  const length = r.u8('TLV length');
  const value = r.take(length, 'TLV value');
  const fail = (msg: string): never => {
    throw new CcsdsError(CcsdsErrorCode.INVALID_FIELD, `TLV type ${type}: ${msg}`, { offset: at });
  };
  const vr = new ByteReader(value, `TLV type ${type}`);
  try {
    switch (type) {
      case TlvType.FILESTORE_REQUEST: {
        if (length < 2) fail('too short');
        const actionCode = value[0]! >> 4;
        const lvs = countLvs(value, 1);
        if (lvs < 1 || lvs > 2) fail('file name LVs do not fill the value');
        vr.pos = 1;
        const firstFileName = readLv(vr, 'first file name');
        const secondFileName = lvs === 2 ? readLv(vr, 'second file name') : null;
        return { kind: 'filestoreRequest', actionCode, firstFileName, secondFileName };
      }
      case TlvType.FILESTORE_RESPONSE: {
        if (length < 2) fail('too short');
        const actionCode = value[0]! >> 4;
        const statusCode = value[0]! & 15;
        const lvs = countLvs(value, 1);
        if (lvs < 1 || lvs > 3) fail('LVs do not fill the value');
        vr.pos = 1;
        const firstFileName = readLv(vr, 'first file name');
        const secondFileName = lvs === 3 ? readLv(vr, 'second file name') : null;
        const filestoreMessage = lvs >= 2 ? readLv(vr, 'filestore message') : '';
        return {
          kind: 'filestoreResponse',
          actionCode,
          statusCode,
          firstFileName,
          secondFileName,
          filestoreMessage,
        };
      }
      case TlvType.MESSAGE_TO_USER:
        return { kind: 'messageToUser', message: value.slice() };
      case TlvType.FAULT_HANDLER_OVERRIDE:
        if (length !== 1) fail('value must be one octet');
        return {
          kind: 'faultHandlerOverride',
          conditionCode: value[0]! >> 4,
          handlerCode: value[0]! & 15,
        };
      case TlvType.FLOW_LABEL:
        return { kind: 'flowLabel', flowLabel: value.slice() };
      case TlvType.ENTITY_ID:
        if (length < 1 || length > 8) fail('entity ID must be 1..8 octets');
        return { kind: 'entityId', entityId: vr.uintBig(length), length };
      default:
        return { kind: 'unknown', type, value: value.slice() };
    }
  } catch (e) {
    if (
      e instanceof CcsdsError &&
      e.offset !== undefined &&
      e.code !== CcsdsErrorCode.INVALID_FIELD
    ) {
      throw new CcsdsError(e.code, e.message, { offset: at + 2 + e.offset });
    }
    throw e;
  }
}

/**
 * Codes of the CCSDS File Delivery Protocol, CCSDS 727.0-B-5 §5 (tables 5-4 to 5-16) and the
 * SANA checksum registry.
 */

/** CFDP protocol version field: 1 (binary 001) for 727.0-B-4/B-5, 0 for 727.0-B-3 peers. */
export const CFDP_VERSION = 1;
/** The version field value of 727.0-B-3 (CFDP version 1). */
export const CFDP_VERSION_B3 = 0;

/** PDU type (§5.1.1). */
export const PduType = { FILE_DIRECTIVE: 0, FILE_DATA: 1 } as const;
/** One of {@link PduType}. */
export type PduType = (typeof PduType)[keyof typeof PduType];

/** Direction (§5.1.1): toward the file receiver or toward the file sender. */
export const Direction = { TOWARD_RECEIVER: 0, TOWARD_SENDER: 1 } as const;
/** One of {@link Direction}. */
export type Direction = (typeof Direction)[keyof typeof Direction];

/** Transmission mode (§5.1.1): 0 acknowledged (Class 2), 1 unacknowledged (Class 1). */
export const TransmissionMode = { ACKNOWLEDGED: 0, UNACKNOWLEDGED: 1 } as const;
/** One of {@link TransmissionMode}. */
export type TransmissionMode = (typeof TransmissionMode)[keyof typeof TransmissionMode];

/** File directive codes (Table 5-4). */
export const DirectiveCode = {
  EOF: 0x04,
  FINISHED: 0x05,
  ACK: 0x06,
  METADATA: 0x07,
  NAK: 0x08,
  PROMPT: 0x09,
  KEEP_ALIVE: 0x0c,
} as const;
/** One of {@link DirectiveCode}. */
export type DirectiveCode = (typeof DirectiveCode)[keyof typeof DirectiveCode];

/** Condition codes (Table 5-5). */
export const ConditionCode = {
  NO_ERROR: 0,
  POSITIVE_ACK_LIMIT_REACHED: 1,
  KEEP_ALIVE_LIMIT_REACHED: 2,
  INVALID_TRANSMISSION_MODE: 3,
  FILESTORE_REJECTION: 4,
  FILE_CHECKSUM_FAILURE: 5,
  FILE_SIZE_ERROR: 6,
  NAK_LIMIT_REACHED: 7,
  INACTIVITY_DETECTED: 8,
  INVALID_FILE_STRUCTURE: 9,
  CHECK_LIMIT_REACHED: 10,
  UNSUPPORTED_CHECKSUM_TYPE: 11,
  SUSPEND_REQUEST_RECEIVED: 14,
  CANCEL_REQUEST_RECEIVED: 15,
} as const;
/** One of {@link ConditionCode} (any 4-bit value decodes; 12 and 13 are reserved). */
export type ConditionCode = number;

const CONDITION_CODE_NAMES: readonly (string | undefined)[] = [
  'no error',
  'positive ACK limit reached',
  'keep alive limit reached',
  'invalid transmission mode',
  'filestore rejection',
  'file checksum failure',
  'file size error',
  'NAK limit reached',
  'inactivity detected',
  'invalid file structure',
  'check limit reached',
  'unsupported checksum type',
  undefined,
  undefined,
  'suspend request received',
  'cancel request received',
];

/**
 * The name of a condition code as 727.0-B-5 Table 5-5 gives it ("inactivity detected"), or
 * "reserved condition code 12" (12, 13) / "condition code N" (anything else), for messages to
 * people.
 */
export function conditionCodeName(code: number): string {
  const name = Number.isInteger(code) ? CONDITION_CODE_NAMES[code] : undefined;
  if (name !== undefined) return name;
  return code === 12 || code === 13 ? `reserved condition code ${code}` : `condition code ${code}`;
}

/** Delivery code of the Finished PDU (§5.2.3). */
export const DeliveryCode = { DATA_COMPLETE: 0, DATA_INCOMPLETE: 1 } as const;
/** One of {@link DeliveryCode}. */
export type DeliveryCode = (typeof DeliveryCode)[keyof typeof DeliveryCode];

/** File status of the Finished PDU (§5.2.3). */
export const FileStatus = {
  DISCARDED_DELIBERATELY: 0,
  DISCARDED_FILESTORE_REJECTION: 1,
  RETAINED: 2,
  UNREPORTED: 3,
} as const;
/** One of {@link FileStatus}. */
export type FileStatus = (typeof FileStatus)[keyof typeof FileStatus];

/** Transaction status of the ACK PDU (Table 5-8). */
export const TransactionStatus = {
  UNDEFINED: 0,
  ACTIVE: 1,
  TERMINATED: 2,
  UNRECOGNIZED: 3,
} as const;
/** One of {@link TransactionStatus}. */
export type TransactionStatus = (typeof TransactionStatus)[keyof typeof TransactionStatus];

/** File checksum types (SANA checksum identifiers). */
export const ChecksumType = {
  MODULAR: 0,
  PROXIMITY1_CRC32: 1,
  CRC32C: 2,
  CRC32: 3,
  NULL: 15,
} as const;
/** One of {@link ChecksumType}. */
export type ChecksumType = (typeof ChecksumType)[keyof typeof ChecksumType];

/** Fault handler codes (Table 5-19). */
export const FaultHandlerCode = {
  NOTICE_OF_CANCELLATION: 1,
  NOTICE_OF_SUSPENSION: 2,
  IGNORE_ERROR: 3,
  ABANDON_TRANSACTION: 4,
} as const;
/** One of {@link FaultHandlerCode}. */
export type FaultHandlerCode = (typeof FaultHandlerCode)[keyof typeof FaultHandlerCode];

/** TLV types (Table 5-3). */
export const TlvType = {
  FILESTORE_REQUEST: 0x00,
  FILESTORE_RESPONSE: 0x01,
  MESSAGE_TO_USER: 0x02,
  FAULT_HANDLER_OVERRIDE: 0x04,
  FLOW_LABEL: 0x05,
  ENTITY_ID: 0x06,
} as const;

/** Record continuation state of File Data segment metadata (§5.3). */
export const RecordContinuationState = {
  NEITHER_START_NOR_END: 0,
  START_WITHOUT_END: 1,
  END_WITHOUT_START: 2,
  START_AND_END: 3,
} as const;

/** Prompt PDU response required (§5.2.7). */
export const PromptResponse = { NAK: 0, KEEP_ALIVE: 1 } as const;
